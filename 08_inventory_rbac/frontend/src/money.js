// Money travels as whole cents (an integer), never as a fraction of a dollar in a float:
// in JavaScript, 0.29 * 100 is 28.999999999999996.

const dollars = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });

// 12900 -> "$129.00"
export function formatCents(cents) {
  return dollars.format(cents / 100); // only to show it: the format rounds to whole cents
}

// 12950 -> "129.50", the text of a price field.
export function centsToText(cents) {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;
}

// "129", "129.5" or "129.50" -> 12950; anything else -> null. The text is read as two
// whole numbers, the units and the cents, so no float is ever involved.
export function parseCents(text) {
  const match = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!match) return null;
  const [, units, cents = ""] = match;
  return Number(units) * 100 + Number(cents.padEnd(2, "0"));
}
