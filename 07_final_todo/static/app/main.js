// Mounts the page that the server named in data-page (each URL serves the same shell).
//
// Vue's runtime-only build: it has no template compiler, because compiling templates in
// the browser needs eval (new Function), and this site's Content-Security-Policy allows
// no eval. So every component here renders with h() instead of a template.
import { createApp } from "../vendor/vue/vue.runtime.esm-browser.prod.js";
import { AccountPage } from "./pages/account.js";
import { LandingPage } from "./pages/landing.js";
import { LoginPage } from "./pages/login.js";
import { RegisterPage } from "./pages/register.js";
import { TodosPage } from "./pages/todos.js";

const PAGES = {
  landing: LandingPage,
  login: LoginPage,
  register: RegisterPage,
  app: TodosPage,
  account: AccountPage,
};

const root = document.getElementById("app");
createApp(PAGES[root.dataset.page]).mount(root);
