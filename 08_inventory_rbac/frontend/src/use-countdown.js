import { onUnmounted, ref } from "vue";

// Seconds left until a deadline, counted down once a second: for a 429's Retry-After.
// Counting from the deadline, not by ticks, stays right when the browser slows the timers
// of a tab in the background. `start(seconds, onDone)`; `stop()`.
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
