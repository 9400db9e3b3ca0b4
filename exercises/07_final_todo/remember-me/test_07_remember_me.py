"""Your turn, stage 07: a "Remember me" box on the login form chooses how long the session
lives. See README.md beside this file."""

import re
import time
from datetime import timedelta

import pytest
from auth_actions import TEST_PASSWORD
from helpers import at, set_cookies
from playwright.sync_api import expect

STAGE = "07_final_todo"
A_MINUTE = timedelta(minutes=1)
SEVEN_DAYS = timedelta(days=7)
THIRTY_DAYS = timedelta(days=30)
EXPIRED = {"error": "your session has expired: please log in again"}


def register_and_log_in(client, **fields):
    """Register alice, then log her in with FIELDS in the body besides her name and
    password; the login's response."""
    credentials = {"username": "alice", "password": TEST_PASSWORD}
    client.post("/api/register", json=credentials)
    return client.post("/api/login", json={**credentials, **fields})


# --- The API ------------------------------------------------------------------------------


def test_with_remember_me_the_cookies_are_kept_thirty_days(clock, client):
    response = register_and_log_in(client, remember=True)
    assert response.status_code == 200, response.get_json()
    cookies = set_cookies(response)
    thirty_days = str(int(THIRTY_DAYS.total_seconds()))
    assert cookies["access_token"]["max-age"] == cookies["csrf_token"]["max-age"] == thirty_days


def test_with_remember_me_the_session_lives_thirty_days(clock, client):
    response = register_and_log_in(client, remember=True)
    assert response.status_code == 200, response.get_json()
    clock.shift(THIRTY_DAYS - A_MINUTE)
    assert client.get("/api/me").status_code == 200  # its token renewed, a month later
    clock.shift(A_MINUTE)
    response = client.get("/api/me")
    assert response.status_code == 401
    assert response.get_json() == EXPIRED


@pytest.mark.parametrize("fields", [{"remember": False}, {}], ids=["unticked", "not sent"])
def test_without_remember_me_the_session_lives_seven_days_as_before(clock, client, fields):
    response = register_and_log_in(client, **fields)
    assert response.status_code == 200, response.get_json()
    assert set_cookies(response)["access_token"]["max-age"] == str(7 * 24 * 60 * 60)
    clock.shift(SEVEN_DAYS - A_MINUTE)
    assert client.get("/api/me").status_code == 200
    clock.shift(A_MINUTE)
    assert client.get("/api/me").get_json() == EXPIRED


@pytest.mark.parametrize("value", ["yes", "true", 1, None, []])
def test_remember_must_be_true_or_false(client, value):
    response = register_and_log_in(client, remember=value)
    assert response.status_code == 400
    assert response.get_json() == {"error": "remember: must be true or false"}


# --- The login page -----------------------------------------------------------------------


def log_in_on_the_page(app, page, tick):
    app.test_client().post("/api/register", json={"username": "alice", "password": TEST_PASSWORD})
    page.goto("/login")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    box = page.get_by_role("checkbox", name=re.compile(r"^Remember me"))
    # The form is drawn whole: a box missing now is missing (no five-second wait for it).
    assert box.count() == 1, 'the login form has no "Remember me" box'
    expect(box).not_to_be_checked()  # a long session only for those who ask
    if tick:
        box.check()
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(at("/app"))


def days_the_browser_keeps_the_login(page):
    """In how many days the browser forgets the access_token cookie."""
    cookie = next(c for c in page.context.cookies() if c["name"] == "access_token")
    return (cookie["expires"] - time.time()) / (24 * 60 * 60)


def test_ticking_remember_me_on_the_login_page_keeps_the_login_thirty_days(app, page):
    log_in_on_the_page(app, page, tick=True)
    assert days_the_browser_keeps_the_login(page) == pytest.approx(30, abs=0.01)


def test_leaving_the_box_unticked_keeps_the_login_seven_days(app, page):
    log_in_on_the_page(app, page, tick=False)
    assert days_the_browser_keeps_the_login(page) == pytest.approx(7, abs=0.01)
