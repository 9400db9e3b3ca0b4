// Change the password. The server then ends every other session: whoever knew the old
// password is logged out everywhere but here (within ten minutes, when their token expires).
import { h, ref, withModifiers } from "../vendor/vue/vue.runtime.esm-browser.prod.js";
import { api } from "./api.js";
import { Field, LiveMessage, Message, model, SubmitButton, useAction } from "./components.js";

export const PasswordForm = {
  emits: ["changed"],
  setup(_props, { emit }) {
    const currentPassword = ref("");
    const newPassword = ref("");
    const changed = ref(false);
    const { busy, error, run } = useAction();

    // The focus stays on the Change password button (it is not disabled while busy), and
    // the news appears in a live region that is always there.
    async function change() {
      if (busy.value) return;
      changed.value = false;
      changed.value = await run(async () => {
        await api("POST", "/api/password", {
          current_password: currentPassword.value,
          new_password: newPassword.value,
        });
        currentPassword.value = "";
        newPassword.value = "";
        emit("changed");
      });
    }

    return () =>
      h("form", { class: "stack", onSubmit: withModifiers(change, ["prevent"]) }, [
        h(Field, {
          label: "Current password",
          type: "password",
          autocomplete: "current-password",
          required: true,
          ...model(currentPassword),
        }),
        h(Field, {
          label: "New password",
          hint: "8 to 128 characters.",
          type: "password",
          autocomplete: "new-password",
          required: true,
          ...model(newPassword),
        }),
        h(Message, { text: error.value }),
        h(LiveMessage, {
          text: changed.value
            ? "Password changed. Every other device is logged out within ten minutes."
            : "",
          kind: "success",
        }),
        h("div", [
          h(SubmitButton, { busy: busy.value, icon: "key-round" }, () => "Change password"),
        ]),
      ]);
  },
};
