"""Marks and order. Every test that drives a real browser is marked `browser` (and says so
in the JUnit report, where CI checks that browser tests ran); the slow tests run first."""

import pytest

# Modules whose every test starts servers in other processes (a module fixture of
# test_deploy.py starts them once for all its tests: they stay together).
SLOW_MODULES = {"test_deploy.py", "test_load.py", "test_class_demos.py"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
            item.user_properties.append(("browser", "true"))
    # `pytest -n` hands out the tests in this order, and a worker that runs out takes
    # some of another's: a slow test left to the end would keep one worker busy alone.
    items.sort(key=lambda item: not runs_long(item))  # stable: otherwise in file order


def runs_long(item):
    """A test that drives a browser or starts a server in another process: seconds each,
    where most tests take milliseconds."""
    fixtures = getattr(item, "fixturenames", ())
    return "browser" in fixtures or "gunicorn_server" in fixtures or item.path.name in SLOW_MODULES
