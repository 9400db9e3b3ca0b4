"""The breaks and exercises of every stage (exercises/README.md) stay in step with the
code: each break still applies, each answer still applies, each lesson is named by a
break, and each stage's README names them all. (`make breaks` and `make exercises`, run
by CI, go further and run the tests: too slow for `make test`.)"""

import re
import subprocess
import sys

import pytest
from course import ROOT, STAGES

sys.path.insert(0, str(ROOT / "tools"))
import practise  # noqa: E402


@pytest.fixture(scope="module")
def lessons_by_stage(request):
    """{stage: {lesson test function names}}, as `make break` selects them."""
    lessons = {stage: set() for stage in STAGES}
    for node_id in lesson_node_ids(request.session):
        for stage in STAGES:
            if stage in node_id:
                lessons[stage].add(re.search(r"::(\w+)", node_id).group(1))
    return lessons


def lesson_node_ids(session):
    """The node ids of every lesson test: those that SESSION collected, when it collected
    every test file and left none out (-k, -m, --deselect); else those of a collection of
    its own (seconds)."""
    options = session.config.option
    collected_files = {item.path.name for item in session.items}
    every_file = {path.name for path in (ROOT / "tests").rglob("test_*.py")}
    left_out = options.keyword or options.markexpr or options.deselect
    if collected_files == every_file and not left_out:
        return [item.nodeid for item in session.items if item.get_closest_marker("lesson")]
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-m", "lesson", "tests"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return re.findall(r"^tests/\S+", collected, re.MULTILINE)


@pytest.mark.parametrize("stage", STAGES)
def test_every_stage_has_breaks_and_an_exercise(stage):
    assert practise.breaks_of(stage)
    assert practise.exercises_of(stage)


@pytest.mark.parametrize("stage", STAGES)
def test_every_break_still_applies_to_the_stage(stage, tmp_path):
    for name in practise.breaks_of(stage):
        practise.copy_stage(stage, tmp_path / name)
        practise.apply_break(stage, name, tmp_path / name)


@pytest.mark.parametrize("stage", STAGES)
def test_every_lesson_is_named_by_a_break_and_every_break_names_lessons(stage, lessons_by_stage):
    named = set()
    for name, each in practise.breaks_of(stage).items():
        assert each["caught_by"], name
        assert set(each["caught_by"]) <= lessons_by_stage[stage], name
        named |= set(each["caught_by"])
    assert lessons_by_stage[stage] <= named


@pytest.mark.parametrize("stage", STAGES)
def test_every_answer_applies_to_the_stage(stage, tmp_path):
    for name in practise.exercises_of(stage):
        folder = ROOT / "exercises" / stage / name
        assert list(folder.glob(f"test_{stage[:2]}_*.py")), name
        practise.copy_stage(stage, tmp_path)
        check = ["git", "apply", "--check", str(folder / "answer.patch")]
        subprocess.run(check, cwd=tmp_path, check=True)


@pytest.mark.parametrize("stage", STAGES)
def test_the_readme_names_every_break_and_exercise(stage):
    readme = (ROOT / stage / "README.md").read_text()
    practise_part = readme.split("## Practise", 1)[1].split("\n## ", 1)[0]
    for name in [*practise.breaks_of(stage), *practise.exercises_of(stage)]:
        assert f"`{name}`" in practise_part, name
