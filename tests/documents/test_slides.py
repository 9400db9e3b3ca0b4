"""The slide decks in slides/, one per class plan: their code is the stages' code, their
diagrams are the stage READMEs', their links resolve, every slide has speaker notes whose
minutes add up to the plan's length, and each deck renders with no internet in a real
browser (one page load a deck), readable from the back of a room."""

import contextlib
import re
import sys
import textwrap
import threading
import urllib.request
from http.server import ThreadingHTTPServer

import pytest
from course import ROOT
from decks import DECK, DECKS, SLIDE_TEXTS, SLIDES, deck_ids, deck_slides, minutes, slide_id, title

sys.path.insert(0, str(SLIDES))
import serve  # noqa: E402

# A quoted file: a link to it, named in code, on the line above its code block.
EXCERPT = re.compile(
    r"^\[`(?P<path>[^`]+)`\]\(\.\./(?P=path)\)\n```(?P<lang>\w+)\n(?P<code>.*?)\n```$",
    flags=re.MULTILINE | re.DOTALL,
)
EXCERPTS = [match.groupdict() for match in EXCERPT.finditer(DECK)]
STAGES_WITH_DIAGRAMS = [
    "01_missile_button",
    "03_session_localstorage",
    "04_session_cookies",
    "05_jwt_stateless",
    "06_jwt_session_backup",
    "07_final_todo",
    "08_inventory_rbac",
]


def is_quoted_from(code, text):
    """Whether the lines of CODE are lines of TEXT, one after the other, as they are
    (an excerpt from inside a function may drop the indentation they share)."""
    wanted = textwrap.dedent(code)
    lines = text.splitlines()
    size = len(code.splitlines())
    return any(
        textwrap.dedent("\n".join(lines[start : start + size])) == wanted
        for start in range(len(lines) - size + 1)
    )


def readme_diagrams(stage_name):
    """The Mermaid blocks of the stage README's "How it works" section."""
    readme = (ROOT / stage_name / "README.md").read_text()
    section = re.search(r"^## How it works\n(.*?)^## ", readme, flags=re.MULTILINE | re.DOTALL)
    assert section, f"{stage_name}/README.md has no 'How it works' section"
    return re.findall(r"^```mermaid\n(.*?)\n```$", section.group(1), flags=re.M | re.S)


@pytest.mark.parametrize("stage_name", STAGES_WITH_DIAGRAMS)
def test_how_it_works_comes_right_after_try_it(stage_name):
    readme = (ROOT / stage_name / "README.md").read_text()
    headings = re.findall(r"^## (.*)", readme, flags=re.MULTILINE)
    assert headings[headings.index("Try it") + 1] == "How it works"


def test_every_code_block_on_the_slides_names_the_file_it_quotes():
    fences = re.findall(r"^```", DECK, flags=re.MULTILINE)
    assert len(fences) == 2 * len(EXCERPTS), "a code block without its file's link above it"


def as_in_the_readmes(code):
    """CODE with the stage's address written as the READMEs' Try it lines write it, in the
    variable $BASE (set once per terminal): a slide may also show the address itself."""
    return code.replace("http://127.0.0.1:5000", "$BASE")


def test_every_excerpt_on_the_slides_is_verbatim_in_the_file_it_names():
    drifted = [
        f"{excerpt['path']}:\n{excerpt['code']}"
        for excerpt in EXCERPTS
        if not any(
            is_quoted_from(code, (ROOT / excerpt["path"]).read_text())
            for code in {excerpt["code"], as_in_the_readmes(excerpt["code"])}
        )
    ]
    assert not drifted, "not found as written:\n\n" + "\n\n".join(drifted)


def test_the_slides_draw_every_readme_diagram_as_the_readme_writes_it():
    on_slides = {(e["path"], e["code"]) for e in EXCERPTS if e["lang"] == "mermaid"}
    in_readmes = {
        (f"{stage_name}/README.md", diagram)
        for stage_name in STAGES_WITH_DIAGRAMS
        for diagram in readme_diagrams(stage_name)
    }
    assert on_slides == in_readmes


def test_every_test_the_slides_name_exists():
    defined = set()
    for path in (ROOT / "tests").rglob("test_*.py"):
        defined |= set(re.findall(r"^def (test_\w+)", path.read_text(), flags=re.MULTILINE))
    named = set(re.findall(r"`(test_\w+)`", DECK))
    assert named, "the slides name the lesson tests"
    assert named <= defined, f"no such test: {sorted(named - defined)}"


