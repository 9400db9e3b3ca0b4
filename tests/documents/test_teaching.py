"""The instructor's material in teaching/ tells the truth about the repository: every
glossary link leads to an entry, every entry is reached from a stage's pages, the class
plans name only tests and make targets that exist and add up to their length; and
`make doctor` says when a machine is ready, and what is wrong when it is not."""

import importlib.metadata
import importlib.util
import re
import socket
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from course import ROOT, STAGES
from decks import (
    DECK,
    DECKS,
    deck_slides,
    minutes,
    objectives,
    plan,
    section,
    slide_table,
    timetable,
    title,
)

TEACHING = ROOT / "teaching"
GLOSSARY = TEACHING / "GLOSSARY.md"
# A markdown link to a glossary entry: [text](../teaching/GLOSSARY.md#entry)
GLOSSARY_LINK = re.compile(r"\]\(([^)\s]*GLOSSARY\.md)#([^)\s]+)\)")
STAGE_READMES = [ROOT / stage / "README.md" for stage in STAGES]
# What a learner reads of a stage: its README, and the DEPLOY.md beside it (07, 08).
STAGE_PAGES = STAGE_READMES + sorted(ROOT.glob("*/DEPLOY.md"))


def anchor(heading):
    """The anchor GitHub gives a heading: lower case, punctuation dropped, '-' for spaces."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def glossary_entries():
    headings = re.findall(r"^## (.+)$", GLOSSARY.read_text(), flags=re.MULTILINE)
    return [anchor(heading) for heading in headings]


def course_markdown():
    """Every markdown file of the course (not of installed or vendored packages)."""
    skip = {".venv", "node_modules", "vendor", ".git", ".pytest_cache"}
    return [
        path for path in ROOT.rglob("*.md") if not skip.intersection(path.relative_to(ROOT).parts)
    ]


def glossary_links(path):
    """The (file the link leads to, entry) of each glossary link in the markdown at PATH."""
    return [
        ((path.parent / target).resolve(), entry)
        for target, entry in GLOSSARY_LINK.findall(path.read_text())
    ]


def test_every_glossary_link_leads_to_an_entry():
    entries = set(glossary_entries())
    broken = [
        f"{path.relative_to(ROOT)}: #{entry}"
        for path in course_markdown()
        for target, entry in glossary_links(path)
        if target != GLOSSARY or entry not in entries
    ]
    assert broken == []


def test_every_stage_readme_links_the_glossary():
    assert [path.parent.name for path in STAGE_READMES if not glossary_links(path)] == []


def test_every_glossary_entry_is_linked_from_a_stage_readme():
    assert len(STAGE_PAGES) == len(STAGES) + 2  # 07's and 08's DEPLOY.md
    linked = {entry for path in STAGE_PAGES for _, entry in glossary_links(path)}
    assert [entry for entry in glossary_entries() if entry not in linked] == []


def test_the_glossary_is_in_alphabetical_order():
    entries = glossary_entries()
    assert entries == sorted(entries, key=lambda entry: entry.replace("-", " "))


# --- The class plans and the checklist ------------------------------------------------


def teaching_docs():
    return sorted(TEACHING.glob("*.md"))


def code_in(text):
    """The code of a markdown text: its `spans` and fenced blocks."""
    blocks = re.findall(r"^```[^\n]*\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)
    text = re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)
    return blocks + re.findall(r"`([^`\n]+)`", text)


def test_the_teaching_docs_name_only_tests_that_exist():
    defined = set()
    for module in (ROOT / "tests").rglob("test_*.py"):
        defined.update(re.findall(r"^def (test_\w+)", module.read_text(), flags=re.MULTILINE))
    named = {
        (doc.name, name)
        for doc in teaching_docs()
        for code in code_in(doc.read_text())
        for name in re.findall(r"\btest_\w+(?:\.py)?", code)
        if not name.endswith(".py")  # a test module, tests/stages/test_05_jwt_stateless.py
    }
    assert named, "the plans name the lesson tests"
    assert sorted((doc, name) for doc, name in named if name not in defined) == []


def test_the_teaching_docs_name_only_make_targets_that_exist():
    targets = set(re.findall(r"^([a-z][\w-]*):", (ROOT / "Makefile").read_text(), re.M))
    named = {
        (doc.name, target)
        for doc in teaching_docs()
        for code in code_in(doc.read_text())
        for target in re.findall(r"(?:^|[\s;(&|])make ([a-z][\w-]*)", code)
    }
    assert {"doctor", "run", "diff", "lessons"} <= {target for _, target in named}
    assert sorted((doc, target) for doc, target in named if target not in targets) == []


def headings_of(markdown):
    return {anchor(heading) for heading in re.findall(r"^#+ (.+)$", markdown, re.MULTILINE)}


def test_the_links_of_the_teaching_docs_lead_to_files_and_headings_that_exist():
    broken = []
    for doc in teaching_docs():
        for target, heading in re.findall(r"\]\(([^)#\s]*)#?([^)\s]*)\)", doc.read_text()):
            if "://" in target:
                continue
            path = doc.parent / target if target else doc
            if not path.exists():
                broken.append(f"{doc.name}: {target}")
            elif heading and heading not in headings_of(path.read_text()):
                broken.append(f"{doc.name}: {target}#{heading}")
    assert broken == []


@pytest.mark.parametrize("name", DECKS)
def test_each_class_plan_adds_up_to_its_length(name):
    """A plan's "Timetable" is a table whose first column is the minutes of each part."""
    parts = timetable(name)
    assert len(parts) >= 3
    assert sum(spent for spent, _ in parts) == DECKS[name]


