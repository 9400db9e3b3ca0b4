"""The one test harness of the course: every fixture here serves every stage.

A stage's test module names its stage (`STAGE = "04_session_cookies"`); contract tests
parametrize `stage_name` over every stage folder instead.
"""

import collections
import contextlib
import importlib
import itertools
import os
import re
import shutil
import subprocess
import sys
import threading
from datetime import datetime, timezone
from pathlib import Path

import auth_actions
import lessons
import postgresql_server
import pytest
import time_machine
from lessons import pytest_addoption, pytest_configure, pytest_terminal_summary  # noqa: F401
from sqlalchemy import MetaData, create_engine
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
# A folder of stage copies to test instead of the repository's own (tools/practise.py sets
# it to the scratch folder where it broke a stage, or applied an exercise's answer).
STAGES_DIR = Path(os.environ.get("COURSE_STAGES_DIR") or ROOT).resolve()
if STAGES_DIR != ROOT:
    sys.path.insert(0, str(STAGES_DIR))
STAGES = sorted(
    path.name
    for path in ROOT.iterdir()
    if re.fullmatch(r"\d\d_\w+", path.name) and (path / "__init__.py").is_file()
)
# SQLite waits for the disk at every commit, and the tests commit thousands of times (half
# the time of some files): their temporary folders go to memory where Linux has a
# memory-backed folder with room (PYTEST_DEBUG_TEMPROOT is pytest's own setting for this).
MEMORY_FOLDER = Path("/dev/shm")  # noqa: S108 (pytest makes its own folders in it)
if os.access(MEMORY_FOLDER, os.W_OK) and shutil.disk_usage(MEMORY_FOLDER).free > 2**30:
    os.environ.setdefault("PYTEST_DEBUG_TEMPROOT", str(MEMORY_FOLDER))
TEST_PASSWORD = auth_actions.TEST_PASSWORD
# Werkzeug's scrypt with a small cost (under a millisecond, where the tests hash thousands
# of passwords): the stages' real default is far slower on purpose.
CHEAP_HASH_METHOD = "scrypt:128:8:1"


def pytest_collection_modifyitems(items):
    """Every test that drives a real browser is marked `browser` (and says so in the
    JUnit report, where CI checks that browser tests ran). Every lesson says its kind (in
    the JUnit report too, where `make break` reads it). The slow tests run first (see
    runs_long)."""
    for item in items:
        if kind := lessons.lesson_kind(item):
            item.user_properties.append(("lesson", kind))
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
            item.user_properties.append(("browser", "true"))
    # `pytest -n` hands out the tests in this order, and a worker that runs out takes
    # some of another's: a slow test left to the end would keep one worker busy alone.
    items.sort(key=lambda item: not runs_long(item))  # stable: otherwise in file order


# Modules whose every test starts servers in other processes (a module fixture of
# test_deploy.py starts them once for all its tests: they stay together).
SLOW_MODULES = {"test_deploy.py", "test_load.py", "test_class_demos.py"}


def runs_long(item):
    """A test that drives a browser or starts a server in another process: seconds each,
    where most tests take milliseconds."""
    fixtures = getattr(item, "fixturenames", ())
    return "browser" in fixtures or "gunicorn_server" in fixtures or item.path.name in SLOW_MODULES


# --- A stage and its app --------------------------------------------------------------


def stage_folder(stage_name):
    """Where the stage is loaded from: its copy in STAGES_DIR if there is one."""
    copy = STAGES_DIR / stage_name
    return copy if copy.is_dir() else ROOT / stage_name


@pytest.fixture
def stage_name(request):
    return request.module.STAGE


@pytest.fixture
def stage(stage_name):
    """The stage's package, loaded by folder name, as `flask --app NAME` does."""
    return importlib.import_module(stage_name)


@pytest.fixture
def app_config(tmp_path):
    """What every test app gets: its own database and files, a fixed secret."""
    return {
        "TESTING": True,
        "SECRET_KEY": "a test secret key, not for production, long enough for HS512 too",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'test.sqlite'}",
        "TODO_FILE": str(tmp_path / "todos.txt"),
        "PASSWORD_HASH_METHOD": CHEAP_HASH_METHOD,
    }


@pytest.fixture
def app(stage, app_config, tmp_path_factory):
    copy_first_database(stage, app_config, tmp_path_factory)
    app = stage.create_app(app_config)
    yield app
    close_databases(app)


