// Log in, then on to the to-dos. The server's answer sets the cookies; the page keeps nothing.
import { h, ref, withModifiers } from "../../vendor/vue/vue.runtime.esm-browser.prod.js";
import { api, takeNotice } from "../api.js";
import {
  Field,
  Message,
  model,
  Notice,
  PublicHeader,
  SiteFooter,
  SubmitButton,
  useAction,
  useCountdown,
  WaitMessage,
} from "../components.js";

export const LoginPage = {
  setup() {
    const username = ref("");
    const password = ref("");
    // Why the user is here, if the server sent them ("Your session has expired: ...").
    const notice = takeNotice();
    const { busy, error, run } = useAction();
    // After too many failed logins the server answers 429 and says how long to wait: the
    // message counts down, then says that the user can try again.
    const throttled = ref(""); // the server's message, while the wait lasts
    const wait = useCountdown();
    const ready = ref("");

    function waitOver() {
      throttled.value = "";
      error.value = "";
      ready.value = "You can try again now.";
    }

    async function logIn() {
      wait.stop();
      throttled.value = "";
      ready.value = "";
      await run(async () => {
        try {
          await api("POST", "/api/login", { username: username.value, password: password.value });
        } catch (refused) {
          if (refused.retryAfter) {
            throttled.value = refused.message;
            wait.start(refused.retryAfter, waitOver);
          }
          throw refused;
        }
        location.assign("/app");
      });
    }

    function problem() {
      if (throttled.value) {
        return h(WaitMessage, { text: throttled.value, secondsLeft: wait.secondsLeft.value });
      }
      return [h(Message, { text: error.value }), h(Message, { text: ready.value, kind: "info" })];
    }

    return () => [
      h(PublicHeader),
      h("main", { class: "auth" }, [
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
          problem(),
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