def test_the_breaks_and_exercises_the_plans_name_exist():
    named = [
        (doc.name, match)
        for doc in teaching_docs()
        for code in code_in(doc.read_text())
        for match in re.findall(
            r"make (break|exercise) STAGE=(\w+) (?:BREAK|EXERCISE)=([\w-]+)", code
        )
    ]
    assert {kind for _, (kind, _, _) in named} == {"break", "exercise"}
    missing = []
    for doc, (kind, stage, name) in named:
        folder = ROOT / "exercises" / stage
        if kind == "break":
            found = name in tomllib.loads((folder / "breaks.toml").read_text())
        else:
            found = (folder / name).is_dir()
        if not found:
            missing.append(f"{doc}: {kind} {stage} {name}")
    assert missing == []


@pytest.mark.parametrize("name", DECKS)
def test_each_plan_walks_through_every_slide_of_its_deck_in_order(name):
    """The plan names each slide of its deck by the number the deck shows and its title:
    1, 2, 3 ... to the last, so the class never jumps, and a moved slide shows."""
    titles = [title(slide) for slide in deck_slides(name)]
    named = slide_table(name)
    assert [number for number, _, _ in named] == list(range(1, len(titles) + 1))
    assert [slide_title for _, slide_title, _ in named] == titles


@pytest.mark.parametrize("name", DECKS)
def test_each_part_of_the_plan_takes_the_minutes_of_its_slides_notes(name):
    """The timetable's minutes per part are the sum of the minutes in the notes of the
    slides the plan gives that part, and the parts come in the timetable's order."""
    parts = [part for _, _, part in slide_table(name)]
    of_slides = {}
    for part, slide in zip(parts, deck_slides(name), strict=True):
        of_slides[part] = of_slides.get(part, 0) + minutes(slide)
    assert list(of_slides.items()) == [(part, spent) for spent, part in timetable(name)]
    assert parts == sorted(parts, key=list(of_slides).index), "a part comes back later"


def test_the_45_minute_class_keeps_five_minutes_of_buffer_at_its_end():
    """Its demos run over when a command fails or the room asks: the last part is kept free,
    and the notes of its slide say so."""
    spent, part = timetable("45-minutes")[-1]
    assert part == "Questions (buffer)" and spent >= 5
    last = deck_slides("45-minutes")[-1]
    assert minutes(last) == spent and "buffer" in last.partition("\nNote:\n")[2]


@pytest.mark.parametrize("name", DECKS)
def test_each_plan_and_the_second_slide_of_its_deck_list_the_same_objectives(name):
    listed = objectives(section(plan(name), "Objectives"))
    assert 2 <= len(listed) <= 3
    assert objectives(deck_slides(name)[1].partition("\nNote:\n")[0]) == listed


