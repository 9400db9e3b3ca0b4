// Log in, then on to the to-dos. The server's answer sets the cookies; the page keeps nothing.
import { h, ref, withModifiers } from "../../vendor/vue/vue.runtime.esm-browser.prod.js";
import { api, takeNotice } from "../api.js";
import { Field, model, PublicHeader, SiteFooter, SubmitButton, useAction } from "../components.js";
import { Notice, useRetryMessages } from "../messages.js";

export const LoginPage = {
  setup() {
    const username = ref("");
    const password = ref("");
    // Why the user is here, if the server sent them ("Your session has expired: ...").
    const notice = takeNotice();
    const { busy, error, run } = useAction();
    // After too many failed logins the server answers 429 and says how long to wait.
    const messages = useRetryMessages(error);

    async function logIn() {
      if (busy.value) return; // the button is still busy with the last one
      messages.reset();
      await run(async () => {
        try {
          await api("POST", "/api/login", { username: username.value, password: password.value });
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
        h(Notice, { text: notice }),
        h("form", { class: "card auth-card", onSubmit: withModifiers(logIn, ["prevent"]) }, [
          h("h1", "Welcome back"),
          h("p", { class: "muted" }, "Log in to see your to-dos."),
          h(Field, {
            label: "Username",
            autocomplete: "username",
            required: true,
            ...model(username),
          }),
          h(Field, {
            label: "Password",
            type: "password",
            autocomplete: "current-password",
            required: true,
            ...model(password),
          }),
          messages.render(),
          h(SubmitButton, { busy: busy.value, icon: "log-in" }, () => "Log in"),
          h("p", { class: "switch" }, [
            "New here? ",
            h("a", { href: "/register" }, "Create an account"),
          ]),
        ]),
      ]),
      h(SiteFooter),
    ];
  },
};
