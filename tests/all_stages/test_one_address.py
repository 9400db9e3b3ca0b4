"""In class every stage is served at one address, http://127.0.0.1:5000, one after the
other: their pages share the browser's localStorage, and a tab can outlive the stage that
served it. Demo 1 (03, then 04) cannot mix them: 04's page removes the session id that
03's page left, and says so; a page of 03 left open refuses a login that brings no
session id, instead of keeping "undefined"."""

import importlib

import pytest
from auth_actions import TEST_PASSWORD
from harness.first_start import close_databases
from playwright.sync_api import expect

STAGE = "03_session_localstorage"


@pytest.fixture
def serve_04_instead(http_server, app_config, tmp_path):
    """Stage 04 at the address that served 03, as Ctrl-C and `make run` do in class."""
    config = {**app_config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / '04.sqlite'}"}
    app = importlib.import_module("04_session_cookies").create_app(config)
    yield lambda: http_server.serve(app)
    close_databases(app)


def register_on_the_page(page, username):
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Register").click()


def test_04s_page_removes_the_session_id_that_03s_page_left_and_says_so(
    page, live_server, serve_04_instead
):
    page.goto(live_server)
    register_on_the_page(page, "alice")
    expect(page.locator("#username")).to_have_text("alice")
    assert page.evaluate("localStorage.getItem('session_id')")

    serve_04_instead()
    page.reload()
    expect(page.locator(".stage")).to_contain_text("Stage 04")
    expect(page.get_by_role("alert")).to_have_text(
        "Removed the session id that stage 03 left in this browser."
    )
    assert page.evaluate("localStorage.length") == 0


def test_a_page_of_03_left_open_refuses_a_login_without_a_session_id(
    page, live_server, serve_04_instead
):
    page.goto(live_server)
    expect(page.locator(".stage")).to_contain_text("Stage 03")
    serve_04_instead()  # the tab still runs 03's page
    register_on_the_page(page, "victim")
    expect(page.get_by_role("alert")).to_have_text("No session id came back: reload the page.")
    assert page.evaluate("localStorage.getItem('session_id')") is None

    page.reload()
    expect(page.locator(".stage")).to_contain_text("Stage 04")
    expect(page.locator("#username")).to_have_text("victim")
