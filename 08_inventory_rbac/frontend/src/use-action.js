import { reactive } from "vue";

// Something the user starts (save, delete, load): whether it is running, and its error.
// `await action.run(async () => ...)` answers whether it worked.
export function useAction() {
  const action = reactive({ busy: false, error: "", run });

  async function run(work) {
    action.busy = true;
    action.error = "";
    try {
      await work();
      return true;
    } catch (error) {
      action.error = error.message;
      return false;
    } finally {
      action.busy = false;
    }
  }

  return action;
}
