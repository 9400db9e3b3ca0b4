// The screens of the app, in menu order. Each path is served the same page by Flask, and
// App.vue shows the screen that the path names; ABILITY says which role may open it.
import { ClipboardList, Package, UserRound, UsersRound } from "lucide-vue-next";
import AccountPage from "./pages/AccountPage.vue";
import OrdersPage from "./pages/OrdersPage.vue";
import ProductsPage from "./pages/ProductsPage.vue";
import UsersPage from "./pages/UsersPage.vue";

export const SCREENS = [
  { path: "/products", title: "Products", icon: Package, component: ProductsPage },
  { path: "/orders", title: "Orders", icon: ClipboardList, component: OrdersPage },
  {
    path: "/users",
    title: "Users",
    icon: UsersRound,
    component: UsersPage,
    ability: "manage users",
  },
  { path: "/account", title: "Account", icon: UserRound, component: AccountPage },
];
