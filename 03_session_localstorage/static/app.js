// Todos are objects with an id that never changes: {id, title, done, created_at}.
// The session id from the login is kept in localStorage and sent as a Bearer token.
const list = document.getElementById("todos");
const empty = document.getElementById("empty");
const form = document.getElementById("new-todo");
const errorLine = document.getElementById("error");
const loginForm = document.getElementById("login");
const todoList = document.getElementById("todo-list");

async function api(method, path, body) {
  const headers = body ? { "Content-Type": "application/json" } : {};
  const sessionId = localStorage.getItem("session_id");
  if (sessionId) headers.Authorization = `Bearer ${sessionId}`;
  const response = await fetch(path, {
    method,
    headers,
    body: body ? JSON.stringify(body) : undefined,
  });
  if (response.status === 401) localStorage.removeItem("session_id"); // the session is gone
  if (response.status === 204) return null;
  const data = await response.json();
  if (!response.ok) throw new Error(data.error);
  return data;
}

function showError(error) {
  errorLine.textContent = error.message;
}

// Run an action, show its error (if any), then show the page as the server has it.
async function act(action) {
  errorLine.textContent = "";
  await action().catch(showError);
  await showPage().catch(showError);
}

// Logged in: the user's todos. Not logged in (or no longer): the login form.
async function showPage() {
  if (localStorage.getItem("session_id")) {
    try {
      document.getElementById("username").textContent = (await api("GET", "/api/me")).username;
      await showTodos();
    } catch (error) {
      showError(error);
    }
  }
  const loggedIn = localStorage.getItem("session_id") !== null;
  loginForm.hidden = loggedIn;
  todoList.hidden = !loggedIn;
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

function todoItem(todo) {
  const item = document.createElement("li");
  item.classList.toggle("done", todo.done);
  const done = document.createElement("input");
  done.type = "checkbox";
  done.checked = todo.done;
  done.setAttribute("aria-label", `Done: ${todo.title}`);
  done.addEventListener("change", () =>
    act(() => api("PATCH", `/api/todos/${todo.id}`, { done: done.checked })),
  );
  const title = document.createElement("span");
  title.className = "title";
  title.textContent = todo.title;
  item.append(
    done,
    title,
    button("Edit", () =>
      editInPlace(title, (newTitle) => api("PATCH", `/api/todos/${todo.id}`, { title: newTitle })),
    ),
    button("Delete", () => act(() => api("DELETE", `/api/todos/${todo.id}`))),
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
    await api("POST", "/api/todos", { title: form.elements.title.value });
    form.reset();
  });
});

loginForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const credentials = {
    username: loginForm.elements.username.value,
    password: loginForm.elements.password.value,
  };
  act(async () => {
    if (event.submitter.value === "register") await api("POST", "/api/register", credentials);
    const login = await api("POST", "/api/login", credentials);
    // Another stage, served at this address since this page was loaded, sends none.
    if (!login.session_id) throw new Error("No session id came back: reload the page.");
    // The weakness of this stage: every script on this page can read localStorage.
    localStorage.setItem("session_id", login.session_id);
    loginForm.reset();
  });
});

document.getElementById("logout").addEventListener("click", () =>
  act(async () => {
    await api("POST", "/api/logout");
    localStorage.removeItem("session_id");
  }),
);

showPage().catch(showError);