def close_databases(app):
    if "sqlalchemy" in app.extensions:  # close its database connections
        with app.app_context():
            for engine in app.extensions["sqlalchemy"].engines.values():
                engine.dispose()


# {stage name: the SQLite file that the stage's first start made}, one per test session.
first_databases = {}


def copy_first_database(stage, config, tmp_path_factory):
    """Put in the test's place the SQLite database that the stage makes when it starts on
    no database at all, made once by create_app itself and copied for each test: quicker
    than making the tables again (07 and 08 run their migrations). The app then starts on
    it as on a database that it made earlier. Nothing is copied for a database that the
    test has made already, nor for a stage that makes no SQLite file."""
    uri = config.get("SQLALCHEMY_DATABASE_URI", "")
    path = Path(uri.removeprefix("sqlite:///"))
    if not uri.startswith("sqlite:///") or not path.is_absolute() or path.exists():
        return
    if stage.__name__ not in first_databases:
        folder = tmp_path_factory.mktemp("first-start")
        first = folder / "first.sqlite"
        first_config = {
            **config,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{first}",
            "TODO_FILE": str(folder / "todos.txt"),
        }
        close_databases(stage.create_app(first_config))
        first_databases[stage.__name__] = first
    if first_databases[stage.__name__].exists():
        shutil.copyfile(first_databases[stage.__name__], path)


# The start of the reason every PostgreSQL test skips with when there is no database.
POSTGRESQL_SKIP = "PostgreSQL tests"


@pytest.fixture(scope="session")
def postgresql_database():
    """The PostgreSQL database of the tests: the one $TEST_POSTGRESQL_URL names (.ci/run sets
    it), or else a throwaway server's, started for this test session where PostgreSQL is
    installed and the tests do not run as root (each worker of `pytest -n` starts its own).
    Without either, every PostgreSQL test skips, and the summary says so in one line."""
    if url := os.environ.get("TEST_POSTGRESQL_URL"):
        yield url
        return
    how = "or set TEST_POSTGRESQL_URL=postgresql+psycopg://user:pw@host/db"
    if reason := postgresql_server.why_not():
        pytest.skip(f"{POSTGRESQL_SKIP}: {reason}, {how}")
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(postgresql_server.throwaway_server())
        except (RuntimeError, OSError) as error:
            pytest.skip(f"{POSTGRESQL_SKIP}: the throwaway server did not start ({error}), {how}")
        yield url


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A PostgreSQL test skipped for want of a database is reported at this file rather
    than at the test, so that the summary (`-rs`) folds them all into one line with their
    number, instead of a line for each."""
    report = yield
    lessons.record(item, report)
    if report.skipped and isinstance(report.longrepr, tuple):
        reason = report.longrepr[2].removeprefix("Skipped: ")
        if reason.startswith(POSTGRESQL_SKIP):
            report.longrepr = (__file__, None, reason)
    return report


@pytest.fixture(scope="session")
def postgresql_engine(postgresql_database):
    """One connection pool to the database of the tests, kept for the whole session: a new
    connection for each test costs more than the cleaning it is for."""
    engine = create_engine(postgresql_database)
    yield engine
    engine.dispose()


@pytest.fixture
def postgresql_url(postgresql_database, postgresql_engine, stage_name):
    """An empty PostgreSQL database for the stage, in the database of the tests (see
    postgresql_database). Each stage, and each worker of `pytest -n`, gets a schema of its
    own, whose tables are emptied for every test (quicker than making them again)."""
    schema = f"stage{stage_name[:2]}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    with postgresql_engine.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        connection.exec_driver_sql(f"SET LOCAL search_path TO {schema}")  # until the commit
        empty_tables(connection)
    url = postgresql_database
    return url + f"{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


def empty_tables(connection):
    """Delete every row of every table of the connection's current schema; ids start
    again at 1."""
    tables = connection.exec_driver_sql(
        "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = current_schema()"
    ).scalars()
    if names := ", ".join(tables):
        connection.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


def empty_database(url):
    """Drop every table of the database at URL."""
    engine = create_engine(url)
    try:
        tables = MetaData()
        tables.reflect(engine)
        tables.drop_all(engine)
    finally:
        engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def auth(stage_name, client):
    """Log the test client in as the stage's page does: `auth.register("alice")`,
    `auth.login("alice")`, `auth.logout()` (see auth_actions.py)."""
    actions = auth_actions.for_stage(stage_name)
    if actions is None:
        pytest.fail(f"{stage_name} has no users to log in")
    return actions(client)


@pytest.fixture
def logged_in_client(stage_name, client):
    """A client the stage knows as a user: it sends what that stage needs on every
    request (a Bearer header, or cookies and the CSRF header). Stages without users
    get a plain client."""
    if auth_actions.for_stage(stage_name) is not None:
        log_in(client, "tester")
    return client


@pytest.fixture
def alice(app):
    """A client of its own, logged in as alice (a new user in stages 03 to 07, an admin
    in 08)."""
    client = app.test_client()
    log_in(client, "alice")
    return client


@pytest.fixture
def bob(app):
    """Another user's client, for the attacks of one user on another."""
    client = app.test_client()
    log_in(client, "bob")
    return client


