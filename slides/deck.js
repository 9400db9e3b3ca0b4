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
      fontSize: 20, // for every text of a diagram; Mermaid's default is 16
      sequence: { mirrorActors: false, messageMargin: 26, height: 50 },
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
