"""What the other tests take for granted of the harness (conftest.py, harness/)."""

from hypothesis import settings

STAGE = "03_session_localstorage"  # any stage with a page
WHAT_IS_KEPT = "[localStorage.length, sessionStorage.length, document.cookie]"


def test_a_tab_used_again_comes_back_with_no_cookies_and_empty_storage(tabs, live_server):
    page, key = tabs.take()
    page.goto("/")
    page.evaluate("localStorage.a = 1; sessionStorage.b = 2; document.cookie = 'c=3'")
    assert page.evaluate(WHAT_IS_KEPT) == [1, 1, "c=3"]
    tabs.give_back(page, key)

    again, _ = tabs.take()
    assert again is page  # the same tab
    again.goto("/")
    assert again.evaluate(WHAT_IS_KEPT) == [0, 0, ""]
    tabs.give_back(again, key)


def test_property_tests_run_with_the_profile_of_conftest():
    """The same examples on every run, and no deadline (a busy machine is no bug)."""
    assert settings.default.derandomize
    assert settings.default.deadline is None
    assert settings.default.max_examples == 60
