// Draws each ```mermaid block of the slides as a diagram. It runs after the Markdown is
// turned into slides and before the deck is shown: Mermaid measures the text it lays
// out, which it cannot do on a slide that is hidden.
const Diagrams = {
  id: "diagrams",
  async init(deck) {
    mermaid.initialize({
      startOnLoad: false,
      theme: "neutral",
      fontFamily: '"Source Sans Pro", Helvetica, sans-serif',
      fontSize: 24, // for every text of a diagram, read from the back of a room
      // Tight spacing, so that the text can be large in the height of a slide.
      sequence: { mirrorActors: false, height: 40, boxMargin: 0, noteMargin: 4, diagramMarginY: 0 },
    });
    // The deck's font is in its theme: load it before Mermaid measures with it.
    await document.fonts.load('20px "Source Sans Pro"');
    const blocks = deck.getRevealElement().querySelectorAll("pre > code.mermaid");
    for (const [index, code] of blocks.entries()) {
      try {
        const { svg } = await mermaid.render(`diagram-${index}`, code.textContent);
        const diagram = document.createElement("div");
        diagram.className = "diagram";
        diagram.innerHTML = svg;
        code.parentElement.replaceWith(diagram);
      } catch (error) {
        // The slide keeps the diagram's text; the deck's test fails on this message.
        console.error(`Mermaid could not draw diagram ${index + 1}: ${error.message}`);
      }
    }
  },
};

// One Markdown source, a list per class plan: deck.md holds every slide once, each
// named by its first line (<!-- .slide: id="..." -->); decks/NAME.txt lists the names
// of the slides of deck NAME, one a line, in the order they are shown.
async function loadDeck() {
  const name = new URLSearchParams(location.search).get("deck") || "120-minutes";
  const [source, list] = await Promise.all(
    ["deck.md", `decks/${encodeURIComponent(name)}.txt`].map(async (path) => {
      const response = await fetch(path);
      if (!response.ok) throw new Error(`${path}: ${response.status}`);
      return response.text();
    }),
  );
  const slides = new Map(
    source.split("\n---\n").map((slide) => [slide.match(/<!-- \.slide: id="([^"]+)"/)[1], slide]),
  );
  const chosen = list.split("\n").filter(Boolean).map((id) => {
    if (!slides.has(id)) throw new Error(`decks/${name}.txt: no slide ${id} in deck.md`);
    return slides.get(id);
  });
  const section = document.createElement("section");
  section.dataset.markdown = "";
  section.dataset.separator = "^\n---\n$";
  section.dataset.separatorNotes = "^Note:";
  const template = document.createElement("textarea");
  template.dataset.template = "";
  template.textContent = chosen.join("\n---\n");
  section.append(template);
  document.querySelector(".reveal .slides").append(section);
}

await loadDeck();
Reveal.initialize({
  hash: true,
  width: 1280,
  height: 720,
  margin: 0.04,
  slideNumber: "c/t",
  plugins: [RevealMarkdown, Diagrams, RevealHighlight, RevealNotes],
}).then(() => {
  document.body.dataset.deckReady = "true"; // the test waits for this
});
