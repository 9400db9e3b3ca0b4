// The account: where you are logged in (end one session, or all of them) and your password.
import { h, nextTick, ref } from "../../vendor/vue/vue.runtime.esm-browser.prod.js";
import { api, leaveNotice } from "../api.js";
import { AppHeader, Loading, Message, SiteFooter, useAction } from "../components.js";
import { Icon } from "../icons.js";
import { Announcer, useAnnouncer } from "../messages.js";
import { PasswordForm } from "../password-form.js";
import { SessionItem } from "../session-item.js";

function SectionTitle({ icon }, { slots }) {
  return h("h2", { class: "section-title" }, [h(Icon, { name: icon }), slots.default()]);
}

export const AccountPage = {
  setup() {
    const username = ref("");
    const sessions = ref(null); // null until they have loaded
    const loading = useAction();
    const logoutAll = useAction();
    const news = useAnnouncer(); // "Session revoked", for screen readers
    const listElement = ref(null);
    const logoutAllButton = ref(null);

    async function loadSessions() {
      sessions.value = await api("GET", "/api/sessions");
    }

    loading.run(async () => {
      const [user] = await Promise.all([api("GET", "/api/me"), loadSessions()]);
      username.value = user.username;
    });

    // The Revoke button that had the focus is gone with its row: the focus goes to the next
    // Revoke button (or the one before), or to Log out everywhere when none is left.
    async function removeSession(id) {
      const buttons = () => [...(listElement.value?.querySelectorAll("button") ?? [])];
      const index = buttons().indexOf(document.activeElement);
      const focusLost = index !== -1 || document.activeElement === document.body;
      sessions.value = sessions.value.filter((session) => session.id !== id);
      news.say("Session revoked");
      await nextTick();
      if (!focusLost) return; // the user has moved on: leave the focus where it is
      const left = buttons();
      (left[Math.min(Math.max(index, 0), left.length - 1)] ?? logoutAllButton.value)?.focus();
    }

    async function logOutEverywhere() {
      await logoutAll.run(async () => {
        await api("POST", "/api/logout-all");
        leaveNotice("You have logged out on every device.");
        location.assign("/login");
      });
    }

    function sessionList() {
      if (loading.error.value) return h(Message, { text: loading.error.value });
      if (sessions.value === null) return h(Loading, () => "Loading your sessions…");
      // This device first, then the others from the most recent login.
      const ordered = [
        ...sessions.value.filter((session) => session.current),
        ...sessions.value.filter((session) => !session.current).reverse(),
      ];
      return h(
        "ul",
        { class: "session-list", ref: listElement },
        ordered.map((session) =>
          h(SessionItem, { key: session.id, session, onRevoked: removeSession }),
        ),
      );
    }

    return () => [
      h(AppHeader, { username: username.value, current: "account" }),
      h("main", { id: "main", tabindex: "-1", class: "container" }, [
        h("div", { class: "page-title" }, [
          h("h1", "Account"),
          // In full here: a phone's header has room for a short name only.
          username.value
            ? h("p", { class: "muted who-full" }, ["Logged in as ", h("strong", username.value)])
            : null,
        ]),
        h("section", { class: "card" }, [
          h(SectionTitle, { icon: "monitor-smartphone" }, () => "Where you are logged in"),
          h(
            "p",
            { class: "muted" },
            "A device you log out here loses access within ten minutes, when its current token expires.",
          ),
          sessionList(),
          h(Message, { text: logoutAll.error.value }),
          h("div", { class: "card-footer" }, [
            h(
              "button",
              {
                ref: logoutAllButton,
                class: "button danger",
                type: "button",
                disabled: logoutAll.busy.value,
                onClick: logOutEverywhere,
              },
              [h(Icon, { name: "log-out" }), "Log out everywhere"],
            ),
            h("p", { class: "hint" }, "Ends every session, this one too."),
          ]),
        ]),
        h("section", { class: "card" }, [
          h(SectionTitle, { icon: "key-round" }, () => "Change password"),
          h(
            "p",
            { class: "muted" },
            "You stay logged in here, and every other device is logged out.",
          ),
          h(PasswordForm, { onChanged: () => loading.run(loadSessions) }),
        ]),
        h(Announcer, { text: news.text.value }),
      ]),
      h(SiteFooter),
    ];
  },
};
