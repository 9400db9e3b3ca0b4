// One place where the user is logged in: which device, when, and a way to end it.
import { h } from "../vendor/vue/vue.runtime.esm-browser.prod.js";
import { api } from "./api.js";
import { Message, useAction } from "./components.js";
import { describeDevice, timeAgo } from "./format.js";
import { Icon } from "./icons.js";

export const SessionItem = {
  props: { session: { type: Object, required: true } },
  emits: ["revoked"],
  setup(props, { emit }) {
    const { busy, error, run } = useAction();

    function revoke() {
      if (busy.value) return; // the button stays enabled, so that it keeps the focus
      return run(async () => {
        await api("DELETE", `/api/sessions/${props.session.id}`);
        emit("revoked", props.session.id);
      });
    }

    return () => {
      const { session } = props;
      const device = describeDevice(session.user_agent);
      const lastSeen = session.current ? "active now" : `last seen ${timeAgo(session.last_seen)}`;
      return h("li", { class: "session" }, [
        h(
          "span",
          { class: "device-icon" },
          h(Icon, { name: device.phone ? "smartphone" : "monitor" }),
        ),
        h("div", { class: "session-text" }, [
          h("p", { class: "session-name" }, [
            device.name,
            session.current ? h("span", { class: "badge" }, "This device") : null,
          ]),
          h("p", { class: "meta" }, `Logged in ${timeAgo(session.created_at)}, ${lastSeen}`),
          h(Message, { text: error.value }),
        ]),
        session.current
          ? null
          : h(
              "button",
              {
                class: "button secondary small",
                type: "button",
                // Two sessions of one browser differ by when they logged in.
                "aria-label": `Revoke: ${device.name}, logged in ${timeAgo(session.created_at)}`,
                "aria-disabled": busy.value ? "true" : undefined,
                onClick: revoke,
              },
              "Revoke",
            ),
      ]);
    };
  },
};
