// Todos are plain strings, addressed by their position in the list.
const list = document.getElementById("todos");
const empty = document.getElementById("empty");
const form = document.getElementById("new-todo");
const errorLine = document.getElementById("error");

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  if (response.status === 204) return null;
  const data = await response.json();
  if (!response.ok) throw new Error(data.error);
  return data;
}

function showError(error) {
  errorLine.textContent = error.message;
}

// Run an action, show its error (if any), then show the list as the server has it.
async function act(action) {
  errorLine.textContent = "";
  await action().catch(showError);
  await showTodos().catch(showError);
}

function button(label, onClick) {
  const element = document.createElement("button");
  element.type = "button";
  element.className = "small";
  element.textContent = label;
  element.addEventListener("click", onClick);
  return element;
}

// Swap the title for a text field; Enter saves, Escape cancels.
function editInPlace(title, save) {
  const input = document.createElement("input");
  input.value = title.textContent;
  input.maxLength = 200;
  input.setAttribute("aria-label", "Edit todo");
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") act(() => save(input.value));
    if (event.key === "Escape") showTodos().catch(showError);
  });
  title.replaceWith(input);
  input.focus();
}

function todoItem(text, index) {
  const item = document.createElement("li");
  const position = document.createElement("span");
  position.className = "position";
  position.textContent = index;
  const title = document.createElement("span");
  title.className = "title";
  title.textContent = text;
  item.append(
    position,
    title,
    button("Edit", () =>
      editInPlace(title, (newText) => api("PUT", `/api/todos/${index}`, { text: newText })),
    ),
    button("Delete", () => act(() => api("DELETE", `/api/todos/${index}`))),
  );
  return item;
}

async function showTodos() {
  const todos = await api("GET", "/api/todos");
  list.replaceChildren(...todos.map(todoItem));
  empty.hidden = todos.length > 0;
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  act(async () => {
    await api("POST", "/api/todos", { text: form.elements.text.value });
    form.reset();
  });
});

showTodos().catch(showError);
