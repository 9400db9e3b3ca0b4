"""The skip summary: a PostgreSQL test skipped for want of a database is reported at this
file rather than at the test, so that the summary (`-rs`) folds them all into one line
with their number, instead of a line for each."""

import pytest

from harness.postgresql import POSTGRESQL_SKIP


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.skipped and isinstance(report.longrepr, tuple):
        reason = report.longrepr[2].removeprefix("Skipped: ")
        if reason.startswith(POSTGRESQL_SKIP):
            report.longrepr = (__file__, None, reason)
    return report
