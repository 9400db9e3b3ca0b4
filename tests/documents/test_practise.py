"""The breaks and exercises of every stage (exercises/README.md) stay in step with the
code: each break still applies, each answer still applies, each lesson is named by a
break, and each stage's README names them all. (`make breaks` and `make exercises`, run
by CI, go further and run the tests: too slow for `make test`.)"""

import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from course import ROOT, STAGES
from harness import lessons

sys.path.insert(0, str(ROOT / "tools"))
import practise  # noqa: E402


@pytest.fixture(scope="module")
def lessons_by_stage(request):
    """{stage: {lesson test function name: its kind}}, as `make break` selects them."""
    lessons = {stage: {} for stage in STAGES}
    for node_id, kind in lesson_node_ids(request.session):
        for stage in STAGES:
            if stage in node_id:
                lessons[stage][re.search(r"::(\w+)", node_id).group(1)] = kind
    return lessons


# A collection in another process that prints each lesson's node id and kind.
COLLECT_LESSONS = """
import sys, pytest
class Print:
    def pytest_collection_finish(self, session):
        from harness import lessons  # once pytest has loaded the harness as its plugin
        for item in session.items:
            print("LESSON", item.nodeid, lessons.lesson_kind(item))
pytest.main(["--collect-only", "-q", "-m", "lesson", "tests"], plugins=[Print()])
"""


def lesson_node_ids(session):
    """(node id, kind) of every lesson test: those that SESSION collected, when it collected
    every test file and left none out (-k, -m, --deselect); else those of a collection of
    its own (seconds)."""
    options = session.config.option
    collected_files = {item.path.name for item in session.items}
    every_file = {path.name for path in (ROOT / "tests").rglob("test_*.py")}
    left_out = options.keyword or options.markexpr or options.deselect
    if collected_files == every_file and not left_out:
        return [
            (item.nodeid, lessons.lesson_kind(item))
            for item in session.items
            if item.get_closest_marker("lesson")
        ]
    collected = subprocess.run(
        [sys.executable, "-c", COLLECT_LESSONS], cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "tests")}, check=True,
    ).stdout  # fmt: skip
    return re.findall(r"^LESSON (tests/\S+) (\w+)$", collected, re.MULTILINE)


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
        assert set(each["caught_by"]) <= lessons_by_stage[stage].keys(), name
        named |= set(each["caught_by"])
    assert lessons_by_stage[stage].keys() <= named


# The kinds of lesson that each kind of break must turn red (tools/practise.py, REMOVES):
# a defence is proved by a fix lesson, a weakness shown by a weakness lesson, a trade both.
REDDENS = {"defence": {"fix"}, "weakness": {"weakness"}, "trade": {"fix", "weakness"}}


@pytest.mark.parametrize("stage", STAGES)
def test_every_break_says_what_it_removes_as_its_lessons_show(stage, lessons_by_stage):
    for name, each in practise.breaks_of(stage).items():
        kinds = {lessons_by_stage[stage][test] for test in each["caught_by"]}
        assert REDDENS[each["kind"]] <= kinds, name


@pytest.mark.parametrize("stage", STAGES)
def test_make_break_ends_with_what_each_red_lesson_means(stage, lessons_by_stage):
    for name, each in practise.breaks_of(stage).items():
        red = {test: lessons_by_stage[stage][test] for test in each["caught_by"]}
        printed = "\n".join(practise.legend(each["kind"], red))
        said = re.split(r"\n  (?=\S)", printed)  # the heading, then each red lesson
        assert practise.REMOVES[each["kind"]] in said[0], name
        for part, (test, kind) in zip(said[1:], red.items(), strict=True):
            said_claim, meaning = part.split("\n", 1)
            assert said_claim.split() == [kind, *lessons.claim(test).split()], name
            assert " ".join(meaning.split()) == practise.MEANINGS[each["kind"], kind], name


def test_every_lesson_writes_its_kind_into_the_junit_report_for_make_break():
    lesson = pytest.mark.lesson("weakness").mark
    item = SimpleNamespace(
        get_closest_marker=lambda name: lesson if name == "lesson" else None,
        fixturenames=(),
        user_properties=[],
        path=Path("test_01_missile_button.py"),
    )
    lessons.pytest_collection_modifyitems([item])
    assert item.user_properties == [("lesson", "weakness")]


