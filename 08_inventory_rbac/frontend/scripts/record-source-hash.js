// Writes the sha256 of the front end's sources into the build, as source-hash.txt. A test
// (tests/stages/test_08_inventory_rbac_browser.py) computes the same hash from the sources and
// fails when the committed build was made from other sources: someone forgot to rebuild.
//
// The hash covers each file's path and its text with line endings made "\n", in sorted
// order, so that neither a checkout's line endings nor the order a disk lists files in
// can change it.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";

const SOURCES = [
  "index.html",
  "package.json",
  "package-lock.json",
  "vite.config.js",
  "public",
  "src",
];

// "src" -> ["src/App.vue", "src/api.js", ...]: every file under it, with "/" between names.
function filesIn(path) {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).flatMap((name) => filesIn(`${path}/${name}`));
}

const hash = createHash("sha256");
for (const path of SOURCES.flatMap(filesIn).sort()) {
  const text = readFileSync(path, "utf8").replaceAll("\r\n", "\n");
  hash.update(`${path}\0${text}\0`);
}
writeFileSync("../static/dist/source-hash.txt", `${hash.digest("hex")}\n`);
