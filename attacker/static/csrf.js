// Each press gets a new, empty frame for its answer. An answer with no content (204)
// leaves a frame as it was, so an old frame would go on showing the answer before.
for (const form of document.forms) {
  form.addEventListener("submit", () => {
    const frame = document.querySelector("iframe[name=answer]");
    frame.replaceWith(frame.cloneNode());
  });
}
