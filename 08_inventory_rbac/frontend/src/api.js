// Every call to the JSON API goes through here. The access token travels by itself in an
// HttpOnly cookie that no script can read (the server renews it when it expires); what
// the page adds is the CSRF header on every change.

// The csrf_token cookie is readable on purpose: only this site's pages can copy it into a
// header, which a form or a script on another site cannot do. Behind HTTPS its name is
// __Host-csrf_token, a cookie that only this host can set: that one comes first.
export function csrfToken() {
  const cookies = document.cookie.split("; ");
  for (const name of ["__Host-csrf_token", "csrf_token"]) {
    const cookie = cookies.find((c) => c.startsWith(`${name}=`));
    if (cookie) return cookie.slice(name.length + 1);
  }
  return "";
}

// Two CSRF cookies of one name: a page on another port or subdomain planted one for this
// page's path, where the API never sees it, and it would spoil every change.
function plantedCsrfCookie() {
  const names = document.cookie.split("; ").map((cookie) => cookie.split("=")[0]);
  return ["__Host-csrf_token", "csrf_token"].some(
    (name) => names.filter((n) => n === name).length > 1,
  );
}

const PLANTED_COOKIE =
  "You were signed out to protect your account: a page on another port or subdomain of " +
  "this address put cookies of its own in your browser; please log in again";

// The names the screens give the fields that the server's messages start with.
const FIELD_NAMES = {
  sku: "SKU",
  price_cents: "Price",
  current_password: "Current password",
  new_password: "New password",
};

function capitalised(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// "sku: CHAIR-01 is taken by another product" -> "SKU: CHAIR-01 is taken by another product".
function readable(message) {
  return capitalised(
    message.replace(/^(\w+):/, (prefix, field) => `${FIELD_NAMES[field] ?? field}:`),
  );
}

// What the login page says first, once (why the user was sent there, or that they logged
// out). It survives the move to /login in sessionStorage: this tab only, gone when it closes.
const NOTICE_KEY = "login_notice";

// The first reason wins: of the requests that a page sends at once, the first answer
// tells the real story ("expired"); the others only find the session gone ("ended").
export function leaveNotice(text) {
  if (!sessionStorage.getItem(NOTICE_KEY)) sessionStorage.setItem(NOTICE_KEY, text);
}

export function takeNotice() {
  const text = sessionStorage.getItem(NOTICE_KEY) ?? "";
  sessionStorage.removeItem(NOTICE_KEY);
  return text;
}

export async function api(method, path, body) {
  if (plantedCsrfCookie()) {
    // The server sees both with this page's address, and has the browser forget the
    // site's cookies (Clear-Site-Data): the planted one too.
    await fetch(location.pathname).catch(() => {});
    leaveNotice(PLANTED_COOKIE);
    location.assign("/login");
    return new Promise(() => {}); // never settles: the page is going away
  }
  const headers = body ? { "Content-Type": "application/json" } : {};
  if (method !== "GET") headers["X-CSRF-Token"] = csrfToken();
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw new Error("Cannot reach the server. Check your connection and try again.");
  }
  const data = response.status === 204 ? null : await response.json().catch(() => ({}));
  // A wrong password at login is a 401 too; anywhere else, 401 means that the session has
  // ended: log in again. The server says why ("your session has expired: please log in
  // again", "...revoked on another device", which a new role or a deactivation does too),
  // and the login page tells the user. "not logged in" is for a visitor who never was.
  if (response.status === 401 && path !== "/api/login") {
    if (data.error && data.error !== "not logged in") leaveNotice(capitalised(data.error));
    location.assign("/login");
    return new Promise(() => {}); // never settles: the page is going away
  }
  // 403 is the server refusing what the role may not do: its message says which role.
  if (!response.ok) {
    const error = new Error(readable(data.error ?? `${response.status} error`));
    // 429 (too many attempts) says in Retry-After how many seconds to wait.
    error.retryAfter = Number(response.headers.get("Retry-After")) || 0;
    throw error;
  }
  return data;
}
