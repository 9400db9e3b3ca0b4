"""The lessons of the course: tests marked `@pytest.mark.lesson("weakness")` (the attack
works on this stage: what is still wrong) or `@pytest.mark.lesson("fix")` (the defence
this stage brings holds: the attack fails).

`make lessons` runs them with `--lessons`, which prints them at the end as two lists, one
claim a line, by stage.
"""

import re

import pytest

from harness.browser import NO_BROWSER

KINDS = {
    "weakness": "What is still wrong: the attack works on this stage",
    "fix": "What each stage fixes: the defence holds, the attack fails",
}


def pytest_addoption(parser):
    parser.addoption(
        "--lessons",
        action="store_true",
        help="end with the lessons that ran, weaknesses and fixes apart, one claim a line",
    )


def pytest_collection_modifyitems(items):
    for item in items:
        lesson_kind(item)  # a lesson that does not say its kind stops the run here


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
            claim = item.originalname.removeprefix("test_").replace("_", " ")
            self.lessons.setdefault((kind, stage, claim), set()).add(outcome)

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
                mark = "FAILED" if "failed" in outcomes else "ok    "
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
