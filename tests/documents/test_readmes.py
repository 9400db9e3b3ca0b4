"""Every command of every stage README's "Try it" section, run as printed against the
stage served by `flask run` (on a free port instead of 5000, with a database of the
test's own), in one shell, in order. The output must show what the README says it shows.
The lines carry the address in one variable, set once (`BASE=http://127.0.0.1:5000`): the
test sets it to its own port, and no other line may name port 5000.

This is how a learner walks the course: if a line stops working, this test says which.
And every stage README keeps the same parts, in the same order."""

import os
import re
import socket
import stat
import subprocess
import sys

import pytest
from course import CHEAP_HASH_METHOD, ROOT, STAGES

# What each README says its lines print (a few telling pieces of it; a pattern where the
# figure depends on the machine's speed: 07's wait began while the guesses were hashed).
SHOWN = {
    "01_missile_button": ['"launched":true', '"launched_by":"alice"', "HTTP/1.1 401",
                          "missing or unknown token"],
    "02_1_todo_text": ['{"index":1,"text":"call mom"}', '["buy milk","call mom"]',
                       '{"index":1,"text":"call dad"}', "HTTP/1.1 400",
                       "text: must not contain line breaks"],
    "02_2_todo_objects": ["Location: /api/todos/1", '"done":true,"id":2', "HTTP/1.1 400",
                          "done: must be true or false"],
    "03_session_localstorage": ['{"id":1,"username":"alice"}', '"title":"buy milk"',
                                '{"error": "wrong username or password"}',
                                '{"error": "not logged in"}'],
    "04_session_cookies": ["HttpOnly; Path=/; SameSite=Lax", "HTTP/1.1 403",
                           "missing or wrong X-CSRF-Token header", '"current":true',
                           "HTTP/1.1 204", '{"error": "not logged in"}'],
    "05_jwt_stateless": ['"aud":"05_jwt_stateless","iat":', '"title":"my secret plan"',
                         "HTTP/1.1 401", "HTTP/1.1 204", "'aud': '05_jwt_stateless'"],
    "06_jwt_session_backup": ['"sid":', '"aud":"06_jwt_session_backup"', '"current":true',
                              "HTTP/1.1 204", "HTTP/1.1 401",
                              "Set-Cookie: access_token=; Expires=Thu, 01 Jan 1970"],
    "07_final_todo": ["Content-Security-Policy: default-src 'self'", "X-Content-Type-Options",
                      '"error": "wrong username or password"', "HTTP/1.1 429",
                      re.compile(r"Retry-After: (900|8[5-9][0-9])"),
                      re.compile(r"try again in (900|8[5-9][0-9]) s"), "HTTP/1.1 204",
                      '"current":true'],
    "08_inventory_rbac": ["admin      admin", '"role":"viewer"', '"sku":"MUG-01"', "HTTP/1.1 403",
                          "not allowed for the role viewer", "HTTP/1.1 409",
                          "5 left, 9 wanted", "HTTP/1.1 201"],
}  # fmt: skip
# Stage 06 runs with a token lifetime of 0: every request then renews, with no waiting.
SERVER_SETTINGS = {"06_jwt_session_backup": {"FLASK_TOKEN_LIFETIME": "0"}}


BASE_LINE = re.compile(r"^BASE=http://127\.0\.0\.1:5000\b.*$", flags=re.MULTILINE)