def test_every_link_on_the_slides_is_a_file_of_the_repository():
    targets = re.findall(r"\]\(([^)]+)\)", DECK)
    assert targets
    for target in targets:
        assert not re.match(r"\w+:", target), f"{target}: the deck links to files only"
        path = (SLIDES / target).resolve()
        assert path.is_file() and path.is_relative_to(ROOT), f"{target}: no such file"


def test_every_slide_is_named_once_and_shown_in_a_deck_and_no_deck_shows_one_twice():
    names = [slide_id(slide) for slide in SLIDE_TEXTS]
    assert None not in names, "a slide of deck.md without its <!-- .slide: id=... --> line"
    # reveal.js splits slides at a --- between two empty lines only (deck.js)
    assert DECK.count("\n---\n") == DECK.count("\n\n---\n\n"), "a --- without empty lines"
    assert len(names) == len(set(names))
    shown = [deck_ids(name) for name in DECKS]
    assert set(names) == set().union(*shown), "a slide that no deck shows, or no such slide"
    for ids in shown:
        assert len(ids) == len(set(ids))


def test_every_slide_has_speaker_notes_starting_with_its_minutes():
    for slide in SLIDE_TEXTS:
        assert "\nNote:\n" in slide, f"no speaker notes on the slide:\n{slide}"
        assert minutes(slide), f"the notes do not start with their minutes:\n{slide}"


@pytest.mark.parametrize("name", DECKS)
def test_each_decks_minutes_add_up_to_its_plan_and_its_first_slide_says_so(name):
    slides = deck_slides(name)
    total = sum(minutes(slide) for slide in slides)
    assert total == DECKS[name]
    claimed = re.search(r"The talk takes (\d+) minutes", slides[0])
    assert claimed and int(claimed.group(1)) == total
    assert f"[{name}](decks/{name}.txt): {total} minutes" in (SLIDES / "README.md").read_text()


@pytest.mark.parametrize("name", DECKS)
def test_each_demo_of_each_deck_comes_right_after_a_question_to_predict(name):
    """Before each stage's demo slides, its Predict slide: the room guesses, the demo
    answers."""
    titles = [title(slide) for slide in deck_slides(name)]
    demos = [number for number, shown in enumerate(titles) if " · Demo" in shown]
    assert demos
    for number in demos:
        stage = titles[number].partition(" · ")[0]
        before = next(shown for shown in reversed(titles[:number]) if " · Demo" not in shown)
        assert before == f"{stage} · Predict", titles[number]


def on_screen(slide):
    """What a slide shows before any key press: its text above the notes, without the
    paragraphs that are reveal.js fragments (shown on a later key press)."""
    shown = slide.partition("\nNote:\n")[0]
    return re.sub(r"\n\n(?:[^\n]+\n)+?<!-- \.element: class=\"fragment\" -->", "\n", shown)


def answers(predict):
    """What a Predict slide's notes give as its answer: the `spans` after "The answer:"."""
    found = re.search(r"The answer: (.*)", predict.partition("\nNote:\n")[2])
    assert found, f"a Predict whose notes give no answer:\n{predict}"
    return re.findall(r"`([^`]+)`", found.group(1))


@pytest.mark.parametrize("name", DECKS)
def test_no_slide_gives_away_a_predicts_answer_before_its_demo_has_run(name):
    """Not the slides of the stage before its Predict (a diagram that ends in the status
    code asked about), and not the demo's own slide before its commands ran: the result
    under the commands is a fragment, shown on the next key press."""
    slides = deck_slides(name)
    titles = [title(slide) for slide in slides]
    predicts = [number for number, shown in enumerate(titles) if shown.endswith(" · Predict")]
    assert len(predicts) >= 3
    for number in predicts:
        stage = titles[number].partition(" · ")[0] + " · "
        first = number
        while first > 0 and titles[first - 1].startswith(stage):
            first -= 1
        demos = number + 1
        while demos < len(titles) and titles[demos].startswith(f"{stage}Demo"):
            demos += 1
        before = slides[first:number] + slides[number + 1 : demos]
        for answer in answers(slides[number]):
            for slide in before:
                assert answer.lower() not in on_screen(slide).lower(), (answer, title(slide))


def explains(slide):
    """How a stage's slide explains the stage, if it does: its diagram (a Mermaid block),
    the lines of its diff, or its result (the lesson test it names, or the story beyond
    it). Each of them answers the stage's Predict."""
    shown = on_screen(slide)
    if "\n```mermaid\n" in shown:
        return "diagram"
    if title(slide).endswith(" · The lines that are the lesson"):
        return "diff"
    if re.search(r"`test_\w+`", shown) or " · Beyond the usual story" in title(slide):
        return "result"
    return None