def make_diff_lines(stage_name):
    """How many lines `make diff STAGE=...` prints."""
    result = subprocess.run(
        ["make", "--no-print-directory", "diff", f"STAGE={stage_name}"],
        cwd=ROOT, capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return len(result.stdout.splitlines())


def test_the_line_counts_that_plans_and_slides_quote_are_what_make_diff_prints():
    texts = [plan(name) for name in DECKS] + [DECK]
    quoted = {
        (stage_name, int(lines))
        for text in texts
        for stage_name, lines in re.findall(
            r"make\s+diff\s+STAGE=(\w+)`?\s+prints\s+(\d+)\s+lines", text
        )
    }
    assert quoted, "the plans say how long a step's diff is"
    assert sorted(quoted) == sorted((stage, make_diff_lines(stage)) for stage, _ in quoted)
    unquoted = re.findall(r"(?:about|diff is) \d+ lines", "\n".join(texts))
    assert unquoted == [], "a diff's length said without its make diff"


# --- make doctor ----------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_doctor(port, *settings):
    return subprocess.run(
        [
            "make",
            "--no-print-directory",
            "doctor",
            f"PORT={port}",
            *settings,
            f"PYTHON={sys.executable}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_make_doctor_says_a_ready_machine_is_ready():
    attacker, slides = free_port(), free_port()
    result = make_doctor(free_port(), f"ATTACKER_PORT={attacker}", f"SLIDES_PORT={slides}")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "Ready for the course."
    assert "FAIL" not in result.stdout
    assert any("07_final_todo starts and answers" in line for line in lines)
    # the ports asked for, not the ports the Makefile uses when none is given
    assert any(
        line.startswith(f"  ok    port {attacker} is free for make attacker") for line in lines
    )
    assert any(line.startswith(f"  ok    port {slides} is free for make slides") for line in lines)


def test_make_doctor_names_a_port_in_use_and_another_to_use():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = make_doctor(port)
    assert result.returncode != 0, result.stdout  # make says 2 when doctor.py says 1
    assert f"FAIL  port {port} is in use" in result.stdout
    # the first free port after it: usually port + 1, but another process may hold that one
    suggested = re.search(r"make run PORT=(\d+)", result.stdout)
    assert suggested and int(suggested[1]) > port, result.stdout
    assert result.stdout.splitlines()[-1] == "Not ready: 1 problem above."


@pytest.fixture
def doctor():
    spec = importlib.util.spec_from_file_location("doctor", ROOT / "tools" / "doctor.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_doctor_says_how_to_set_up_a_missing_venv(doctor, tmp_path, monkeypatch):
    monkeypatch.setattr(doctor, "VENV_PYTHON", tmp_path / "no-venv" / "python")
    ready, line = doctor.check_venv()
    assert not ready
    assert line.startswith("no .venv yet: make run sets it up")
    assert "make setup-offline" in line


def test_doctor_fails_without_a_browser_and_names_the_command_that_gets_one(
    doctor, tmp_path, monkeypatch
):
    monkeypatch.delenv("CHROMIUM", raising=False)
    monkeypatch.setattr(doctor.shutil, "which", lambda name: None)
    monkeypatch.setattr(doctor, "VENV_PYTHON", tmp_path / "no-venv" / "python")
    ready, line = doctor.check_browser()
    assert not ready
    assert "make browser" in line


def test_doctor_names_a_package_that_does_not_match_its_pin(doctor, tmp_path, monkeypatch):
    pyjwt = importlib.metadata.version("PyJWT")
    (tmp_path / "requirements.txt").write_text(f"Flask==0.1  # too old\nPyJWT=={pyjwt}\n")
    monkeypatch.setattr(doctor, "ROOT", tmp_path)
    monkeypatch.setattr(doctor, "VENV_PYTHON", Path(sys.executable))  # the tests' Python
    ready, line = doctor.check_venv()
    assert not ready
    assert f"Flask {importlib.metadata.version('Flask')} (wants 0.1)" in line
    assert "PyJWT" not in line


def test_doctor_notes_a_taken_port_of_the_attacker_or_the_slides(doctor):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        attacker, slides = doctor.note_attacker_port(port), doctor.note_slides_port(port)
        # The port after it belongs to another server of the class: never suggested.
        course_ports = {port, port + 1}
        next_but_one = doctor.note_slides_port(port, course_ports)[1]
    assert not attacker[0] and not slides[0]
    assert attacker[1].startswith(f"port {port} is in use: make attacker")
    assert attacker[1].endswith(f"make attacker ATTACKER_PORT={port + 1}")
    assert slides[1].startswith(f"port {port} is in use: make slides")
    assert slides[1].endswith(f"make slides SLIDES_PORT={port + 1}")
    assert next_but_one.endswith(f"make slides SLIDES_PORT={port + 2}")
    assert doctor.note_slides_port(free_port())[0]


def make_n(*args):
    """The commands `make ARGS` would run, printed and not run (make -n)."""
    return subprocess.run(
        ["make", "--no-print-directory", "-n", *args],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip


def test_doctor_checks_by_default_the_ports_the_makefile_serves_on_by_default(doctor):
    assert "--attacker-port 8001 --slides-port 8000" in make_n("doctor")
    assert (doctor.RUN_PORT, doctor.ATTACKER_PORT, doctor.SLIDES_PORT) == (5000, 8001, 8000)
    assert "--app attacker run --port 8001\n" in make_n("attacker")
    assert "slides/serve.py 8000\n" in make_n("slides")
    assert "FLASK_RUN_PORT=5000 " in make_n("run")


def test_every_served_thing_takes_its_port():
    doctor = make_n("doctor", "PORT=5123", "ATTACKER_PORT=8123", "SLIDES_PORT=8124")
    assert "--port 5123 --attacker-port 8123 --slides-port 8124" in doctor
    attacker = make_n("attacker", "PORT=5123", "ATTACKER_PORT=8123")
    assert "FLASK_STAGE_URL=http://127.0.0.1:5123 " in attacker
    assert "--app attacker run --port 8123\n" in attacker
    assert "slides/serve.py 8124\n" in make_n("slides", "PORT=8124")
    assert "FLASK_RUN_PORT=5123 " in make_n("run", "STAGE=04_session_cookies", "PORT=5123")


def test_make_run_restarts_the_server_when_the_code_changes_without_the_debugger():
    """Werkzeug's reloader: a learner's new route answers without a restart by hand."""
    recipe = make_n("run", "STAGE=04_session_cookies")
    assert "--app 04_session_cookies run --reload\n" in recipe
    assert "--debug" not in recipe and "FLASK_DEBUG" not in recipe
