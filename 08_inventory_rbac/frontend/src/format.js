// Turning what the server stores into words: a browser's user agent, a moment in time.

// The first that matches wins, so the order matters: Edge's user agent names Chrome and
// Safari too, Chrome's names Safari, and Android's names Linux.
const BROWSERS = [
  { name: "Edge", pattern: /Edg\// },
  { name: "Opera", pattern: /OPR\// },
  { name: "Firefox", pattern: /Firefox\// },
  { name: "Chrome", pattern: /Chrome\// },
  { name: "Safari", pattern: /Safari\// },
];
const SYSTEMS = [
  { name: "Android", pattern: /Android/ },
  { name: "iOS", pattern: /iPhone|iPad/ },
  { name: "Windows", pattern: /Windows/ },
  { name: "macOS", pattern: /Macintosh/ },
  { name: "ChromeOS", pattern: /CrOS/ },
  { name: "Linux", pattern: /Linux/ },
];

function firstMatch(list, text) {
  return list.find(({ pattern }) => pattern.test(text))?.name;
}

// "Chrome on macOS", and whether it is a phone. A user agent is whatever the client says
// it is: good enough to recognise your own devices, never proof of anything.
export function describeDevice(userAgent) {
  const browser = firstMatch(BROWSERS, userAgent);
  const system = firstMatch(SYSTEMS, userAgent);
  const phone = /Mobile|Android|iPhone/.test(userAgent);
  if (browser && system) return { name: `${browser} on ${system}`, phone };
  // Not a browser we know (curl, a script): the product name it gives, "curl/8.5.0" -> "curl".
  return { name: browser || system || userAgent.split("/")[0] || "Unknown device", phone };
}

const relativeTime = new Intl.RelativeTimeFormat("en", { numeric: "auto" });

// "just now", "5 minutes ago", "3 hours ago", "yesterday", "12 days ago".
export function timeAgo(isoTime) {
  const minutes = Math.round((Date.now() - Date.parse(isoTime)) / 60_000);
  if (minutes < 1) return "just now";
  if (minutes < 60) return relativeTime.format(-minutes, "minute");
  const hours = Math.round(minutes / 60);
  if (hours < 24) return relativeTime.format(-hours, "hour");
  return relativeTime.format(-Math.round(hours / 24), "day");
}
