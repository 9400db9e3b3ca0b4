// Create an account, log in with it, and on to the (empty) to-do list.
import { h, ref, withModifiers } from "../../vendor/vue/vue.runtime.esm-browser.prod.js";
import { api } from "../api.js";
import { Field, model, PublicHeader, SiteFooter, SubmitButton, useAction } from "../components.js";
import { useRetryMessages } from "../messages.js";

export const RegisterPage = {
  setup() {
    const username = ref("");
    const password = ref("");
    const { busy, error, run } = useAction();
    // Sign-ups from one address are throttled too: 429, and how long to wait.
    const messages = useRetryMessages(error);

    async function register() {
      if (busy.value) return; // the button is still busy with the last one
      messages.reset();
      await run(async () => {
        const credentials = { username: username.value, password: password.value };
        try {
          await api("POST", "/api/register", credentials);
          await api("POST", "/api/login", credentials);
        } catch (refused) {
          messages.caught(refused);
          throw refused;
        }
        location.assign("/app");
      });
    }

    return () => [
      h(PublicHeader),
      h("main", { id: "main", tabindex: "-1", class: "auth" }, [
        h("form", { class: "card auth-card", onSubmit: withModifiers(register, ["prevent"]) }, [
          h("h1", "Create an account"),
          h("p", { class: "muted" }, "Free, and all it takes is a name and a password."),
          h(Field, {
            label: "Username",
            hint: "3 to 32 letters, digits and _ . -",
            autocomplete: "username",
            required: true,
            ...model(username),
          }),
          h(Field, {
            label: "Password",
            hint: "8 to 128 characters. A few words that you will remember make a strong one.",
            type: "password",
            autocomplete: "new-password",
            required: true,
            ...model(password),
          }),
          messages.render(),
          h(SubmitButton, { busy: busy.value, icon: "user-round" }, () => "Create account"),
          h("p", { class: "switch" }, [
            "Already have an account? ",
            h("a", { href: "/login" }, "Log in"),
          ]),
        ]),
      ]),
      h(SiteFooter),
    ];
  },
};
