// The to-do list: add, tick off, edit, delete. Each change goes to the server, and the
// list shows the todo as the server sends it back.
import { h, nextTick, ref, withModifiers } from "../../vendor/vue/vue.runtime.esm-browser.prod.js";
import { api } from "../api.js";
import { AppHeader, Loading, Message, SiteFooter, SubmitButton, useAction } from "../components.js";
import { Icon } from "../icons.js";
import { Announcer, useAnnouncer } from "../messages.js";
import { TodoItem } from "../todo-item.js";

function EmptyState() {
  return h("div", { class: "empty" }, [
    h("span", { class: "empty-icon" }, h(Icon, { name: "clipboard-list" })),
    h("h2", "Nothing to do yet"),
    h("p", "Add your first to-do above. Everything you add is here on every device you use."),
  ]);
}

function summary(todos) {
  const done = todos.filter((todo) => todo.done).length;
  return `${todos.length - done} to do, ${done} done`;
}

export const TodosPage = {
  setup() {
    const username = ref("");
    const todos = ref(null); // null until they have loaded
    const newTitle = ref("");
    const loading = useAction();
    const adding = useAction();
    const news = useAnnouncer(); // "Added: Buy milk", for screen readers
    const newTitleInput = ref(null);
    const listElement = ref(null);

    loading.run(async () => {
      const [user, list] = await Promise.all([api("GET", "/api/me"), api("GET", "/api/todos")]);
      username.value = user.username;
      todos.value = list;
    });

    async function add() {
      if (adding.busy.value) return; // the Add button stays enabled, so that it keeps the focus
      const title = newTitle.value;
      newTitle.value = ""; // ready for the next one while this one is saved
      const added = await adding.run(async () => {
        const todo = await api("POST", "/api/todos", { title });
        todos.value = [...todos.value, todo];
        news.say(`Added: ${todo.title}`);
      });
      if (!added) newTitle.value = title; // back in the box, to be put right
      // Added with the Add button: the keyboard goes back to the box, for the next one.
      await nextTick();
      newTitleInput.value?.focus();
    }

    function replace(changed) {
      const before = todos.value.find((todo) => todo.id === changed.id);
      todos.value = todos.value.map((todo) => (todo.id === changed.id ? changed : todo));
      if (before.title !== changed.title) news.say(`Saved: ${changed.title}`);
      else if (before.done !== changed.done) {
        news.say(`${changed.done ? "Done" : "Not done"}: ${changed.title}`);
      }
    }

    // The Delete button that had the focus is gone: the focus goes to the next to-do (or
    // the one before, or the box to add one), not lost at the top of the page.
    async function remove(id) {
      const index = todos.value.findIndex((todo) => todo.id === id);
      const title = todos.value[index].title;
      todos.value = todos.value.filter((todo) => todo.id !== id);
      news.say(`Deleted: ${title}`);
      await nextTick();
      const boxes = listElement.value?.querySelectorAll("input[type=checkbox]") ?? [];
      (boxes[Math.min(index, boxes.length - 1)] ?? newTitleInput.value).focus();
    }

    function list() {
      if (loading.error.value) return h(Message, { text: loading.error.value });
      if (todos.value === null) return h(Loading, () => "Loading your to-dos…");
      if (todos.value.length === 0) return h(EmptyState);
      return h(
        "ul",
        { class: "todo-list", ref: listElement },
        todos.value.map((todo) =>
          h(TodoItem, { key: todo.id, todo, onChanged: replace, onDeleted: remove }),
        ),
      );
    }

    return () => [
      h(AppHeader, { username: username.value, current: "app" }),
      h("main", { id: "main", tabindex: "-1", class: "container" }, [
        h("div", { class: "page-title" }, [
          h("h1", "Your to-dos"),
          todos.value?.length ? h("p", { class: "muted" }, summary(todos.value)) : null,
        ]),
        h("section", { class: "card" }, [
          h("form", { class: "add-todo", onSubmit: withModifiers(add, ["prevent"]) }, [
            h("input", {
              ref: newTitleInput,
              value: newTitle.value,
              placeholder: "What needs doing?",
              "aria-label": "New to-do",
              required: true,
              onInput: (event) => (newTitle.value = event.target.value),
            }),
            h(
              SubmitButton,
              { busy: adding.busy.value, disabled: todos.value === null, icon: "plus" },
              () => "Add",
            ),
          ]),
          h(Message, { text: adding.error.value }),
          list(),
        ]),
        h(Announcer, { text: news.text.value }),
      ]),
      h(SiteFooter),
    ];
  },
};