def log_in(client, username, password=TEST_PASSWORD, role="admin"):
    """Make the user USERNAME (in stage 08 with ROLE) unless it exists, then log the
    client in as the stage's page does."""
    auth = auth_actions.for_stage(client.application.name)(client)
    auth.register(username, password, role=role)
    response = auth.login(username, password)
    assert response.status_code == 200, response.get_json()
    return response


# --- Routes, for the tests that walk every route of a stage -----------------------------

WRITE_METHODS = {"POST", "PUT", "PATCH"}
# Bodies that create an object in one stage or another, so that routes with an id have
# a real object to work on and get as far as reading the body.
SAMPLE_BODIES = [
    {"title": "sample"},
    {"text": "sample"},
    {"sku": "SAMPLE", "name": "sample", "price_cents": 100, "quantity": 10},
]
user_numbers = itertools.count()


def api_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")]


def api_urls(app):
    """{route: allowed methods} for every /api/ route."""
    routes = {}
    for rule in api_rules(app):
        routes[rule.rule] = routes.get(rule.rule, set()) | rule.methods
    return routes


def write_routes(app):
    return [
        (method, route)
        for route, methods in api_urls(app).items()
        for method in sorted(methods & WRITE_METHODS)
    ]


def concrete_url(client, route):
    """ROUTE with its path parameter filled in: /api/todos/<id:todo_id> becomes
    /api/todos/<the id of a todo this client owns>, made with a sample body if needed."""
    collection, rest = re.fullmatch(r"([^<]*)(?:/<[^>]+>(.*))?", route).groups()
    if rest is None:
        return route
    items = client.get(collection).get_json(silent=True)
    for body in SAMPLE_BODIES:
        if not items:
            client.post(collection, json=body)
            items = client.get(collection).get_json(silent=True)
    if not isinstance(items, list) or not items:
        return f"{collection}/1{rest}"
    first = items[0]
    return f"{collection}/{first['id'] if isinstance(first, dict) else 0}{rest}"


def new_user_client(app):
    """A client logged in as a user of its own (where the stage has users), so that a
    route which logs out ends no other test's session."""
    client = app.test_client()
    if auth_actions.for_stage(app.name) is not None:
        log_in(client, f"user{next(user_numbers)}")
    return client


def assert_json_client_error(response):
    assert response.status_code < 500, response.get_data(as_text=True)
    if response.status_code == 204:
        return
    assert response.is_json, response.get_data(as_text=True)
    if response.status_code >= 400:
        assert isinstance(response.get_json().get("error"), str)


# --- Time ------------------------------------------------------------------------------


@pytest.fixture
def clock():
    """Time stands still until the test moves it: `clock.shift(timedelta(days=7))`.
    It starts at the real now, so what was made before the test is not in the future."""
    with time_machine.travel(datetime.now(timezone.utc), tick=False) as traveller:
        yield traveller


# --- A real server and a real browser --------------------------------------------------


@pytest.fixture(scope="session")
def http_server():
    """A real HTTP server in a thread, on a free port, for the whole session: each test
    that needs one hands it its app (see live_server). One address for every test lets
    the browser's tabs be used again from test to test (see Tabs)."""
    current = CurrentApp()
    server = make_server("127.0.0.1", 0, current, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield current, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    server.server_close()


class CurrentApp:
    """A WSGI app that hands each request to the app of the test running now; it answers
    BETWEEN_TESTS itself, with an empty page, where Tabs empties a tab's storage."""

    app = None

    def __call__(self, environ, start_response):
        if environ["PATH_INFO"] == BETWEEN_TESTS:
            start_response("200 OK", [("Content-Type", "text/html")])
            return [b"<!doctype html><title>Between tests</title>"]
        if self.app is None:  # between tests: what a page sends late reaches no test's app
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"No test is running."]
        return self.app(environ, start_response)