@pytest.mark.parametrize("name", DECKS)
def test_no_slide_explains_a_stage_before_its_predict(name):
    """The room predicts first, and the demo answers: a stage's diagram, the lines of its
    diff and its result come after its Predict, whatever words they show."""
    titles = [title(slide) for slide in deck_slides(name)]
    predicts = [number for number, shown in enumerate(titles) if shown.endswith(" · Predict")]
    assert len(predicts) >= 3
    early = [
        (titles[number], titles[before], explains(slide))
        for number in predicts
        for before, slide in enumerate(deck_slides(name)[:number])
        if titles[before].startswith(titles[number].partition(" · ")[0] + " · ") and explains(slide)
    ]
    assert not early, f"(Predict, a slide before it, what it shows): {early}"


def test_the_slides_that_explain_a_stage_are_told_apart():
    explained = {slide_id(slide): explains(slide) for slide in SLIDE_TEXTS}
    assert explained["s04-how"] == explained["s04-round-trip"] == "diagram"
    assert explained["s07-lines"] == "diff"
    assert explained["s03-proved"] == explained["s06-bound"] == "result"
    assert explained["s04-predict"] is explained["s04-demo"] is explained["s01-right"] is None


def test_a_fragment_hides_what_a_slide_would_otherwise_show():
    slide = (
        '## 04 · Demo\n\nthe commands\n\nthe result: `403`\n<!-- .element: class="fragment" -->\n'
    )
    assert "403" not in on_screen(slide) and "the commands" in on_screen(slide)
    assert "403" in on_screen(slide.replace('<!-- .element: class="fragment" -->', ""))


@contextlib.contextmanager
def deck_server_of(root, monkeypatch):
    """The deck server as `make slides` runs it, serving the repository at ROOT; a test
    that writes files gives a folder of its own, so that no other test sees them."""
    monkeypatch.setattr(serve, "ROOT", root)
    monkeypatch.setattr(serve, "DECK", root / "slides" / "deck.md")
    server = ThreadingHTTPServer(("127.0.0.1", 0), serve.DeckHandler)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    server.server_close()


@pytest.fixture
def deck_server(monkeypatch):
    """The deck served as `make slides` serves it (slides/serve.py), on a free port."""
    with deck_server_of(ROOT, monkeypatch) as url:
        yield url


# The sizes a slide must keep in its own pixels (1280 wide, 720 high; 960 high on a 4:3
# screen, deck.js), so that they read from the back of a room: code at least 24 px, a
# diagram's text at least the screen's DIAGRAM_TEXT px and its lines DIAGRAM_LINE px wide
# after the diagram is fitted to the slide; and at most PROSE_WORDS words besides code
# and diagrams (the rest belongs in the notes).
CODE_TEXT, DIAGRAM_LINE, PROSE_WORDS = 24, 2, 60
# The screens the decks are drawn on: a 4:3 projector at its usual 1024x768, and a 16:9
# one. A diagram's text is over 15 px on either screen (reveal.js scales the slide by
# 0.77 on the first, 0.96 on the second).
SCREENS = {"4:3 projector": ((1024, 768), 20), "16:9 projector": ((1280, 720), 17)}

