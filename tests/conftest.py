"""The fixtures a test of any stage uses, as in flaskr's tests/conftest.py.

A stage's test file names its stage (`STAGE = "04_session_cookies"`), and these fixtures
serve that stage. The machinery behind them (browsers, servers, databases, reports) is a
plugin of its own in tests/harness/, which a test never needs to read.
"""

import importlib
import os
import sys
from datetime import datetime, timezone

import auth_actions
import pytest
import time_machine
from course import CHEAP_HASH_METHOD

pytest_plugins = [
    "harness.memory",
    "harness.first_start",
    "harness.scheduling",
    "harness.live_server",
    "harness.browser",
    "harness.gunicorn",
    "harness.postgresql",
    "harness.skips",
    "harness.lessons",
]


def pytest_collection_finish(session):
    """Hypothesis's settings for the property tests: the same examples on every run (CI
    too); HYPOTHESIS_PROFILE=explore tries new random ones, many more. (Only where a test
    collected uses Hypothesis: it takes a while to import.)"""
    if "hypothesis" not in sys.modules:
        return
    from hypothesis import HealthCheck, settings

    settings.register_profile(
        "ci",
        max_examples=60,
        derandomize=True,
        deadline=None,  # a busy machine is no bug
        suppress_health_check=[HealthCheck.too_slow],
    )
    settings.register_profile("explore", max_examples=1000, deadline=None)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


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
def app(stage, app_config, first_start_database):
    """The stage's app, on a database of its own: a copy of the one the stage makes on its
    first start (quicker than making the tables again for each test)."""
    app = stage.create_app(app_config)
    yield app
    if "sqlalchemy" in app.extensions:  # close its database connections
        with app.app_context():
            for engine in app.extensions["sqlalchemy"].engines.values():
                engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def auth(client):
    """Log the test client in as the stage's page does: `auth.register("alice")`,
    `auth.login("alice")`, `auth.logout()`, or both at once: `auth.log_in_as("alice")`."""
    return auth_actions.for_client(client)


@pytest.fixture
def auth_for():
    """The same for another client: `auth_for(phone).log_in_as("alice")`."""
    return auth_actions.for_client


@pytest.fixture
def alice(app):
    """A client of its own, logged in as alice (a new user in stages 03 to 07, an admin
    in 08)."""
    client = app.test_client()
    auth_actions.for_client(client).log_in_as("alice")
    return client


@pytest.fixture
def bob(app):
    """Another user's client, for the attacks of one user on another."""
    client = app.test_client()
    auth_actions.for_client(client).log_in_as("bob")
    return client


@pytest.fixture
def clock():
    """Time stands still until the test moves it: `clock.shift(timedelta(days=7))`.
    It starts at the real now, so what was made before the test is not in the future."""
    with time_machine.travel(datetime.now(timezone.utc), tick=False) as traveller:
        yield traveller


@pytest.fixture
def live_server(app, http_server):
    """The app served by a real HTTP server: its address, http://127.0.0.1:PORT."""
    http_server.serve(app)
    yield http_server.url
    http_server.serve(None)


@pytest.fixture
def page(new_page):
    """A browser tab with an empty profile (no cookies, empty storage), which opens the live
    server's pages by path: `page.goto("/")`. It is used again by later tests: a test that
    changes it for good (a fake clock, an init script, a listener) takes own_page instead."""
    return new_page()


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
def own_page(browser, live_server):
    """A tab of its own, in a new browser profile, closed after the test."""
    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    page_errors = []
    page.on("pageerror", lambda error: page_errors.append(error))
    yield page
    context.close()
    assert not page_errors, f"JavaScript errors on the page: {page_errors}"
