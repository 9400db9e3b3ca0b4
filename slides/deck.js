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
      // Tight spacing, so that the text can be large in the height and width of a slide.
      sequence: {
        mirrorActors: false,
        height: 40,
        boxMargin: 0,
        noteMargin: 4,
        diagramMarginY: 0,
        actorMargin: 10,
        diagramMarginX: 4,
      },
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
        document.body.append(diagram); // laid out, to be measured: the slide is hidden
        const drawn = diagram.querySelector("svg");
        besideTheLifeline(drawn);
        notesAroundTheirText(drawn);
        fitTheBox(drawn);
        code.parentElement.replaceWith(diagram);
      } catch (error) {
        // The slide keeps the diagram's text; the deck's test fails on this message.
        console.error(`Mermaid could not draw diagram ${index + 1}: ${error.message}`);
      }
    }
  },
};

// Mermaid centres the text of a message to oneself on the sender's lifeline, which then
// runs through the words. Move that text beside the line: towards the middle of the
// diagram if it fits before the next lifeline, else on the side with more room.
function besideTheLifeline(svg) {
  const lifelines = [...svg.querySelectorAll("line.actor-line")].map((line) =>
    Number(line.getAttribute("x1")),
  );
  const middle = svg.viewBox.baseVal.x + svg.viewBox.baseVal.width / 2;
  const gap = 12;
  for (const loop of svg.querySelectorAll("path[data-from]")) {
    if (loop.dataset.from !== loop.dataset.to) continue;
    const texts = [];
    for (let text = loop.previousElementSibling; text?.classList.contains("messageText");
      text = text.previousElementSibling) {
      texts.push(text);
    }
    if (!texts.length) continue;
    const centre = Number(texts[0].getAttribute("x"));
    const distance = (line) => Math.abs(line - centre);
    const x = lifelines.reduce((near, line) => (distance(line) < distance(near) ? line : near));
    const room = {
      left: Math.min(...lifelines.filter((other) => other < x).map((other) => x - other)),
      right: Math.min(...lifelines.filter((other) => other > x).map((other) => other - x)),
    };
    const wanted = Math.max(...texts.map((text) => text.getBBox().width)) + 2 * gap;
    const towardsTheMiddle = x > middle ? "left" : "right";
    const other = towardsTheMiddle === "left" ? "right" : "left";
    const side = wanted <= room[towardsTheMiddle] || room[towardsTheMiddle] >= room[other]
      ? towardsTheMiddle : other;
    for (const text of texts) {
      text.setAttribute("x", side === "left" ? x - gap : x + gap);
      text.setAttribute("text-anchor", side === "left" ? "end" : "start");
    }
  }
}

// A note over two participants is as wide as the space between them, which the tight
// spacing above can make narrower than its text: widen it to hold the text.
function notesAroundTheirText(svg) {
  for (const note of svg.querySelectorAll("rect.note")) {
    const text = note.nextElementSibling;
    if (!text?.classList.contains("noteText")) continue;
    const wanted = text.getBBox().width + 24;
    const width = Number(note.getAttribute("width"));
    if (wanted <= width) continue;
    note.setAttribute("x", Number(note.getAttribute("x")) - (wanted - width) / 2);
    note.setAttribute("width", wanted);
  }
}

// The diagram's box, fitted to what it now holds, from side to side.
function fitTheBox(svg) {
  const { x, width } = svg.getBBox(); // the lifelines run below the box: keep its height
  const { y, height } = svg.viewBox.baseVal;
  svg.setAttribute("viewBox", `${x - 4} ${y} ${width + 8} ${height}`);
  svg.style.maxWidth = `${width + 8}px`;
}

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

// The slides are 1280 wide and 720 high (16:9). A squarer screen, such as a 4:3
// projector at 1024x768, gets taller slides instead of empty bands above and below: the
// diagrams grow into that height (deck.css), so their text stays readable there.
const slideHeight = () =>
  Math.round(Math.min(960, Math.max(720, (1280 * innerHeight) / innerWidth)));

await loadDeck();
addEventListener("resize", () => {
  if (Reveal.isReady() && Reveal.getConfig().height !== slideHeight()) {
    Reveal.configure({ height: slideHeight() });
  }
});
Reveal.initialize({
  hash: true,
  width: 1280,
  height: slideHeight(),
  margin: 0.04,
  slideNumber: "c/t",
  plugins: [RevealMarkdown, Diagrams, RevealHighlight, RevealNotes],
}).then(() => {
  document.body.dataset.deckReady = "true"; // the test waits for this
});
