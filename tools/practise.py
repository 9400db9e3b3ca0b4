"""Practise on the stages (see exercises/README.md).

Break it: weaken one defence of a stage in a scratch copy (your files are never touched)
and watch the lesson tests that guard it go red. Your turn: build a small piece of a
stage in its own folder and watch the exercise's tests go from red to green.

  python tools/practise.py lessons STAGE           run the stage's lessons (make lessons STAGE=)
  python tools/practise.py break STAGE             list the stage's breaks
  python tools/practise.py break STAGE NAME        break a copy of the stage, run its lessons
  python tools/practise.py serve STAGE NAME        serve a broken copy with `flask run`, live
  python tools/practise.py breaks                  run every break (CI): each must be caught,
                                                   and each lesson must be made red by one
  python tools/practise.py exercise STAGE          list the stage's exercises
  python tools/practise.py exercise STAGE NAME     run the exercise's tests on your stage folder
  python tools/practise.py exercises               prove every exercise (CI): red on the stage
                                                   as shipped, green with its answer applied
"""

import contextlib
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = ROOT / "exercises"
TESTS = ROOT / "tests"
sys.path.insert(0, str(TESTS))
from harness.lessons import claim  # noqa: E402 (a lesson's words, as make lessons prints them)

# --- Break it -------------------------------------------------------------------------


def breaks_of(stage):
    """{name: {"removes": ..., "kind": ..., "caught_by": [...], "edits": [...]}} from
    breaks.toml. A break's kind says what it removes: "defence" (one the stage brings),
    "weakness" (what the stage leaves wrong, with the next stage's idea in small) or
    "trade" (the weakness, at the price of a defence or a saving)."""
    path = EXERCISES / stage / "breaks.toml"
    if not path.is_file():
        sys.exit(f"No breaks for {stage!r}: there is no {path.relative_to(ROOT)}.")
    with path.open("rb") as file:
        return tomllib.load(file)


def list_breaks(stage):
    """Each break and what it removes; which lessons catch it is for the learner to guess."""
    print(f"Breaks of {stage}: make break STAGE={stage} BREAK=<name>\n")
    for name, each in breaks_of(stage).items():
        print(f"  {name}\n      removes {each['removes']}\n")


def copy_stage(stage, scratch):
    """Copy the stage's folder into SCRATCH, leaving out what is made when it runs."""
    ignore = shutil.ignore_patterns("__pycache__", "instance", "node_modules")
    shutil.copytree(ROOT / stage, scratch / stage, ignore=ignore)


def apply_break(stage, name, scratch, show=False):
    """Make the break's edits in the copy at SCRATCH/STAGE; each edit's text must be
    found exactly once, so that a break never silently stops applying."""
    for edit in breaks_of(stage)[name]["edits"]:
        path = scratch / stage / edit["file"]
        before = path.read_text()
        if before.count(edit["find"]) != 1:
            sys.exit(
                f"Break {name!r} of {stage}: its text is not found exactly once in "
                f"{edit['file']} (the stage changed?). Fix exercises/{stage}/breaks.toml."
            )
        after = before.replace(edit["find"], edit["replace"])
        path.write_text(after)
        if show:
            label = f"{stage}/{edit['file']}"
            lines = difflib.unified_diff(
                before.splitlines(True), after.splitlines(True), label, label + " (broken)"
            )
            sys.stdout.writelines(lines)


def lesson_files(stage):
    """The test files that hold the stage's lessons: its own, and those of every stage."""
    return [
        str(path.relative_to(ROOT))
        for path in sorted(TESTS.rglob("test_*.py"))
        if re.search(r"^@pytest\.mark\.lesson\(", path.read_text(), flags=re.MULTILINE)
        and (path.name.startswith(f"test_{stage}") or not path.name[5:7].isdigit())
    ]


def run_lessons(stage, scratch, quiet):
    """Run the stage's lesson tests on the copy in SCRATCH (None: the stage itself).
    Returns (the lessons that ran, the lessons that failed, {lesson: its kind}), by test
    function name."""
    # A failure in one line, without the server's log it captured: the break's diff,
    # printed above, stays in view in a projected terminal.
    command = ["-m", "lesson", "-k", stage, "--lessons", "-q", "-rN", "--tb=line"]
    command += ["--show-capture=no"]
    return run_pytest(lesson_files(stage) + command, scratch, quiet)


