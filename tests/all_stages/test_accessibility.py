"""axe-core over the pages of stages 01 to 06, in the states a user sees them in: no
violation that blocks a user (impact serious or critical). Stages 07 and 08 are checked
in their own browser tests, at every state of which they take a screenshot. And stage
01's page keeps the server log quiet: its icon needs no request.

Each test names its stage with a parametrize of `stage_name`, which conftest's fixtures
(app, live_server, page) then build."""

import re

import pytest
from a11y import assert_no_axe_violations
from auth_actions import TEST_PASSWORD
from playwright.sync_api import expect

LOGIN_STAGES = [
    "03_session_localstorage",
    "04_session_cookies",
    "05_jwt_stateless",
    "06_jwt_session_backup",
]


@pytest.mark.parametrize("stage_name", ["01_missile_button"])
def test_the_missile_button_page(page, runner):
    page.goto("/")
    expect(page.get_by_text("No token")).to_be_visible()
    assert_no_axe_violations(page, "no token in the URL")

    page.goto("/?token=a-wrong-guess")
    expect(page.locator("#who")).not_to_have_text(re.compile("Reading"))
    assert_no_axe_violations(page, "a wrong token")

    output = runner.invoke(args=["create-token", "alice"]).output
    token = re.search(r"\?token=(\S+)", output).group(1)
    page.goto(f"/?token={token}")
    page.get_by_role("button", name="Launch").click()
    expect(page.get_by_role("status")).to_contain_text("Launched!")
    assert_no_axe_violations(page, "after a launch")


@pytest.mark.parametrize("stage_name", ["02_1_todo_text", "02_2_todo_objects"])
def test_the_todo_page_without_users(page):
    page.goto("/")
    expect(page.get_by_text("Nothing to do.")).to_be_visible()
    assert_no_axe_violations(page, "no todos")

    page.get_by_label("New todo").fill("buy milk")
    page.get_by_role("button", name="Add").click()
    page.get_by_role("button", name="Edit").click()
    expect(page.get_by_label("Edit todo")).to_be_visible()
    assert_no_axe_violations(page, "a todo in edit")

    page.get_by_label("Edit todo").fill("")
    page.get_by_label("Edit todo").press("Enter")
    expect(page.get_by_role("alert")).not_to_be_empty()
    assert_no_axe_violations(page, "an error shown")


@pytest.mark.parametrize("stage_name", LOGIN_STAGES)
def test_the_todo_page_with_a_login(page):
    page.goto("/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    assert_no_axe_violations(page, "logged out")

    page.get_by_role("button", name="Log in").click()  # no such user yet
    expect(page.get_by_role("alert")).not_to_be_empty()
    assert_no_axe_violations(page, "a failed login")

    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("button", name="Log out", exact=True)).to_be_visible()
    page.get_by_label("New todo").fill("buy milk")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_text("buy milk")).to_be_visible()
    assert_no_axe_violations(page, "logged in, one todo")

    page.get_by_role("button", name="Edit").click()
    expect(page.get_by_label("Edit todo")).to_be_visible()
    assert_no_axe_violations(page, "a todo in edit")


@pytest.mark.parametrize("stage_name", ["01_missile_button"])
def test_the_missile_button_page_asks_the_server_for_no_favicon(own_page):
    """A browser asks for /favicon.ico unless the page names an icon: a 404 in the access
    log, the one thing stage 01's learners read. The page's icon is a data: URL. (A tab of
    its own: one that has shown a page with an icon before may not ask again.)"""
    page = own_page
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto("/")
    expect(page.get_by_text("No token")).to_be_visible()
    icon = page.locator("link[rel=icon]")
    expect(icon).to_have_attribute("href", re.compile(r"^data:image/svg\+xml,"))
    assert not [url for url in requests if "favicon" in url]
