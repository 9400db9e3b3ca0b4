// The front door: what the app is, and the ways in.
import { h } from "../../vendor/vue/vue.runtime.esm-browser.prod.js";
import { csrfToken } from "../api.js";
import { PublicHeader, SiteFooter } from "../components.js";
import { Icon } from "../icons.js";

const FEATURES = [
  {
    icon: "shield-check",
    title: "Nothing for scripts to steal",
    text: "Your login lives in an HttpOnly cookie that no script can read, and every change carries a CSRF token that other sites cannot send.",
  },
  {
    icon: "timer-reset",
    title: "Tokens that expire",
    text: "Each token lasts ten minutes and is renewed quietly from your session, so a copied token soon stops working.",
  },
  {
    icon: "monitor-smartphone",
    title: "Every device in view",
    text: "See where you are logged in, log out one device or all of them, and change your password.",
  },
];

const SAMPLE_TODOS = [
  { title: "Book the dentist", done: true },
  { title: "Buy oat milk", done: false },
  { title: "Read about JSON Web Tokens", done: false },
];

// A picture of the app, made of the app's own styles: a list with no box to type in, so
// that it does not pass for a form. Decoration: hidden from screen readers.
function Preview() {
  return h("div", { class: "card preview", "aria-hidden": "true" }, [
    h("div", { class: "preview-title" }, [
      h("p", "Your to-dos, once you log in"),
      h("span", { class: "preview-tag" }, "Example"),
    ]),
    h(
      "ul",
      { class: "todo-list" },
      SAMPLE_TODOS.map((todo) =>
        h("li", { class: ["todo", { done: todo.done }] }, [
          h("span", { class: ["fake-check", { checked: todo.done }] }),
          h("span", { class: "todo-title" }, todo.title),
        ]),
      ),
    ),
  ]);
}

function Feature({ icon, title, text }) {
  return h("li", { class: "card feature" }, [
    h("span", { class: "feature-icon" }, h(Icon, { name: icon })),
    h("h2", title),
    h("p", text),
  ]);
}

function CallsToAction() {
  // See PublicHeader: the readable csrf_token cookie means "probably logged in".
  if (csrfToken()) {
    return [
      h("a", { class: "button large", href: "/app" }, [
        "Open your to-dos",
        h(Icon, { name: "arrow-right" }),
      ]),
    ];
  }
  return [
    h("a", { class: "button large", href: "/register" }, "Create an account"),
    h("a", { class: "button large secondary", href: "/login" }, "Log in"),
  ];
}

export function LandingPage() {
  return [
    h(PublicHeader),
    h("main", { id: "main", tabindex: "-1", class: "landing" }, [
      h("section", { class: "hero" }, [
        h("div", [
          h("h1", "Your to-dos, on every device, kept safe."),
          h(
            "p",
            { class: "lead" },
            "A small, fast to-do list. Add, tick off, and tidy up your tasks; log in from your laptop and your phone, and stay in control of both.",
          ),
          h("div", { class: "actions" }, CallsToAction()),
        ]),
        h(Preview),
      ]),
      h(
        "ul",
        { class: "features" },
        FEATURES.map((feature) => h(Feature, feature)),
      ),
    ]),
    h(SiteFooter),
  ];
}
