"""The lessons of the course: tests marked `@pytest.mark.lesson("weakness")` (the attack
works on this stage: what is still wrong) or `@pytest.mark.lesson("fix")` (the defence
this stage brings holds: the attack fails).

`make lessons` runs them with `--lessons`, which prints them at the end as two lists, one
claim a line, by stage.
"""

import re

import pytest

from harness.browser import NO_BROWSER

# A test's name has no apostrophes: the claims put them back where a word is a possessive.
POSSESSIVES = {
    "another users": "another user's",
    "another origins": "another origin's",
    "another sites": "another site's",
    "a live sessions": "a live session's",
    "nobodys": "nobody's",
}

KINDS = {
    "weakness": "What is still wrong: an attack that works on the stage, or a price it pays",
    "fix": "What each stage fixes: a defence that holds (the attack fails), or a price saved",
}


def pytest_addoption(parser):
    parser.addoption(
        "--lessons",
        action="store_true",
        help="end with the lessons that ran, weaknesses and fixes apart, one claim a line",
    )


def claim(test_name):
    """The claim a lesson's name makes, as a sentence: test_another_users_todo_is_not_found
    -> "another user's todo is not found"."""
    words = f" {test_name.removeprefix('test_').replace('_', ' ')} "
    for plain, possessive in POSSESSIVES.items():
        words = words.replace(f" {plain} ", f" {possessive} ")
    return words.strip()


def pytest_collection_modifyitems(items):
    for item in items:
        # A lesson that does not say its kind stops the run here; one that does says it in
        # the JUnit report too, where `make break` reads it.
        if kind := lesson_kind(item):
            item.user_properties.append(("lesson", kind))


def lesson_kind(item):
    """'weakness' or 'fix' for a lesson test, None for any other test."""
    marker = item.get_closest_marker("lesson")
    if marker is None:
        return None
    if marker.args not in {("weakness",), ("fix",)}:
        raise pytest.UsageError(
            f'{item.nodeid}: write @pytest.mark.lesson("weakness") or @pytest.mark.lesson("fix")'
        )
    return marker.args[0]


class LessonReport:
    """Collects the outcome of each lesson (its parametrized runs together)."""

    def __init__(self):
        self.lessons = {}  # (kind, stage, claim) -> set of outcomes
        self.skipped = {}  # reason -> how many runs were skipped for it

    def add(self, item, outcome):
        if kind := lesson_kind(item):
            # A lesson of several stages (parametrized by stage_name) counts for each.
            params = item.callspec.params if hasattr(item, "callspec") else {}
            source = params.get("stage_name", item.path.stem.removeprefix("test_"))
            stage = re.sub(r"(\d\d(?:_\d)?).*", r"\1", source)
            said = claim(item.originalname)
            self.lessons.setdefault((kind, stage, said), set()).add(outcome)

    def skip(self, report):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else "skipped"
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    def lines(self):
        for kind, title in KINDS.items():
            yield f"\n{title}:"
            shown = [
                (stage, claim, outcomes)
                for (each_kind, stage, claim), outcomes in sorted(self.lessons.items())
                if each_kind == kind and outcomes != {"skipped"}
            ]
            for stage, claim, outcomes in shown:
                mark = "RED  " if "failed" in outcomes else "green"  # the test, not the claim
                yield f"  {mark} {stage:<4} {claim}"
            if not shown:
                yield "  (none among the lessons that ran)"
        for reason, count in self.skipped.items():
            if NO_BROWSER in reason:  # browser.py names those lessons on a line of its own
                continue
            yield f"\n{count} runs skipped: {reason.removeprefix('Skipped: ')}"


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    if config.getoption("lessons"):
        config.stash[report_key] = LessonReport()


report_key = pytest.StashKey[LessonReport]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    lessons = item.config.stash.get(report_key, None)
    if lessons is not None and (report.when == "call" or not report.passed):
        lessons.add(item, report.outcome)
        if report.skipped and lesson_kind(item):
            lessons.skip(report)
    return report


def pytest_terminal_summary(terminalreporter, config):
    if (lessons := config.stash.get(report_key, None)) is not None:
        for line in lessons.lines():
            terminalreporter.write_line(line)