def run_pytest(arguments, scratch, quiet):
    """Run pytest on the stages in SCRATCH (None: the repository's own). Returns the names
    of the tests that ran and of those that failed, parameters left out, and the kind of
    each lesson among them (tests/lessons.py)."""
    report = Path(tempfile.mkdtemp()) / "report.xml"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), str(ROOT)])}
    env.pop("PYTEST_ADDOPTS", None)
    if scratch is not None:
        env["COURSE_STAGES_DIR"] = str(scratch)
    # Hypothesis's pytest plugin imports all of Hypothesis at the end of a run (most of a
    # second) even where no test uses it; a lesson written with @given runs as well without.
    command = [sys.executable, "-m", "pytest", "-p", "no:hypothesispytest", *arguments]
    command.append(f"--junitxml={report}")
    if not quiet:  # a learner's loop: with no browser here, the other lessons still run
        command.append("--skip-browser-if-none")
    output = subprocess.DEVNULL if quiet else None
    sys.stdout.flush()  # what this tool printed goes first, also into a pipe (| less)
    subprocess.run(command, cwd=ROOT, env=env, stdout=output, stderr=output)
    ran, failed, kinds = set(), set(), {}
    for case in ET.parse(report).getroot().iter("testcase"):
        name = case.get("name").split("[")[0]
        if case.find("skipped") is None:
            ran.add(name)
        if case.find("failure") is not None or case.find("error") is not None:
            failed.add(name)
        for each in case.iter("property"):
            if each.get("name") == "lesson":
                kinds[name] = each.get("value")
    shutil.rmtree(report.parent)
    return ran, failed, kinds


def show_lessons(stage):
    """What `make lessons STAGE=...` runs: only the files that hold the stage's lessons."""
    _, failed, _ = run_lessons(stage, None, quiet=False)
    if failed:
        sys.exit(1)


def try_break(stage, name):
    """What a learner runs: break a copy, show the change, run the lessons, say the result."""
    each = breaks_of(stage).get(name) or sys.exit(f"{stage} has no break {name!r}.")
    with tempfile.TemporaryDirectory(prefix="practise-") as folder:
        scratch = Path(folder)
        copy_stage(stage, scratch)
        print(f"Breaking a copy of {stage} in {scratch} (your files are not touched).")
        print(f"The break removes {each['removes']}:\n")
        apply_break(stage, name, scratch, show=True)
        print(f"\nRunning the lessons of {stage} on the broken copy:\n")
        ran, failed, kinds = run_lessons(stage, scratch, quiet=False)
    missed = [test for test in each["caught_by"] if test in ran and test not in failed]
    if missed:
        sys.exit(f"\nNOT CAUGHT: {', '.join(missed)} stayed green.")
    if not any(test in ran for test in each["caught_by"]):
        sys.exit("\nNot caught here: the lessons that catch it need a browser (make browser).")
    print()
    for line in legend(each["kind"], {test: kinds[test] for test in sorted(failed)}):
        print(line)


# What a red lesson means: (the kind of the break, the kind of the lesson that went red).
MEANINGS = {
    ("defence", "fix"): "what this lesson proves is gone: its attack works again, or its price"
    " is paid again.",
    ("defence", "weakness"): "this lesson shows the weakness and the limit the stage still puts"
    " on it (how long a copy works, say); the break took the limit away, so the weakness is"
    " now worse than the lesson says.",
    ("weakness", "weakness"): "the break removed what this lesson shows is still wrong: its"
    " attack works no more, or its price is no longer paid.",
    ("weakness", "fix"): "this lesson's attack starts from the weakness the break removed (a"
    " secret to steal, say), so it cannot even begin: the defence is not what changed.",
    ("trade", "fix"): "what this lesson proves is gone (a defence, or a price saved): what the"
    " break paid.",
    ("trade", "weakness"): "what this lesson shows is still wrong is gone: its attack works no"
    " more, or its price is no longer paid: what the break bought.",
}
REMOVES = {
    "defence": "a defence of the stage (or a price it saves)",
    "weakness": "the stage's weakness, with the next stage's idea in small",
    "trade": "the weakness, and pays for it with a defence or a saving",
}


def legend(break_kind, red):
    """The lines `make break` ends with: what the break removed, and what each lesson it
    turned red means. RED is {test name: its lesson kind}."""
    yield f"Caught. The break removes {REMOVES[break_kind]}."
    yield "What each red lesson means:"
    for test, kind in red.items():
        yield f"  {kind:<8} {claim(test)}"
        yield from textwrap.wrap(
            MEANINGS[break_kind, kind], 88, initial_indent=" " * 11, subsequent_indent=" " * 11
        )


def serve_broken(stage, name):
    """Serve a broken copy of the stage, as `make run` serves the stage, for a live demo."""
    breaks_of(stage).get(name) or sys.exit(f"{stage} has no break {name!r}.")
    with tempfile.TemporaryDirectory(prefix="practise-") as folder:
        copy_stage(stage, Path(folder))
        apply_break(stage, name, Path(folder), show=True)
        print(f"\nServing the broken copy in {folder}: Ctrl-C stops it and deletes the copy.")
        sys.stdout.flush()  # the diff above, before the server's own lines
        flask = [sys.executable, "-m", "flask", "--app", stage]
        if stage == "01_missile_button":  # as `make run` does: a token to open the page with
            subprocess.run([*flask, "create-token", "demo"], cwd=folder, check=True)
        with contextlib.suppress(KeyboardInterrupt):
            subprocess.run([*flask, "run"], cwd=folder)


