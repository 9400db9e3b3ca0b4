// Todos are objects with an id that never changes: {id, title, done, created_at}.
// The token travels in an HttpOnly cookie that no script can read, and the server renews
// it when it expires. Every request that changes something carries the readable
// csrf_token cookie in a header.
const list = document.getElementById("todos");
const empty = document.getElementById("empty");
const form = document.getElementById("new-todo");
const errorLine = document.getElementById("error");
const loginForm = document.getElementById("login");
const todoList = document.getElementById("todo-list");

function csrfToken() {
  const cookie = document.cookie.split("; ").find((c) => c.startsWith("csrf_token="));
  return cookie ? cookie.slice("csrf_token=".length) : "";
}

async function api(method, path, body) {
  const headers = body ? { "Content-Type": "application/json" } : {};
  if (method !== "GET") headers["X-CSRF-Token"] = csrfToken();
  const response = await fetch(path, {
    method,
    headers,
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

// Run an action, show its error (if any), then show the page as the server has it.
async function act(action) {
  errorLine.textContent = "";
  await action().catch(showError);
  await showPage().catch(showError);
}

// Logged in: the user's todos. Not logged in (or no longer): the login form.
async function showPage() {
  const me = await fetch("/api/me");
  const loggedIn = me.ok;
  if (loggedIn) {
    try {
      document.getElementById("username").textContent = (await me.json()).username;
      await showTodos();
      await showSessions();
    } catch (error) {
      showError(error);
    }
  }
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

function sessionItem(session) {
  const item = document.createElement("li");
  const device = document.createElement("span");
  device.className = "title";
  device.textContent = session.user_agent || "unknown device";
  const when = document.createElement("small");
  when.className = "muted";
  const lastSeen = new Date(session.last_seen).toLocaleString();
  when.textContent = `${session.current ? "this browser · " : ""}last seen ${lastSeen}`;
  device.append(document.createElement("br"), when);
  item.append(device);
  if (!session.current) {
    item.append(button("Revoke", () => act(() => api("DELETE", `/api/sessions/${session.id}`))));
  }
  return item;
}

async function showSessions() {
  const sessions = await api("GET", "/api/sessions");
  document.getElementById("sessions").replaceChildren(...sessions.map(sessionItem));
}

loginForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const credentials = {
    username: loginForm.elements.username.value,
    password: loginForm.elements.password.value,
  };
  act(async () => {
    if (event.submitter.value === "register") await api("POST", "/api/register", credentials);
    await api("POST", "/api/login", credentials); // the answer sets the cookies
    loginForm.reset();
  });
});

document.getElementById("logout").addEventListener("click", () =>
  act(() => api("POST", "/api/logout")),
);

document.getElementById("logout-all").addEventListener("click", () =>
  act(() => api("POST", "/api/logout-all")),
);

// Every stage served at this address shares its localStorage, where stage 03 kept its
// session id. This page keeps none there: it removes one that is left, and says so.
try {
  if (localStorage.getItem("session_id") !== null) {
    localStorage.removeItem("session_id");
    errorLine.textContent = "Removed the session id that stage 03 left in this browser.";
  }
} catch {
  // In a frame of another site the browser may deny this page its storage: none to clean.
}

showPage().catch(showError);
