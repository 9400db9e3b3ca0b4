import { nextTick, ref } from "vue";

// News for a live region that is always on the page (MessageBox with a kind other than
// "error"): `const news = useNews()`, `<MessageBox :text="news.text" kind="success" />`,
// then `news.say("KB-01 saved.")`. The region is emptied first and filled on the next tick,
// so that the same news twice is still a change, and read out again.
export function useNews() {
  const text = ref("");
  async function say(news) {
    text.value = "";
    await nextTick();
    text.value = news;
  }
  function clear() {
    text.value = "";
  }
  return { text, say, clear };
}