def check_all_breaks():
    """Every break is caught by the tests it names, and every lesson is made red by at
    least one break."""
    problems = []
    for stage in sorted(path.parent.name for path in EXERCISES.glob("*/breaks.toml")):
        lessons, reddened = set(), set()
        for name, each in breaks_of(stage).items():
            with tempfile.TemporaryDirectory(prefix="practise-") as folder:
                copy_stage(stage, Path(folder))
                apply_break(stage, name, Path(folder))
                ran, failed, _ = run_lessons(stage, Path(folder), quiet=True)
            lessons |= ran
            reddened |= failed
            missed = [test for test in each["caught_by"] if test not in failed]
            print(f"{stage} {name}: {'NOT CAUGHT: ' + ', '.join(missed) if missed else 'caught'}")
            problems += [f"{stage} {name}: {test} stayed green" for test in missed]
        problems += [f"{stage}: no break makes {test} red" for test in sorted(lessons - reddened)]
    finish(problems, "every break is caught, and every lesson is made red by a break")


# --- Your turn ------------------------------------------------------------------------


def exercises_of(stage):
    return sorted(readme.parent.name for readme in (EXERCISES / stage).glob("*/README.md"))


def list_exercises(stage):
    print(f"Exercises of {stage}: make exercise STAGE={stage} EXERCISE=<name>\n")
    for name in exercises_of(stage):
        title = (EXERCISES / stage / name / "README.md").read_text().splitlines()[0]
        print(f"  {name:<28} {title.lstrip('# ')}")


def exercise_tests(stage, name):
    folder = EXERCISES / stage / name
    if not (folder / "README.md").is_file():
        sys.exit(f"{stage} has no exercise {name!r}: see make exercise STAGE={stage}")
    return ["-p", "conftest", str(folder.relative_to(ROOT)), "-rN"]


def try_exercise(stage, name):
    """What a learner runs: the exercise's tests, on their own stage folder."""
    # One line a test, without pytest's line about the report file that this tool reads.
    verbose = ["-q", "-o", "verbosity_test_cases=2", "--tb=short", "--show-capture=no"]
    _, failed, _ = run_pytest([*exercise_tests(stage, name), *verbose], None, False)
    folder = f"exercises/{stage}/{name}"
    if failed:
        sys.exit(f"\nNot yet: the task is in {folder}/README.md; stuck? {folder}/answer.patch")
    print(f"\nDone: every test of {name} passes. `git diff {stage}` shows your work.")


def check_all_exercises():
    """Every exercise's tests fail on the stage as shipped and pass with its answer."""
    problems = []
    for readme in sorted(EXERCISES.glob("*/*/README.md")):
        stage, name = readme.parent.parent.name, readme.parent.name
        _, failed_as_shipped, _ = run_pytest(exercise_tests(stage, name), None, quiet=True)
        with tempfile.TemporaryDirectory(prefix="practise-") as folder:
            copy_stage(stage, Path(folder))
            answer = readme.parent / "answer.patch"
            if subprocess.run(["git", "apply", str(answer)], cwd=folder).returncode != 0:
                problems.append(f"{stage} {name}: its answer.patch no longer applies")
                continue
            ran, failed, _ = run_pytest(exercise_tests(stage, name), Path(folder), quiet=True)
        if not failed_as_shipped:
            problems.append(f"{stage} {name}: its tests pass on the stage as shipped")
        if failed or not ran:
            problems.append(
                f"{stage} {name}: with the answer, {sorted(failed) or 'nothing'} failed"
            )
        green = bool(ran) and not failed
        print(f"{stage} {name}: red as shipped {bool(failed_as_shipped)}, green answer {green}")
    finish(problems, "every exercise is red as shipped and green with its answer")


def finish(problems, success):
    if problems:
        sys.exit("\n".join(["", *problems]))
    print(f"\nOK: {success}.")


COMMANDS = {
    ("lessons", 1): show_lessons,
    ("break", 1): list_breaks,
    ("break", 2): try_break,
    ("serve", 2): serve_broken,
    ("breaks", 0): check_all_breaks,
    ("exercise", 1): list_exercises,
    ("exercise", 2): try_exercise,
    ("exercises", 0): check_all_exercises,
}

if __name__ == "__main__":
    command = COMMANDS.get((sys.argv[1] if len(sys.argv) > 1 else "", len(sys.argv) - 2))
    if command is None:
        sys.exit(__doc__)
    command(*sys.argv[2:])