# Run in the page once the deck is ready: each slide shown in turn and measured. Sizes
# are in the slide's own pixels (reveal.js scales the whole slide to the window).
EVERY_SLIDE = """() => {
  const textBreaks = (slide) => {
    // A character that starts a new line right after another that is not a space: a
    // word (or a command) broken in two.
    const broken = [];
    const walker = document.createTreeWalker(slide, NodeFilter.SHOW_TEXT, {
      acceptNode: (node) => node.parentElement.closest("aside.notes, .diagram")
        ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT,
    });
    const range = document.createRange();
    for (let node; (node = walker.nextNode()); ) {
      const text = node.textContent;
      let lineTop = null;
      for (let i = 0; i < text.length; i++) {
        if (/\\s/.test(text[i])) continue;
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const box = range.getBoundingClientRect();
        if (!box.height) continue;
        if (lineTop !== null && box.top > lineTop + box.height / 2 && !/\\s/.test(text[i - 1])) {
          broken.push(text.slice(Math.max(0, i - 12), i) + " | " + text.slice(i, i + 12));
        }
        lineTop = box.top;
      }
    }
    return broken;
  };
  const prose = (slide) => {
    const copy = slide.cloneNode(true);
    copy.querySelectorAll("aside.notes, pre, code, .diagram").forEach((e) => e.remove());
    return copy.textContent.split(/\\s+/).filter((word) => /\\w/.test(word)).length;
  };
  return Reveal.getSlides().map((slide) => {
    const { h, v } = Reveal.getIndices(slide);
    Reveal.slide(h, v);
    const scale = Reveal.getScale();
    const notes = slide.querySelector("aside.notes");
    const codes = [...slide.querySelectorAll("pre code")];
    const codeSizes = [...slide.querySelectorAll("code")]
      .filter((code) => !code.closest("aside.notes"))
      .map((code) => parseFloat(getComputedStyle(code).fontSize));
    const diagrams = [...slide.querySelectorAll(".diagram svg")].map((svg) => {
      const box = svg.getBoundingClientRect(), view = svg.viewBox.baseVal;
      return [svg, Math.min(box.width / view.width, box.height / view.height) / scale];
    });
    const diagramSizes = diagrams.flatMap(([svg, fitted]) =>
      [...svg.querySelectorAll("text")].filter((text) => text.textContent.trim())
        .map((text) => parseFloat(getComputedStyle(text).fontSize) * fitted));
    const lineWidths = diagrams.flatMap(([svg, fitted]) =>
      [...svg.querySelectorAll(".messageLine0, .messageLine1, .actor-line")]
        .map((line) => parseFloat(getComputedStyle(line).strokeWidth) * fitted));
    return {
      title: (slide.querySelector("h1, h2") || {}).textContent || "",
      text: slide.innerText.trim(),
      notes: notes ? notes.textContent.trim() : "",
      tallerThanTheSlide: slide.scrollHeight > Reveal.getConfig().height,
      widerThanTheSlide: slide.scrollWidth > Reveal.getConfig().width,
      codeCutOff: codes.some((code) => code.scrollWidth > code.clientWidth),
      smallestCode: Math.min(...codeSizes),
      smallestDiagramText: Math.min(...diagramSizes),
      thinnestDiagramLine: Math.min(...lineWidths),
      brokenWords: textBreaks(slide),
      proseWords: prose(slide),
    };
  });
}"""


def open_deck(browser, url, viewport):
    """The deck at URL in a new page, once drawn: (context, page, errors, requests)."""
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    errors, requests = [], []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda request: requests.append(request.url))
    page.goto(url)
    page.wait_for_selector("body[data-deck-ready]")
    return context, page, errors, requests


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("name", DECKS)
def test_each_deck_renders_every_slide_offline_readable_from_the_back(
    name, screen, browser, deck_server
):
    """On each screen: every slide fits, no code is cut off, and code, diagrams and prose
    keep the sizes above; no line breaks inside a word."""
    (width, height), diagram_text = SCREENS[screen]
    context, page, errors, requests = open_deck(
        browser,
        f"{deck_server}/slides/deck.html?deck={name}",
        {"width": width, "height": height},
    )
    slides = page.evaluate(EVERY_SLIDE)
    diagrams = page.locator(".reveal .diagram svg").count()
    links = page.evaluate("[...document.querySelectorAll('.reveal a[href]')].map(a => a.href)")
    context.close()

    assert not errors, errors
    assert all(url.startswith(deck_server) for url in requests), requests
    assert len(slides) == len(deck_ids(name))
    quoted = [e for e in EXCERPTS if e["lang"] == "mermaid"]
    assert diagrams == sum("```mermaid" in slide for slide in deck_slides(name)) and quoted
    for slide in slides:
        assert slide["title"] and slide["notes"], slide
        assert "Syntax error" not in slide["text"] and "```" not in slide["text"], slide
        assert not slide["tallerThanTheSlide"] and not slide["widerThanTheSlide"], slide["title"]
        assert not slide["codeCutOff"], slide["title"]
        assert slide["smallestCode"] >= CODE_TEXT, slide["title"]
        assert slide["smallestDiagramText"] >= diagram_text, slide["title"]
        assert slide["thinnestDiagramLine"] >= DIAGRAM_LINE, slide["title"]
        assert slide["brokenWords"] == [], slide["title"]
        assert slide["proseWords"] <= PROSE_WORDS, slide["title"]
    assert links
    for link in set(links):
        with urllib.request.urlopen(link.partition("#")[0]) as response:
            assert response.status == 200, link


def test_the_index_offers_each_deck(browser, deck_server):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{deck_server}/slides/")
    offered = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    context.close()
    assert offered == [f"{deck_server}/slides/deck.html?deck={name}" for name in DECKS]


