// One to-do: tick it off, edit its title in place, delete it. It tells the list what
// changed ("changed" with the todo as the server now has it, or "deleted").
import { h, nextTick, ref, withModifiers } from "../vendor/vue/vue.runtime.esm-browser.prod.js";
import { api } from "./api.js";
import { Message, useAction } from "./components.js";
import { Icon } from "./icons.js";

// A button that shows only an icon, so its aria-label is its name.
function iconButton({ label, icon, danger = false, ...attributes }) {
  const button = { class: ["icon-button", { danger }], type: "button", "aria-label": label };
  return h("button", { ...button, ...attributes }, [h(Icon, { name: icon })]);
}

export const TodoItem = {
  props: { todo: { type: Object, required: true } },
  emits: ["changed", "deleted"],
  setup(props, { emit }) {
    const editing = ref(false);
    const draft = ref("");
    const titleInput = ref(null);
    const editButton = ref(null);
    const { busy, error, run } = useAction();
    const url = () => `/api/todos/${props.todo.id}`;

    function update(changes) {
      return run(async () => emit("changed", await api("PATCH", url(), changes)));
    }

    // No control here is disabled while a request runs: a disabled control loses the
    // keyboard focus to the page itself. Input that comes while busy is ignored instead.
    async function setDone(event) {
      const checkbox = event.target;
      if (busy.value) {
        checkbox.checked = props.todo.done; // the last change is still on its way
        return;
      }
      // If the server said no, show the box as the server has it.
      if (!(await update({ done: checkbox.checked }))) checkbox.checked = props.todo.done;
    }

    async function startEditing() {
      draft.value = props.todo.title;
      editing.value = true;
      await nextTick(); // the input exists once Vue has re-rendered
      titleInput.value.focus();
    }

    async function stopEditing() {
      editing.value = false;
      error.value = "";
      await nextTick();
      editButton.value.focus(); // keyboard users carry on where they were
    }

    function cancelOnEscape(event) {
      if (event.key === "Escape") stopEditing();
    }

    async function save() {
      if (busy.value) return;
      if (await update({ title: draft.value })) await stopEditing();
    }

    function remove() {
      if (busy.value) return;
      return run(async () => {
        await api("DELETE", url());
        emit("deleted", props.todo.id);
      });
    }

    function view() {
      return [
        h("label", { class: "todo-check" }, [
          h("input", {
            type: "checkbox",
            checked: props.todo.done,
            "aria-busy": busy.value ? "true" : undefined,
            onChange: setDone,
          }),
          h("span", { class: "todo-title" }, props.todo.title),
        ]),
        h("div", { class: "todo-actions" }, [
          iconButton({
            label: `Edit: ${props.todo.title}`,
            icon: "pencil",
            ref: editButton,
            onClick: startEditing,
          }),
          iconButton({
            label: `Delete: ${props.todo.title}`,
            icon: "trash-2",
            danger: true,
            "aria-disabled": busy.value ? "true" : undefined,
            onClick: remove,
          }),
        ]),
      ];
    }

    function editor() {
      return h("form", { class: "todo-edit", onSubmit: withModifiers(save, ["prevent"]) }, [
        h("input", {
          ref: titleInput,
          value: draft.value,
          "aria-label": `Title of ${props.todo.title}`,
          onInput: (event) => (draft.value = event.target.value),
          onKeydown: cancelOnEscape,
        }),
        iconButton({
          label: "Save",
          icon: "check",
          type: "submit",
          "aria-disabled": busy.value ? "true" : undefined,
        }),
        iconButton({ label: "Cancel", icon: "x", onClick: stopEditing }),
      ]);
    }

    return () =>
      h("li", { class: ["todo", { done: props.todo.done }] }, [
        editing.value ? editor() : view(),
        h(Message, { text: error.value }),
      ]);
  },
};
