// The token comes from this page's URL (?token=...) and goes to the API in the URL too.
const token = new URLSearchParams(window.location.search).get("token") || "";
const withToken = (path) => `${path}?token=${encodeURIComponent(token)}`;

const who = document.getElementById("who");
const button = document.getElementById("launch");
const statusLine = document.getElementById("status");
const log = document.getElementById("log");

async function api(method, path) {
  const response = await fetch(withToken(path), { method });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error);
  return body;
}

function showLog(launches) {
  log.replaceChildren(
    ...launches.map((launch) => {
      const item = document.createElement("li");
      item.textContent = `#${launch.launch_id} by ${launch.launched_by} at ${launch.launched_at}`;
      return item;
    }),
  );
}

async function start() {
  if (!token) {
    who.textContent = "No token. Add ?token=... to the URL (the server printed one).";
    return;
  }
  try {
    showLog(await api("GET", "/api/launches"));
    who.textContent = "Token accepted. The button is armed.";
    button.disabled = false;
  } catch (error) {
    who.textContent = error.message;
  }
}

button.addEventListener("click", async () => {
  try {
    const launch = await api("POST", "/api/launch");
    statusLine.textContent = `Launched! Launch #${launch.launch_id} by ${launch.launched_by}.`;
    showLog(await api("GET", "/api/launches"));
  } catch (error) {
    statusLine.textContent = error.message;
  }
});

start();
