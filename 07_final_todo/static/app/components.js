// Small pieces that every page uses: the header and footer, form fields, messages, and
// the state of an action the user starts.
import { h, ref, useId } from "../vendor/vue/vue.runtime.esm-browser.prod.js";
import { api, csrfToken, leaveNotice } from "./api.js";
import { Icon } from "./icons.js";

// Busy while ACTION runs, then its error message, if any. `run` answers whether it worked.
export function useAction() {
  const busy = ref(false);
  const error = ref("");
  async function run(action) {
    busy.value = true;
    error.value = "";
    try {
      await action();
      return true;
    } catch (e) {
      error.value = e.message;
      return false;
    } finally {
      busy.value = false;
    }
  }
  return { busy, error, run };
}

// What `v-model="name"` on a component compiles to, for render functions.
export function model(name) {
  return { modelValue: name.value, "onUpdate:modelValue": (value) => (name.value = value) };
}

function Brand({ href }) {
  return h("a", { class: "brand", href }, [
    h("span", { class: "brand-mark" }, h(Icon, { name: "list-checks" })),
    "To-do",
  ]);
}

function NavLink({ href, icon, current }, { slots }) {
  // The text hides on a narrow screen but still names the link for a screen reader.
  return h("a", { class: "nav-link", href, "aria-current": current ? "page" : undefined }, [
    h(Icon, { name: icon }),
    h("span", { class: "nav-label" }, slots.default()),
  ]);
}

// For visitors. The access token is out of reach (HttpOnly), but the csrf_token cookie
// that comes with it is readable: while it is there, the visitor is probably logged in.
// The server has the last word: /app sends anyone it does not know to /login.
export function PublicHeader() {
  const links = csrfToken()
    ? [h("a", { class: "button small", href: "/app" }, "Open your to-dos")]
    : [
        h("a", { class: "nav-link", href: "/login" }, "Log in"),
        h("a", { class: "button small", href: "/register" }, "Register"),
      ];
  return h("header", { class: "site-header" }, [
    h("div", { class: "bar" }, [h(Brand, { href: "/" }), h("nav", { class: "nav" }, links)]),
  ]);
}

// For logged-in pages: where to go, who is logged in, and the way out.
export const AppHeader = {
  props: { username: String, current: String },
  setup(props) {
    const logout = useAction();
    async function logOut() {
      await logout.run(async () => {
        await api("POST", "/api/logout");
        leaveNotice("You have logged out.");
        location.assign("/login");
      });
    }
    return () =>
      h("header", { class: "site-header" }, [
        h("div", { class: "bar" }, [
          h(Brand, { href: "/app" }),
          h("nav", { class: "nav" }, [
            h(
              NavLink,
              { href: "/app", icon: "list-checks", current: props.current === "app" },
              () => "To-dos",
            ),
            h(
              NavLink,
              { href: "/account", icon: "user-round", current: props.current === "account" },
              () => "Account",
            ),
          ]),
          // A long name is cut short on a phone: the title shows it whole on hover, and the
          // account page says it in full.
          h("span", { class: "who", title: props.username }, props.username),
          h(
            "button",
            {
              class: "button ghost small",
              type: "button",
              disabled: logout.busy.value,
              onClick: logOut,
            },
            [h(Icon, { name: "log-out" }), h("span", { class: "nav-label" }, "Log out")],
          ),
        ]),
        h(Message, { text: logout.error.value }),
      ]);
  },
};

export function SiteFooter() {
  return h("footer", { class: "site-footer" }, [
    "To-do · stage 07 of ",
    h("em", "Web authentication with Flask"),
  ]);
}

// A labelled input. Attributes such as `type` and `autocomplete` go to the input.
export const Field = {
  inheritAttrs: false,
  props: { label: String, hint: String, modelValue: String },
  emits: ["update:modelValue"],
  setup(props, { attrs, emit }) {
    const id = useId();
    return () =>
      h("div", { class: "field" }, [
        h("label", { for: id }, props.label),
        h("input", {
          ...attrs,
          id,
          value: props.modelValue,
          "aria-describedby": props.hint ? `${id}-hint` : undefined,
          onInput: (event) => emit("update:modelValue", event.target.value),
        }),
        props.hint ? h("p", { id: `${id}-hint`, class: "hint" }, props.hint) : null,
      ]);
  },
};

const MESSAGE_ICONS = { error: "circle-alert", success: "circle-check", info: "info" };

// An error (announced at once by screen readers), or good news, or news (both announced
// when the reader is free); nothing when TEXT is empty.
export function Message({ text, kind = "error" }) {
  if (!text) return null;
  return h("p", { class: ["message", kind], role: kind === "error" ? "alert" : "status" }, [
    h(Icon, { name: MESSAGE_ICONS[kind] }),
    h("span", text),
  ]);
}

// A live region that is always on the page, whose text changes: news that appears inside
// it is read out, where a region created with its text already in it often is not.
export function LiveMessage({ text, kind = "success" }) {
  return h("div", { class: "live", role: "status" }, [
    text
      ? h("p", { class: ["message", kind] }, [
          h(Icon, { name: MESSAGE_ICONS[kind] }),
          h("span", text),
        ])
      : null,
  ]);
}

// While BUSY the button stays enabled (aria-disabled), so that it keeps the keyboard focus
// (a disabled button drops it to the page itself); the form ignores a second submit.
export function SubmitButton({ busy, disabled = false, icon }, { slots }) {
  const attributes = {
    class: "button",
    type: "submit",
    disabled,
    "aria-disabled": busy ? "true" : undefined,
  };
  return h("button", attributes, [
    h(Icon, { name: busy ? "loader-circle" : icon }),
    slots.default(),
  ]);
}

export function Loading(_props, { slots }) {
  return h("p", { class: "loading", role: "status" }, [
    h(Icon, { name: "loader-circle" }),
    slots.default(),
  ]);
}
