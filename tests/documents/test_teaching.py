"""The instructor's material in teaching/ tells the truth about the repository: every
glossary link leads to an entry, every entry is reached from a stage README, the class
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

TEACHING = ROOT / "teaching"
GLOSSARY = TEACHING / "GLOSSARY.md"
# A markdown link to a glossary entry: [text](../teaching/GLOSSARY.md#entry)
GLOSSARY_LINK = re.compile(r"\]\(([^)\s]*GLOSSARY\.md)#([^)\s]+)\)")
STAGE_READMES = [ROOT / stage / "README.md" for stage in STAGES]


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
    linked = {entry for path in STAGE_READMES for _, entry in glossary_links(path)}
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


@pytest.mark.parametrize("minutes", [45, 120])
def test_each_class_plan_adds_up_to_its_length(minutes):
    """A plan's "Timetable" is a table whose first column is the minutes of each part."""
    plan = (TEACHING / f"plan-{minutes}-minutes.md").read_text()
    timetable = re.search(r"^## Timetable\n(.*?)(^## |\Z)", plan, re.M | re.S).group(1)
    parts = re.findall(r"^\| (\d+) \|", timetable, flags=re.MULTILINE)
    assert len(parts) >= 3
    assert sum(map(int, parts)) == minutes


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


def test_the_45_minute_plan_names_each_slide_by_its_number_and_title():
    """The slides, by the number the deck shows (1 for the first): a moved slide shows."""
    deck = (
        (ROOT / "slides" / "deck.md").read_text().split("\n---\n")
    )  # as tests/documents/test_slides.py
    titles = [re.search(r"^#+ (.+)$", slide, flags=re.MULTILINE).group(1) for slide in deck]
    plan = (TEACHING / "plan-45-minutes.md").read_text()
    section = re.search(r"^## Slides for this plan\n(.*?)^## ", plan, re.M | re.S).group(1)
    named = re.findall(r"^\| (\d+) \| ([^|]+?) \|", section, flags=re.MULTILINE)
    assert len(named) >= 10
    assert [(number, titles[int(number) - 1]) for number, _ in named] == named


# --- make doctor ----------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_doctor(port):
    return subprocess.run(
        ["make", "--no-print-directory", "doctor", f"PORT={port}", f"PYTHON={sys.executable}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_make_doctor_says_a_ready_machine_is_ready():
    result = make_doctor(free_port())
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "Ready for the course."
    assert "FAIL" not in result.stdout
    assert any("07_final_todo starts and answers" in line for line in lines)


def test_make_doctor_names_a_port_in_use_and_another_to_use():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = make_doctor(port)
    assert result.returncode != 0, result.stdout  # make says 2 when doctor.py says 1
    assert f"FAIL  port {port} is in use" in result.stdout
    assert f"make run PORT={port + 1}" in result.stdout
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


def test_doctor_notes_a_taken_port_of_the_attacker_or_the_slides(doctor, monkeypatch):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        monkeypatch.setattr(doctor, "ATTACKER_PORT", port)
        monkeypatch.setattr(doctor, "SLIDES_PORT", port)
        attacker, slides = doctor.note_attacker_port(), doctor.note_slides_port()
    assert not attacker[0] and not slides[0]
    assert attacker[1].startswith(f"port {port} is in use: make attacker")
    assert slides[1].startswith(f"port {port} is in use: make slides")
    monkeypatch.setattr(doctor, "SLIDES_PORT", free_port())
    assert doctor.note_slides_port()[0]


def test_doctor_checks_the_ports_the_makefile_gives_the_attacker_and_the_slides(doctor):
    makefile = (ROOT / "Makefile").read_text()
    assert f"--app attacker run --port {doctor.ATTACKER_PORT}\n" in makefile
    assert f"slides/serve.py {doctor.SLIDES_PORT}\n" in makefile
