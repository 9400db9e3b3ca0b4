// Builds the Vue app into the stage's static folder, where Flask serves it under
// /static/: `npm run build` once, and the app runs with no Node.js.
import vue from "@vitejs/plugin-vue";
import { defineConfig } from "vite";

export default defineConfig({
  plugins: [vue()],
  base: "/static/dist/",
  build: {
    outDir: "../static/dist",
    emptyOutDir: true, // the folder is outside this one: Vite asks before emptying it
  },
});