def test_the_deck_server_serves_no_key_no_database_and_only_to_this_machine(deck_server, tmp_path):
    instance = ROOT / "07_final_todo" / "instance"
    instance.mkdir(exist_ok=True)
    secret = instance / "deck-test.secret_key"
    secret.write_text("not for the slides")
    try:
        for path in ["/07_final_todo/instance/deck-test.secret_key", "/.git/config", "/"]:
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(deck_server + path)
            refused.value.close()
            assert refused.value.code == 404, path
    finally:
        secret.unlink()
    rebound = urllib.request.Request(deck_server + "/slides/", headers={"Host": "evil.example"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(rebound)
    refused.value.close()
    assert refused.value.code == 403
    with urllib.request.urlopen(deck_server + "/07_final_todo/README.md") as response:
        assert response.status == 200


# What the READMEs' and plans' commands write in the repository's root: the demo users'
# passwords (seed-demo | tee demo.txt) and cookie jars with live logins (curl -c).
LEARNERS_FILES = ["demo.txt", "cookies.txt", "viewer.txt", "manager.txt", "notes.md", "x.py"]


def refused(url):
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(url)
    answer.value.close()
    return answer.value.code


def test_the_deck_server_serves_nothing_that_a_learners_commands_write(monkeypatch, tmp_path):
    linked = ["04_session_cookies/cookies.py", "README.md", "slides/deck.md"]
    for name in linked:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("a course file")
    (tmp_path / "slides" / "deck.md").write_text(
        "[cookies.py](../04_session_cookies/cookies.py) [README](../README.md)"
    )
    made = [tmp_path / name for name in LEARNERS_FILES]
    made += [tmp_path / "04_session_cookies" / "cookies.txt"]
    for path in made:
        path.write_text("admin     admin    a-password-that-must-stay-here\n")
    with deck_server_of(tmp_path, monkeypatch) as url:
        for path in made:
            assert refused(f"{url}/{path.relative_to(tmp_path)}") == 404, path
        for name in linked:
            with urllib.request.urlopen(f"{url}/{name}") as response:
                assert response.status == 200, name


def test_the_deck_server_follows_no_link_out_of_slides_and_lists_no_folder(monkeypatch, tmp_path):
    """A link inside slides/ that leads to the repository's root shows nothing of it, and a
    folder of slides/ with no index.html is not listed."""
    (tmp_path / "slides" / "vendor").mkdir(parents=True)
    (tmp_path / "slides" / "deck.md").write_text("no links")
    (tmp_path / "demo.txt").write_text("admin  a-password-that-must-stay-here")
    (tmp_path / "slides" / "to-the-root").symlink_to(tmp_path)
    with deck_server_of(tmp_path, monkeypatch) as url:
        for path in ["/slides/to-the-root/demo.txt", "/slides/vendor/", "/slides/deck.md%00"]:
            assert refused(url + path) == 404, path
        with urllib.request.urlopen(url + "/slides/deck.md") as response:
            assert response.status == 200


# Speaker notes said aloud in their minutes: at most this many words a minute, the
# commands (`code`) left out, as they are run, not read.
NOTES_WORDS_A_MINUTE = 100


def spoken_words(slide):
    notes = slide.partition("\nNote:\n")[2]
    notes = re.sub(r"^\*\*\d+ min\.\*\*", "", notes.strip())
    return [word for word in re.sub(r"`[^`]*`", "", notes).split() if re.search(r"\w", word)]


def test_every_slides_notes_fit_in_their_minutes():
    """Every slide of both decks: notes too long for their minutes run the class over."""
    long = [
        (slide_id(slide), len(spoken_words(slide)), minutes(slide))
        for slide in SLIDE_TEXTS
        if len(spoken_words(slide)) > NOTES_WORDS_A_MINUTE * minutes(slide)
    ]
    assert long == [], "(slide, words, minutes)"


def test_the_45_minute_wrap_up_checks_the_objectives_word_for_word():
    """The wrap-up's table puts each objective of slide 2 (and of the plan) beside its
    demo, in the same words, so the room checks what it was promised."""
    wrap = deck_slides("45-minutes")[-3]
    assert title(wrap) == "The objectives, checked"
    rows = re.findall(r"^\| (?!you can |---)([^|]+?) \| ([^|]+?) \|$", wrap, flags=re.M)
    promised = re.findall(r"^- (.*(?:\n  .*)*)", deck_slides("45-minutes")[1], flags=re.M)
    assert [objective for objective, _ in rows] == [" ".join(o.split()) for o in promised]
    assert "auth.py" in rows[-1][1], "the third row points at 08's role check"
    assert "s08-lines-45" in deck_ids("45-minutes")