def try_it_blocks(stage_name):
    readme = (ROOT / stage_name / "README.md").read_text()
    section = re.search(r"^## Try it\n(.*?)^## ", readme, flags=re.MULTILINE | re.DOTALL)
    return re.findall(r"^```sh\n(.*?)^```", section.group(1), flags=re.MULTILINE | re.DOTALL)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def shim(path, module):
    """An executable at PATH that runs `python -m MODULE` with this Python: the READMEs
    call .venv/bin/flask and .venv/bin/python."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'#!/bin/sh\nexec "{sys.executable}" {module} "$@"\n')
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


@pytest.fixture
def stage_server(stage_name, tmp_path):
    """`flask --app STAGE run` on a free port, with its data in TMP_PATH."""
    database = tmp_path / "stage.sqlite"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "FLASK_SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
        "FLASK_TODO_FILE": str(tmp_path / "todos.txt"),
        "FLASK_SECRET_KEY": "a secret key for the README test, 32 bytes+",
        "FLASK_PASSWORD_HASH_METHOD": CHEAP_HASH_METHOD,
        **SERVER_SETTINGS.get(stage_name, {}),
    }
    port = free_port()
    while port == 5000:  # the lines must work on another port than the README's
        port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", stage_name, "run", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    for line in server.stderr:  # the server says when it listens
        if "Running on" in line:
            break
    yield f"http://127.0.0.1:{port}", env, database
    server.terminate()
    server.wait(timeout=10)
    server.stderr.close()


@pytest.mark.parametrize("stage_name", STAGES)
def test_every_try_it_line_works_as_printed(stage_name, stage_server, tmp_path):
    url, env, database = stage_server
    shim(tmp_path / ".venv" / "bin" / "flask", "-m flask")
    shim(tmp_path / ".venv" / "bin" / "python", "")
    blocks = try_it_blocks(stage_name)
    assert BASE_LINE.match(blocks[0]), "the first Try it line sets BASE=http://127.0.0.1:5000"
    script = BASE_LINE.sub(f"BASE={url}", "\n".join(blocks), count=1)
    assert "127.0.0.1:5000" not in script, "a Try it line names the port; write $BASE"
    result = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        cwd=tmp_path,
        env={**env, "PYTHON": sys.executable, "DATABASE": str(database)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "curl: (" not in output, output  # curl could not connect, or failed otherwise
    assert "HTTP/1.1 500" not in output, output
    for shown in SHOWN[stage_name]:
        found = shown.search(output) if isinstance(shown, re.Pattern) else shown in output
        assert found, f"the README says it shows {shown!r}:\n{output}"


@pytest.mark.parametrize("stage_name", STAGES)
def test_every_stage_readme_keeps_the_template(stage_name):
    """Goal, Run, Try it, What changed, What's still wrong, Practise, Continue (08: The end),
    in this order; a stage may add parts of its own between them."""
    readme = (ROOT / stage_name / "README.md").read_text()
    headings = re.findall(r"^## (.*)", readme, flags=re.MULTILINE)
    template = ["Goal", "Run", "Try it", "What changed since", "What's still wrong", "Practise"]
    template.append("The end" if stage_name == STAGES[-1] else "Continue to")
    found = [next((h for h in headings if h.startswith(part)), None) for part in template]
    assert None not in found, dict(zip(template, found, strict=True))
    assert [headings.index(h) for h in found] == sorted(headings.index(h) for h in found)
    assert headings[-1] == found[-1]


# --- What a stage README holds, and what it leaves to the files beside it -----------------

STAGE_README_LIMIT = 12 * 1024  # bytes: a README teaches its stage's idea, read in one go
# Remarks about the course's own rules, which speak to its authors, not to a learner.
AUTHORS_REMARKS = re.compile(r"changed lines|the course's aim|would pass 200 lines")


@pytest.mark.parametrize("stage_name", STAGES)
def test_every_stage_readme_is_short_and_speaks_to_the_learner(stage_name):
    readme = ROOT / stage_name / "README.md"
    assert readme.stat().st_size <= STAGE_README_LIMIT
    assert AUTHORS_REMARKS.findall(readme.read_text()) == []


@pytest.mark.parametrize("stage_name", STAGES)
def test_every_stage_readme_names_its_own_lessons_and_the_test_of_what_is_still_wrong(
    stage_name,
):
    readme = (ROOT / stage_name / "README.md").read_text()
    commands = re.findall(r"make lessons[^`\n]*", readme)
    assert commands, "no make lessons line"
    assert set(commands) == {f"make lessons STAGE={stage_name}"}  # never every stage's
    still_wrong = re.search(r"^## What's still wrong\n(.*?)^## ", readme, re.M | re.S).group(1)
    named = set(re.findall(r"`(test_\w+)`", still_wrong))
    defined = {
        name
        for module in (ROOT / "tests").rglob("test_*.py")
        for name in re.findall(r"^def (test_\w+)", module.read_text(), flags=re.MULTILINE)
    }
    assert named, "What's still wrong names the test that proves it"
    assert named <= defined, named - defined


@pytest.mark.parametrize("stage_name", ["07_final_todo", "08_inventory_rbac"])
def test_deploying_a_stage_lives_beside_its_readme(stage_name):
    readme = (ROOT / stage_name / "README.md").read_text()
    deploy = (ROOT / stage_name / "DEPLOY.md").read_text()
    assert "## Deploying it" not in readme
    assert "](DEPLOY.md)" in readme
    assert deploy.startswith(f"# {stage_name[:2]} · Deploying it\n")
    assert "gunicorn -w 4" in deploy and "db upgrade" in deploy
    step = subprocess.run(  # make diff shows the step in code, like the README without it
        ["make", "--no-print-directory", "diff", f"STAGE={stage_name}"],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=60,
    ).stdout  # fmt: skip
    assert "diff --git" in step and "DEPLOY.md" not in step and "README.md" not in step


# --- The front door: README.md for the learner, one line for each other reader ------------

FRONT_DOOR = (ROOT / "README.md").read_text()
FIRST_SCREEN = "\n".join(FRONT_DOOR.splitlines()[:50])
LEARNERS_TARGETS = ["run", "lessons", "break", "exercise", "diff"]


def test_the_front_door_is_short_and_shows_set_up_the_map_and_the_targets_at_once():
    assert (ROOT / "README.md").stat().st_size <= 8 * 1024
    assert "## Start here" in FIRST_SCREEN and "make run" in FIRST_SCREEN
    for target in LEARNERS_TARGETS:
        assert f"`make {target} STAGE=" in FIRST_SCREEN, target
    assert "## The course map" in FIRST_SCREEN
    assert "[01_missile_button](01_missile_button/)" in FIRST_SCREEN  # its first row
    assert "BASE=http://127.0.0.1:5000" in FIRST_SCREEN


def test_the_front_door_says_how_long_make_test_takes_and_with_which_browser():
    line = next(p for p in FRONT_DOOR.split("\n\n") if p.startswith("`make test`"))
    assert "minute" in line and "headless Chromium" in line and "$CHROMIUM" in line
    assert "chromium-headless-shell" in line and "make browser" in line


def test_the_front_door_says_what_a_learner_may_ignore_and_where_the_others_go():
    ignore = next(p for p in FRONT_DOOR.split("\n\n") if p.startswith("You may ignore"))
    for what in ["bench/", "tools/", ".ci/", "make load", "make wheelhouse", "make breaks"]:
        assert f"`{what}`" in ignore, what
    others = FRONT_DOOR.split("## Teaching or maintaining the course\n", 1)[1]
    assert "[teaching/](teaching/README.md)" in others and "`make doctor`" in others
    assert "`make slides`" in others and "wheelhouse" in others
    assert "[CONTRIBUTING.md](CONTRIBUTING.md)" in others


@pytest.mark.parametrize(
    ("word", "entry"),
    [("HttpOnly", "httponly"), ("CSRF", "csrf"), ("JWT", "jwt"), ("CSP", "csp"), ("Vite", "vite")],
)
def test_the_map_links_the_glossary_where_its_words_first_appear(word, entry):
    course_map = re.search(r"^## The course map\n(.*?)^## ", FRONT_DOOR, re.M | re.S).group(1)
    first = re.search(rf"\b{word}\b", course_map)
    assert first, word
    assert course_map[first.start() - 1 :].startswith(f"[{word}](teaching/GLOSSARY.md#{entry})")


def test_contributing_holds_the_maintainers_parts():
    headings = re.findall(r"^## (.+)$", (ROOT / "CONTRIBUTING.md").read_text(), re.MULTILINE)
    for part in ["Names used in every stage", "Tests", "How CI checks the course",
                 "Windows and macOS", "Performance", "Layout"]:  # fmt: skip
        assert part in headings, part
    for part in headings:
        assert f"## {part}\n" not in FRONT_DOOR, f"{part} is the maintainer's, in CONTRIBUTING.md"


def anchors(markdown):
    """The anchors GitHub gives the headings of MARKDOWN."""
    headings = re.findall(r"^#+ (.+)$", markdown, flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


DOORS = ["README.md", "CONTRIBUTING.md", "07_final_todo/DEPLOY.md", "08_inventory_rbac/DEPLOY.md"]


@pytest.mark.parametrize("door", DOORS)
def test_the_links_of_the_doors_lead_to_files_and_headings_that_exist(door):
    path = ROOT / door
    broken = []
    for target, heading in re.findall(r"\]\(([^)#\s]*)#?([^)\s]*)\)", path.read_text()):
        if "://" in target:
            continue
        linked = (path.parent / target) if target else path
        if not linked.exists():
            broken.append(target)
        elif heading and linked.is_file() and heading not in anchors(linked.read_text()):
            broken.append(f"{target}#{heading}")
    assert broken == []


@pytest.mark.parametrize("stage_name", STAGES)
def test_every_stage_readme_opens_with_two_or_three_objectives(stage_name):
    """Right under the title (in 01, under its warning), before the Goal: "After this stage
    you can:" and two or three things a learner can check they can do."""
    readme = (ROOT / stage_name / "README.md").read_text()
    opening = readme.partition("\n## Goal\n")[0]
    found = re.search(r"^After this stage you can:\n\n((?:- .+\n)+)\n*\Z", opening, re.MULTILINE)
    assert found, f"{stage_name}/README.md: no objectives right before its Goal"
    assert 2 <= len(found.group(1).splitlines()) <= 3


def test_the_readmes_example_test_is_in_the_suite_as_written():
    """The test that README.md's "Write a test" offers to copy is a real one, word for word."""
    tests_part = (ROOT / "README.md").read_text().split("## Write a test\n", 1)[1].split("\n## ")[0]
    example = re.search(r"```python\n(.*?)```", tests_part, flags=re.DOTALL).group(1)
    assert example.startswith("def test_")
    suite = (ROOT / "tests" / "stages" / "test_04_session_cookies.py").read_text()
    assert f"\n{example}" in suite
