// Log in, then on to the to-dos. The server's answer sets the cookies; the page keeps nothing.
import { h, ref, withModifiers } from "../../vendor/vue/vue.runtime.esm-browser.prod.js";
import { api } from "../api.js";
import {
  Field,
  Message,
  model,
  PublicHeader,
  SiteFooter,
  SubmitButton,
  useAction,
} from "../components.js";

export const LoginPage = {
  setup() {
    const username = ref("");
    const password = ref("");
    const { busy, error, run } = useAction();

    async function logIn() {
      await run(async () => {
        await api("POST", "/api/login", { username: username.value, password: password.value });
        location.assign("/app");
      });
    }

    return () => [
      h(PublicHeader),
      h("main", { class: "auth" }, [
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
          h(Message, { text: error.value }),
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
