// Saying what happened: why the user is on the login page, how long a throttled form
// must wait, and news for screen readers that the page shows in other ways.
import {
  h,
  nextTick,
  onMounted,
  onUnmounted,
  ref,
} from "../vendor/vue/vue.runtime.esm-browser.prod.js";
import { LiveMessage, Message } from "./components.js";
import { Icon } from "./icons.js";

// Seconds left until DEADLINE (from Date.now()), counted down once a second: for a 429's
// Retry-After. Counting from a deadline, not by ticks, stays right when the browser slows
// the timers of a tab in the background.
export function useCountdown() {
  const secondsLeft = ref(0);
  let timer;
  function stop() {
    clearInterval(timer);
    secondsLeft.value = 0;
  }
  function start(seconds, onDone) {
    const deadline = Date.now() + seconds * 1000;
    clearInterval(timer);
    secondsLeft.value = seconds;
    timer = setInterval(() => {
      secondsLeft.value = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
      if (secondsLeft.value === 0) {
        clearInterval(timer);
        onDone();
      }
    }, 1000);
  }
  onUnmounted(() => clearInterval(timer));
  return { secondsLeft, start, stop };
}

// 45 -> "45 s", 125 -> "2 min 5 s".
export function formatWait(seconds) {
  if (seconds < 60) return `${seconds} s`;
  const rest = seconds % 60;
  return `${Math.floor(seconds / 60)} min${rest ? ` ${rest} s` : ""}`;
}

// "Too many failed logins: try again in 29 s", the seconds counting down. The alert is
// announced once; the timer inside it is aria-live="off", so that a screen reader does not
// read out every second.
export function WaitMessage({ text, secondsLeft }) {
  const reason = text.replace(/: try again in .*$/, "");
  return h("p", { class: "message error", role: "alert" }, [
    h(Icon, { name: "circle-alert" }),
    h("span", [
      `${reason}: try again in `,
      h("span", { role: "timer", "aria-live": "off" }, formatWait(secondsLeft)),
    ]),
  ]);
}

// The messages of a form whose action the server may throttle (429 and Retry-After):
// `const messages = useRetryMessages(error)` with the form's error ref; `messages.reset()`
// before each try, `messages.caught(e)` when it fails, and `messages.render()` where the
// messages go. The server's "try again in 30 s" counts down, then the user may try again.
export function useRetryMessages(error) {
  const throttled = ref(""); // the server's message, while the wait lasts
  const ready = ref("");
  const wait = useCountdown();
  function reset() {
    wait.stop();
    throttled.value = "";
    ready.value = "";
  }
  function caught(refused) {
    if (!refused.retryAfter) return;
    throttled.value = refused.message;
    wait.start(refused.retryAfter, () => {
      throttled.value = "";
      error.value = "";
      ready.value = "You can try again now.";
    });
  }
  function render() {
    if (throttled.value) {
      return h(WaitMessage, { text: throttled.value, secondsLeft: wait.secondsLeft.value });
    }
    return [h(Message, { text: error.value }), h(LiveMessage, { text: ready.value, kind: "info" })];
  }
  return { reset, caught, render };
}

// A polite live region for news that the page shows in other ways too ("Added: Buy milk"),
// for screen readers: `const news = useAnnouncer()`, render `h(Announcer, { text:
// news.text.value })`, then `news.say(text)`. The region is on the page from the start, as
// it must be for its changes to be read out.
export function useAnnouncer() {
  const text = ref("");
  async function say(news) {
    text.value = "";
    await nextTick(); // the same news twice is still a change
    text.value = news;
  }
  return { text, say };
}

export function Announcer({ text }) {
  return h("p", { class: "sr-only", role: "status" }, text);
}

// Why the user is on the login page ("Your session has expired: please log in again"), said
// once: the page shows it, and a screen reader reads it out. The live region is rendered
// empty, and the text put in once the page is on screen, so that it counts as news.
export const Notice = {
  props: { text: String },
  setup(props) {
    const shown = ref("");
    onMounted(async () => {
      await nextTick();
      shown.value = props.text;
    });
    return () =>
      h(
        "div",
        { class: "notice", role: "status" },
        shown.value ? [h(Icon, { name: "info" }), h("span", shown.value)] : [],
      );
  },
};
