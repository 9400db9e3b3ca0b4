// Every call to the JSON API goes through here. The access token travels by itself in an
// HttpOnly cookie that no script can read (the server renews it when it expires); what
// the page adds is the CSRF header on every change.

// The csrf_token cookie is readable on purpose: only this site's pages can copy it into a
// header, which a form or a script on another site cannot do.
export function csrfToken() {
  const cookie = document.cookie.split("; ").find((c) => c.startsWith("csrf_token="));
  return cookie ? cookie.slice("csrf_token=".length) : "";
}

// The names the screens give the fields that the server's messages start with.
const FIELD_NAMES = {
  sku: "SKU",
  price_cents: "Price",
  current_password: "Current password",
  new_password: "New password",
};

// "sku: CHAIR-01 is taken by another product" -> "SKU: CHAIR-01 is taken by another product".
function readable(message) {
  const text = message.replace(/^(\w+):/, (prefix, field) => `${FIELD_NAMES[field] ?? field}:`);
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export async function api(method, path, body) {
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
  // A wrong password at login is a 401 too; anywhere else, 401 means that the session has
  // ended (logged out, revoked, or the account deactivated): log in again.
  if (response.status === 401 && path !== "/api/login") {
    location.assign("/login");
    return new Promise(() => {}); // never settles: the page is going away
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => ({}));
  // 403 is the server refusing what the role may not do: its message says which role.
  if (!response.ok) throw new Error(readable(data.error ?? `${response.status} error`));
  return data;
}