def test_make_break_prints_the_meaning_of_each_red_lesson_by_its_kind(monkeypatch, capsys):
    """What `make break STAGE=06_jwt_session_backup BREAK=renew-without-looking-up-the-session`
    prints at its end, with the lessons' run replaced by its outcome: a weakness lesson and
    a fix lesson red. The kinds come from the JUnit report, as pytest writes them."""
    weakness = "test_a_token_copied_before_logout_works_at_most_ten_minutes_and_is_never_renewed"
    fix = "test_logout_everywhere_reaches_every_device_within_ten_minutes"
    report = f"""<testsuites><testsuite>
        <testcase name="{weakness}"><properties><property name="lesson" value="weakness"/>
        </properties><failure/></testcase>
        <testcase name="{fix}[sqlite]"><properties><property name="lesson" value="fix"/>
        </properties><failure/></testcase>
        <testcase name="test_a_valid_token_is_trusted_without_a_database_query"><properties>
        <property name="lesson" value="fix"/></properties></testcase>
    </testsuite></testsuites>"""

    def pytest_writes_its_report(command, **options):
        junit = next(part for part in command if part.startswith("--junitxml="))
        Path(junit.removeprefix("--junitxml=")).write_text(report)

    monkeypatch.setattr(practise.subprocess, "run", pytest_writes_its_report)
    practise.try_break("06_jwt_session_backup", "renew-without-looking-up-the-session")
    printed = capsys.readouterr().out.split("\nCaught. ", 1)[1]
    words = " ".join(printed.split())
    assert " ".join(practise.MEANINGS["defence", "weakness"].split()) in words
    assert " ".join(practise.MEANINGS["defence", "fix"].split()) in words
    assert "weakness a token copied before logout" in words
    assert "fix logout everywhere reaches every device" in words
    assert "valid token is trusted" not in words  # green: nothing to explain
    assert "FAILED" not in printed


def test_a_red_lesson_means_what_its_break_and_its_kind_say():
    """06's renew-without-looking-up-the-session removes a defence, and turns red a
    weakness lesson that also proves a limit: the weakness got worse, not fixed."""
    said = practise.MEANINGS
    assert "gone: its attack works again" in said["defence", "fix"]
    assert "worse" in said["defence", "weakness"]
    assert "attack works no more" in said["weakness", "weakness"]
    assert "the defence is not what changed" in said["weakness", "fix"]
    assert "what the break paid" in said["trade", "fix"]
    assert "what the break bought" in said["trade", "weakness"]
    renewal = practise.breaks_of("06_jwt_session_backup")["renew-without-looking-up-the-session"]
    assert renewal["kind"] == "defence"


def test_the_lessons_list_says_red_and_green_under_headings_that_fit_a_cost():
    """No FAILED under "what is still wrong" (a double negative), and 04's cost (a read
    costs one query) under a heading that speaks of a price as well as an attack."""
    report = lessons.LessonReport()
    report.lessons = {
        ("weakness", "04", "an authenticated read costs one query"): {"failed"},
        ("fix", "04", "a session ends seven days after login"): {"passed"},
    }
    printed = list(report.lines())
    assert printed == [
        f"\n{lessons.KINDS['weakness']}:",
        "  RED   04   an authenticated read costs one query",
        f"\n{lessons.KINDS['fix']}:",
        "  green 04   a session ends seven days after login",
    ]
    assert "price" in lessons.KINDS["weakness"] and "attack" in lessons.KINDS["weakness"]


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


@pytest.mark.parametrize("stage", STAGES)
def test_the_readme_says_what_its_breaks_remove_as_their_kinds_do(stage):
    """A stage whose breaks all remove a defence says so; one with a break that removes
    the weakness (or trades it) says that some do."""
    readme = (ROOT / stage / "README.md").read_text()
    break_it = readme.split("**Break it.**", 1)[1].split("\n\n", 1)[0]
    kinds = {each["kind"] for each in practise.breaks_of(stage).values()}
    says_some_remove_the_weakness = "a few the weakness instead" in break_it
    assert says_some_remove_the_weakness == (kinds != {"defence"})


@pytest.mark.parametrize("stage", STAGES)
def test_every_exercise_says_how_long_it_takes_and_asks_for_a_prediction(stage):
    for name in practise.exercises_of(stage):
        readme = (ROOT / "exercises" / stage / name / "README.md").read_text()
        opening = readme.split("\n## ", 1)[0]
        assert re.search(r"^\*\*Time:\*\* about \d+ minutes\.$", opening, re.MULTILINE), name
        check_it = readme.split("\n## Check it\n", 1)[1]
        prediction, _, _ = check_it.partition(f"make exercise STAGE={stage} EXERCISE={name}")
        assert re.search(r"\*\*Predict first:\*\* .+\?", prediction, re.DOTALL), name


def test_a_lesson_claim_keeps_its_apostrophes():
    assert lessons.claim("test_another_users_todo_is_not_found") == (
        "another user's todo is not found"
    )
    assert lessons.claim("test_another_origins_form_cannot_change_anything") == (
        "another origin's form cannot change anything"
    )
    # a plural stays a plural
    assert lessons.claim("test_logout_everywhere_cannot_exist_without_sessions_on_the_server") == (
        "logout everywhere cannot exist without sessions on the server"
    )


def test_every_lesson_claim_reads_as_a_sentence(lessons_by_stage):
    """No possessive without its apostrophe: "another users todo" is not English."""
    claims = {lessons.claim(name) for names in lessons_by_stage.values() for name in names}
    assert "another user's todo is not found" in claims
    assert "a live session's token is renewed after it expires" in claims
    assert sorted(c for c in claims if re.search(r"\banother \w+s\b|\bnobodys\b", c)) == []
