"""Which Chromium the tests drive, the browser itself (one per test process), and a pool
of tabs used again from test to test.

The browser: $CHROMIUM if set; else the light headless shell (`chromium-headless-shell`,
Debian's package), about a quarter of full Chromium's work per tab; else Debian's
`chromium`; else Playwright's own download (`make browser`). Nothing here downloads.

`make test` and CI fail loudly when no browser starts. Only the learner's loops (`make
lessons`, `make break`, `make exercise`) pass `--skip-browser-if-none`: where no browser is
found, the browser tests are skipped with NO_BROWSER as their reason, and one line names
the lessons that did not run.
"""

import collections
import functools
import os
import shutil

import pytest

from harness.live_server import BETWEEN_TESTS

NO_BROWSER = "no browser for the tests on this machine (make browser installs one)"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path():
    """$CHROMIUM, the headless shell or Debian's chromium; None: Playwright's own."""
    return (
        os.environ.get("CHROMIUM")
        or shutil.which("chromium-headless-shell")
        or shutil.which("chromium")
    )


def launch(playwright):
    return playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)


@functools.cache
def browser_starts():
    """Whether a browser is here: one on the PATH (or $CHROMIUM), or else Playwright's own
    starts (tried only by the learner's loops)."""
    if chromium_path():
        return True
    # Imported here: tests without a browser run even where Playwright is not set up.
    from playwright.sync_api import Error, sync_playwright

    try:
        with sync_playwright() as playwright:
            launch(playwright).close()
    except Error:
        return False
    return True


def pytest_addoption(parser):
    parser.addoption(
        "--skip-browser-if-none",
        action="store_true",
        help="skip the browser tests where no browser starts (the learner's loops only)",
    )


def pytest_collection_modifyitems(config, items):
    if not config.getoption("skip_browser_if_none"):
        return
    in_browser = [item for item in items if item.get_closest_marker("browser")]
    if in_browser and not browser_starts():
        for item in in_browser:
            item.add_marker(pytest.mark.skip(reason=NO_BROWSER))


def pytest_terminal_summary(terminalreporter):
    """One line: the tests that a missing browser kept from running, and why."""
    skipped = terminalreporter.stats.get("skipped", [])
    names = sorted(
        {
            report.nodeid.split("::")[-1].split("[")[0]
            for report in skipped
            if isinstance(report.longrepr, tuple) and NO_BROWSER in report.longrepr[2]
        }
    )
    if names:
        terminalreporter.write_line(f"Not run, {NO_BROWSER}: {', '.join(names)}")


@pytest.fixture(scope="session")
def browser():
    # Imported here: tests without a browser run even where Playwright is not set up.
    # Where no browser starts, the browser tests fail loudly: they are never skipped.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def tabs(browser, http_server):
    tabs = Tabs(browser, base_url=http_server.url)
    yield tabs
    tabs.close()


class Tabs:
    """Browser tabs kept open from test to test, each in a browser profile of its own (a
    Playwright context): opening a tab costs Chromium a quarter of a second of work, and
    every browser test opens one or more. A tab is emptied before it is handed out again:
    its page, its profile's cookies and the stage's storage (local and session)."""

    def __init__(self, browser, base_url):
        self.browser, self.base_url = browser, base_url
        self.free = collections.defaultdict(list)  # {context options: [tabs]}
        self.page_errors = {}  # {tab: the JavaScript errors on it since it was handed out}

    def take(self, **options):
        key = repr(sorted(options.items()))
        if self.free[key]:
            page = self.free[key].pop()
        else:
            page = self.browser.new_context(base_url=self.base_url, **options).new_page()
            page.on("pageerror", lambda error: self.page_errors[page].append(error))
        self.page_errors[page] = []
        return page, key

    def give_back(self, page, key):
        """Empty PAGE's tab and keep it for the next test that asks for one like it."""
        try:
            page.unroute_all(behavior="ignoreErrors")
            page.goto(BETWEEN_TESTS)  # the page's scripts and timers stop here
            page.evaluate("localStorage.clear(); sessionStorage.clear()")
            for other in page.context.pages[1:]:  # windows that the page opened
                other.close()
            page.context.clear_cookies()
        except Exception:  # a tab that cannot be emptied is closed instead
            page.context.close()
            raise
        self.free[key].append(page)

    def close(self):
        for pages in self.free.values():
            for page in pages:
                page.context.close()