BETWEEN_TESTS = "/between-tests"


@pytest.fixture
def live_server(app, http_server):
    """The app served by a real HTTP server: its address, http://127.0.0.1:PORT."""
    current, url = http_server
    current.app = whole_responses(app)
    yield url
    current.app = None


def whole_responses(app):
    """APP, with each response read whole and closed before it is sent. Werkzeug's
    development server skips closing a response when the browser hangs up half way (a
    page that moves on while its scripts load), and the file left open then warns, and
    fails, in whichever test runs next."""

    def wsgi_app(environ, start_response):
        response = app(environ, start_response)
        try:
            return [b"".join(response)]
        finally:
            if hasattr(response, "close"):
                response.close()

    return wsgi_app


@pytest.fixture
def gunicorn_server(stage_name, tmp_path):
    """Start the stage under gunicorn with two worker processes, as its README runs it:
    `server = gunicorn_server(database_url)`, then `server.url`. Stopped after the test,
    which fails if a worker process crashed. (The test's folder, where its database may
    be, is removed only after the server stops.)"""
    servers = []

    def start(database_url):
        server = GunicornServer(stage_name, database_url)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
        assert not any("Exception in worker" in line for line in server.log), "".join(server.log)


class GunicornServer:
    """`gunicorn -w WORKERS STAGE_NAME:create_app()` on a free port, started in FOLDER (the
    folder that holds the stage), with SETTINGS added to its environment."""

    secret_key = "a key for the gunicorn tests, 32 bytes or more"

    def __init__(self, stage_name, database_url, workers=2, folder=None, settings=None):
        env = {
            **os.environ,
            "FLASK_SQLALCHEMY_DATABASE_URI": database_url,
            "FLASK_SECRET_KEY": self.secret_key,
            "FLASK_PASSWORD_HASH_METHOD": CHEAP_HASH_METHOD,
            **(settings or {}),
        }
        # No control socket: its default path is one for every gunicorn on the machine.
        command = ["-m", "gunicorn", "-w", str(workers), "-b", "127.0.0.1:0", "--no-control-socket"]
        self.process = subprocess.Popen(
            [sys.executable, *command, f"{stage_name}:create_app()"],
            cwd=folder or stage_folder(stage_name).parent,
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.log = []
        for line in self.process.stderr:  # it says where it listens once the socket is open
            self.log.append(line)
            if match := re.search(r"Listening at: (http://\S+)", line):
                break
        else:
            raise RuntimeError("gunicorn did not start:\n" + "".join(self.log))
        self.url = match.group(1)
        self.reader = threading.Thread(target=lambda: self.log.extend(self.process.stderr))
        self.reader.start()

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)
        self.reader.join()
        self.process.stderr.close()


def chromium_path():
    """Debian's Chromium where installed (or $CHROMIUM); else Playwright's own browser,
    which `playwright install chromium` downloads on a laptop."""
    return os.environ.get("CHROMIUM") or shutil.which("chromium")


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    # Imported here so that the tests without a browser run even where Playwright is not
    # set up. Where it is missing, browser tests fail loudly: they are never skipped.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def tabs(browser, http_server):
    tabs = Tabs(browser, base_url=http_server[1])
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


@pytest.fixture
def new_page(tabs, live_server):
    """Another browser profile with its own cookies, as on a second device:
    `phone = new_page()`, or with Playwright's context options. A JavaScript error on one
    of its pages fails the test."""
    taken = []

    def open_page(**options):
        page, key = tabs.take(**options)
        taken.append((page, key))
        return page

    yield open_page
    errors = [error for page, _ in taken for error in tabs.page_errors[page]]
    for page, key in taken:
        tabs.give_back(page, key)
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def page(new_page):
    """A browser tab with an empty profile (no cookies, empty storage), which opens the live
    server's pages by path: `page.goto("/")`. It is used again by later tests (see Tabs):
    a test that changes it for good (a fake clock, an init script, a listener) takes
    own_page instead."""
    return new_page()


@pytest.fixture
def own_page(browser, live_server):
    """A tab of its own, in a new browser profile, closed after the test."""
    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    page_errors = []
    page.on("pageerror", lambda error: page_errors.append(error))
    yield page
    context.close()
    assert not page_errors, f"JavaScript errors on the page: {page_errors}"
