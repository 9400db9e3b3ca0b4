"""The slide deck in slides/: its code is the stages' code, its diagrams are the stage
READMEs', its links resolve, every slide has speaker notes, and it renders with no
internet in a real browser (one page load for the whole deck)."""

import re
import sys
import textwrap
import threading
import urllib.request
from http.server import ThreadingHTTPServer

import pytest
from course import ROOT

SLIDES = ROOT / "slides"
sys.path.insert(0, str(SLIDES))
import serve  # noqa: E402

DECK = (SLIDES / "deck.md").read_text()
SLIDE_TEXTS = DECK.split("\n---\n")  # the separator index.html gives reveal.js
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


def test_every_excerpt_on_the_slides_is_verbatim_in_the_file_it_names():
    drifted = [
        f"{excerpt['path']}:\n{excerpt['code']}"
        for excerpt in EXCERPTS
        if not is_quoted_from(excerpt["code"], (ROOT / excerpt["path"]).read_text())
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


def test_every_slide_has_speaker_notes_with_its_minutes_and_they_add_up():
    minutes = []
    for slide in SLIDE_TEXTS:
        _, notes_mark, notes = slide.partition("\nNote:\n")
        assert notes_mark, f"no speaker notes on the slide:\n{slide}"
        found = re.match(r"\*\*(\d+) min\.\*\* \S", notes)
        assert found, f"the notes do not start with their minutes:\n{notes}"
        minutes.append(int(found.group(1)))
    claimed = re.search(r"The talk takes (\d+) minutes", SLIDE_TEXTS[0])
    assert claimed and int(claimed.group(1)) == sum(minutes)
    assert f"({sum(minutes)} in all)" in (SLIDES / "README.md").read_text()


@pytest.fixture
def deck_server():
    """The deck served as `make slides` serves it (slides/serve.py), on a free port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), serve.DeckHandler)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    server.server_close()


# Run in the page once the deck is ready: each slide shown in turn and measured.
EVERY_SLIDE = """() => Reveal.getSlides().map((slide) => {
    const { h, v } = Reveal.getIndices(slide);
    Reveal.slide(h, v);
    const notes = slide.querySelector("aside.notes");
    const codes = [...slide.querySelectorAll("pre code")];
    return {
        title: (slide.querySelector("h1, h2") || {}).textContent || "",
        text: slide.innerText.trim(),
        notes: notes ? notes.textContent.trim() : "",
        tallerThanTheSlide: slide.scrollHeight > Reveal.getConfig().height,
        codeCutOff: codes.some((code) => code.scrollWidth > code.clientWidth),
    };
})"""


def test_the_deck_renders_every_slide_offline_in_a_browser(browser, deck_server):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    errors, requests = [], []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{deck_server}/slides/")
    page.wait_for_selector("body[data-deck-ready]")
    slides = page.evaluate(EVERY_SLIDE)
    diagrams = page.locator(".reveal .diagram svg").count()
    links = page.evaluate("[...document.querySelectorAll('.reveal a[href]')].map(a => a.href)")
    context.close()

    assert not errors, errors
    assert all(url.startswith(deck_server) for url in requests), requests
    assert 30 <= len(slides) <= 60
    assert diagrams == sum(e["lang"] == "mermaid" for e in EXCERPTS)
    for slide in slides:
        assert slide["title"] and slide["notes"], slide
        assert "Syntax error" not in slide["text"] and "```" not in slide["text"], slide
        assert not slide["tallerThanTheSlide"] and not slide["codeCutOff"], slide
    assert links
    for link in set(links):
        with urllib.request.urlopen(link.partition("#")[0]) as response:
            assert response.status == 200, link


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
