"""Stage 07's Vue pages in a real browser: a learner's journey, sessions on two devices,
the errors a user must see, a page that breaks no Content-Security-Policy, and
screenshots of the finished pages (in screenshots/07_final_todo/, for people to look at)."""

import re
from datetime import timedelta

import pytest
from a11y import (
    assert_clear_of_the_header,
    assert_focus_visible,
    assert_no_axe_violations,
    assert_skip_link_first,
    tab_to,
)
from auth_actions import TEST_PASSWORD, log_in_the_browser
from course import ROOT
from helpers import at
from playwright.sync_api import expect

STAGE = "07_final_todo"
PAST_TOKEN_LIFETIME = timedelta(minutes=10, seconds=1)
NEW_PASSWORD = "a brand new passphrase"
SCREENSHOTS = ROOT / "screenshots" / STAGE

MAC_CHROME = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
)
IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
DEVICES = {
    "desktop": {"viewport": {"width": 1280, "height": 800}, "user_agent": MAC_CHROME},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
        "user_agent": IPHONE_SAFARI,
    },
}


def register(page, username="alice"):
    page.goto("/register")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(at("/app"))
    expect(page.get_by_text("Nothing to do yet")).to_be_visible()  # loaded


def log_in_through_the_api(page, username="alice"):
    """Log the page's browser in through the API, as the login form does (the browser keeps
    the cookies that the server sets), and open the app. For the tests whose subject is not
    the forms: two page loads fewer than filling them in."""
    log_in_the_browser(page, username)
    page.goto("/app")
    expect(page).to_have_url(at("/app"))  # not sent to log in
    expect(page.get_by_role("banner")).to_contain_text(username)  # the list has loaded too


def log_in_on(page, username="alice", password=TEST_PASSWORD):
    page.goto("/login")
    submit_login(page, username, password)


def submit_login(page, username="alice", password=TEST_PASSWORD):
    """Fill in the login form that the page shows, and send it."""
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def add_todo(page, title):
    page.get_by_label("New to-do").fill(title)
    page.get_by_role("button", name="Add").click()


def todo_titles(page):
    return page.locator(".todo-title")


def access_token(page):
    return next(c["value"] for c in page.context.cookies() if c["name"] == "access_token")


# --- The journey ---------------------------------------------------------------------------


def test_register_log_in_manage_todos_and_see_the_session(page):
    register(page)
    expect(page.get_by_text("Nothing to do yet")).to_be_visible()
    page.get_by_role("button", name="Log out", exact=True).click()
    expect(page).to_have_url(at("/login"))

    submit_login(page)  # on the login page that Log out opened
    expect(page).to_have_url(at("/app"))
    expect(page.get_by_role("banner")).to_contain_text("alice")
    for title in ["Buy milk", "Call the plumber", "Water the plants"]:
        add_todo(page, title)
    expect(todo_titles(page)).to_have_text(["Buy milk", "Call the plumber", "Water the plants"])
    expect(page.get_by_label("New to-do")).to_have_value("")

    page.get_by_role("button", name="Edit: Buy milk").click()
    page.get_by_label("Title").fill("Buy oat milk")
    page.get_by_label("Title").press("Enter")
    expect(page.get_by_label("Title")).to_have_count(0)  # saved: one edit at a time
    page.get_by_role("button", name="Edit: Call the plumber").click()
    page.get_by_label("Title").fill("never saved")
    page.get_by_label("Title").press("Escape")  # cancels; the keyboard is back on Edit
    expect(page.get_by_role("button", name="Edit: Call the plumber")).to_be_focused()
    page.get_by_role("checkbox", name="Call the plumber").check()
    page.get_by_role("button", name="Delete: Water the plants").click()
    expect(todo_titles(page)).to_have_text(["Buy oat milk", "Call the plumber"])
    expect(page.get_by_text("1 to do, 1 done")).to_be_visible()

    page.reload()  # still logged in, and the server kept every change
    expect(todo_titles(page)).to_have_text(["Buy oat milk", "Call the plumber"])
    expect(page.get_by_role("checkbox", name="Call the plumber")).to_be_checked()
    expect(page.get_by_role("checkbox", name="Buy oat milk")).not_to_be_checked()

    page.get_by_role("link", name="Account", exact=True).click()
    expect(page).to_have_url(at("/account"))
    sessions = page.get_by_role("listitem")
    expect(sessions).to_have_count(1)
    expect(sessions).to_contain_text("This device")


# --- With the keyboard only ----------------------------------------------------------------


def test_the_journey_with_the_keyboard_only(app, page, auth_for):
    """Tab, Shift+Tab, Enter, Space and Escape, and no mouse: register, add, complete, edit
    and delete to-dos, log out and in, revoke sessions and change the password. Wherever
    the focus lands, it shows, and after each action it is on a control, never lost on the
    page itself."""
    page.goto("/")
    assert_skip_link_first(page)
    register_by_keyboard(page)
    add_todos_by_keyboard(page)
    tick_edit_and_delete_todos_by_keyboard(page)
    log_out_and_in_by_keyboard(page)
    # Two more sessions, from other devices, to revoke from the account page.
    for _ in range(2):
        auth_for(app.test_client()).log_in_as("alice")
    revoke_sessions_and_change_the_password_by_keyboard(page)


def register_by_keyboard(page):
    """From the landing page to a new account, by the keyboard alone."""
    keys = page.keyboard
    tab_to(page, page.get_by_role("main").get_by_role("link", name="Create an account"))
    keys.press("Enter")
    expect(page).to_have_url(at("/register"))
    tab_to(page, page.get_by_label("Username"))
    keys.type("alice")
    keys.press("Tab")
    keys.type(TEST_PASSWORD)
    keys.press("Enter")
    expect(page).to_have_url(at("/app"))


def add_todos_by_keyboard(page):
    """Enter in the box, or the Add button: the keyboard goes back to the box."""
    keys = page.keyboard
    new_todo = page.get_by_label("New to-do")
    tab_to(page, new_todo)
    for title in ["Buy milk", "Call the plumber"]:
        keys.type(title)
        keys.press("Enter")
        expect(todo_titles(page).last).to_have_text(title)
        expect(new_todo).to_be_focused()  # ready for the next one
    news = page.get_by_role("status").filter(has_text=":")
    expect(news).to_have_text("Added: Call the plumber")
    # With the Add button, not Enter in the box: the keyboard goes back to the box.
    keys.type("Feed the cat")
    tab_to(page, page.get_by_role("button", name="Add", exact=True))
    keys.press("Enter")
    expect(todo_titles(page).last).to_have_text("Feed the cat")
    expect(news).to_have_text("Added: Feed the cat")
    expect(new_todo).to_be_focused()
    assert_focus_visible(page)


def tick_edit_and_delete_todos_by_keyboard(page):
    """Each change is said, and the focus stays on a control, never lost."""
    keys = page.keyboard
    news = page.get_by_role("status").filter(has_text=":")
    # Space ticks the box, again and again: the focus stays on it, and each change is said.
    checkbox = page.get_by_role("checkbox", name="Buy milk")
    tab_to(page, checkbox)
    for expected in ["Done: Buy milk", "Not done: Buy milk", "Done: Buy milk"]:
        keys.press("Space")
        expect(news).to_have_text(expected)
        expect(checkbox).to_be_focused()
        assert_focus_visible(page)
    expect(page.get_by_text("2 to do, 1 done")).to_be_visible()
    tab_to(page, page.get_by_role("button", name="Edit: Buy milk"))
    keys.press("Enter")
    expect(page.get_by_role("textbox", name="Title of Buy milk")).to_be_focused()
    keys.press("Control+A")
    keys.type("Buy oat milk")
    keys.press("Enter")
    edit = page.get_by_role("button", name="Edit: Buy oat milk")
    expect(edit).to_be_focused()  # back where the user was
    keys.press("Enter")
    keys.type(" and bread")
    keys.press("Escape")  # cancelled
    expect(edit).to_be_focused()
    for title in ["Feed the cat", "Call the plumber"]:
        tab_to(page, page.get_by_role("button", name=f"Delete: {title}"))
        keys.press("Enter")
        expect(page.get_by_role("button", name=f"Delete: {title}")).to_have_count(0)
    expect(todo_titles(page)).to_have_text(["Buy oat milk"])
    # The focus is not lost with the button: it is on the to-do that is left.
    expect(page.get_by_role("checkbox", name="Buy oat milk")).to_be_focused()
    assert_focus_visible(page)


def log_out_and_in_by_keyboard(page):
    """Log out, then in again: the to-dos are kept."""
    keys = page.keyboard
    tab_to(page, page.get_by_role("button", name="Log out", exact=True), key="Shift+Tab")
    keys.press("Enter")
    expect(page).to_have_url(at("/login"))
    tab_to(page, page.get_by_label("Username"))
    keys.type("alice")
    keys.press("Tab")
    keys.type(TEST_PASSWORD)
    keys.press("Enter")
    expect(page).to_have_url(at("/app"))
    expect(todo_titles(page)).to_have_text(["Buy oat milk"])


def revoke_sessions_and_change_the_password_by_keyboard(page):
    """Revoking a session moves the keyboard to the next one, never to the page."""
    keys = page.keyboard
    tab_to(page, page.get_by_role("link", name="Account", exact=True), key="Shift+Tab")
    keys.press("Enter")
    expect(page).to_have_url(at("/account"))
    revoke = page.get_by_role("button", name=re.compile(r"^Revoke: .*, logged in "))
    expect(revoke).to_have_count(2)
    tab_to(page, revoke.first)
    keys.press("Enter")
    expect(revoke).to_have_count(1)
    expect(page.get_by_role("status").filter(has_text="revoked")).to_have_text("Session revoked")
    expect(revoke).to_be_focused()  # the next one, not the page itself
    keys.press("Enter")
    expect(revoke).to_have_count(0)
    expect(page.get_by_role("button", name="Log out everywhere")).to_be_focused()
    assert_focus_visible(page)

    tab_to(page, page.get_by_label("Current password"))
    keys.type(TEST_PASSWORD)
    keys.press("Tab")
    keys.type(NEW_PASSWORD)
    change = page.get_by_role("button", name="Change password")
    tab_to(page, change)
    keys.press("Enter")
    expect(page.get_by_role("status").filter(has_text="Password changed")).to_be_visible()
    expect(change).to_be_focused()  # where the user was, not lost
    assert_focus_visible(page)


def test_on_a_phone_the_keyboard_never_hides_under_the_sticky_header(new_page, client, auth):
    """Going back up a long page with Shift+Tab, each control comes into view below the
    sticky header, not under it."""
    auth.log_in_as("alice")
    for number in range(20):  # a long list, made through the API
        assert client.post("/api/todos", json={"title": f"Thing {number}"}).status_code == 201
    page = new_page(**DEVICES["phone"])
    log_in_through_the_api(page)
    expect(todo_titles(page)).to_have_count(20)
    page.get_by_role("button", name="Delete: Thing 19").focus()
    for _ in range(45):  # up past the top of the screen
        page.keyboard.press("Shift+Tab")
        assert_clear_of_the_header(page)


# --- Sessions on two devices ---------------------------------------------------------------


def test_logging_out_everywhere_reaches_the_other_browser_when_its_token_expires(
    clock, page, new_page, auth
):
    auth.register("alice")
    log_in_through_the_api(page)
    phone = new_page()
    log_in_through_the_api(phone)
    phone.get_by_role("link", name="Account", exact=True).click()
    expect(phone.get_by_role("listitem")).to_have_count(2)
    phone.get_by_role("button", name="Log out everywhere").click()
    expect(phone).to_have_url(at("/login"))

    # The laptop's token was valid, and a valid token is trusted as it is...
    add_todo(page, "still logged in")
    expect(todo_titles(page)).to_have_text(["still logged in"])
    # ...until it expires: then there is no session left to renew it from.
    clock.shift(PAST_TOKEN_LIFETIME)
    add_todo(page, "too late")
    expect(page).to_have_url(at("/login"))


def test_revoking_one_session_ends_that_one_and_no_other(clock, page, new_page, auth):
    auth.register("alice")
    log_in_through_the_api(page)
    phone = new_page()
    log_in_through_the_api(phone)
    page.goto("/account")
    sessions = page.get_by_role("listitem")
    expect(sessions).to_have_count(2)
    sessions.filter(has_not_text="This device").get_by_role("button", name="Revoke").click()
    expect(sessions).to_have_count(1)
    expect(sessions).to_contain_text("This device")

    clock.shift(PAST_TOKEN_LIFETIME)
    phone.reload()
    expect(phone).to_have_url(at("/login"))
    page.reload()
    expect(sessions).to_have_count(1)


@pytest.mark.lesson("fix")
def test_nothing_to_steal_from_the_page(page):
    """Stage 03's attack, run on the finished app: a script in the page finds no token."""
    register(page)
    add_todo(page, "my secret plan")
    expect(todo_titles(page)).to_have_text(["my secret plan"])
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0
    readable = page.evaluate("document.cookie")
    assert "access_token" not in readable and readable.startswith("csrf_token=")
    cookies = {cookie["name"]: cookie for cookie in page.context.cookies()}
    assert cookies["access_token"]["httpOnly"] is True
    assert cookies["access_token"]["sameSite"] == "Strict"


SNEAKED_IN = """() => new Promise((resolve) => {
    const holder = document.createElement("div");
    holder.innerHTML = '<img src="/no-such-image.png" onerror="window.ran = true">';
    holder.firstChild.addEventListener("error", () => setTimeout(() => resolve(!!window.ran)));
    document.body.append(holder);
})"""


@pytest.mark.lesson("fix")
def test_markup_that_sneaks_into_the_page_runs_no_script(page, auth):
    """The Content-Security-Policy lets scripts come only from this site's files: markup
    that gets into the page (through a bug that shows a title as HTML, say) runs none of
    its own code. Its image fails to load, and its onerror code is refused."""
    auth.register("alice")
    log_in_through_the_api(page)
    assert page.evaluate(SNEAKED_IN) is False


def test_a_token_expiring_while_the_page_is_open_is_invisible(clock, page, auth):
    auth.register("alice")
    log_in_through_the_api(page)
    first_token = access_token(page)
    clock.shift(timedelta(minutes=11))
    add_todo(page, "after the token expired")
    expect(todo_titles(page)).to_have_text(["after the token expired"])
    expect(page).to_have_url(at("/app"))
    assert access_token(page) != first_token  # renewed by the server, on that request


def test_changing_the_password_ends_the_other_session_and_only_the_new_one_works(
    clock, page, new_page, auth
):
    auth.register("alice")
    log_in_through_the_api(page)
    other = new_page()
    log_in_through_the_api(other)
    page.goto("/account")
    expect(page.get_by_role("listitem")).to_have_count(2)

    page.get_by_label("Current password").fill("not my password")
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("alert")).to_have_text("Current password: wrong password")

    page.get_by_label("Current password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("status").filter(has_text="Password")).to_contain_text(
        "Password changed"
    )
    expect(page.get_by_role("listitem")).to_have_count(1)

    clock.shift(PAST_TOKEN_LIFETIME)
    other.reload()
    expect(other).to_have_url(at("/login"))
    submit_login(other, password=TEST_PASSWORD)
    expect(other.get_by_role("alert")).to_have_text("Wrong username or password")
    submit_login(other, password=NEW_PASSWORD)
    expect(other).to_have_url(at("/app"))
    page.reload()  # and this device stayed logged in
    expect(page).to_have_url(at("/account"))


# --- Errors the user sees ------------------------------------------------------------------


def test_a_wrong_password_is_shown_on_the_login_page(client, page, auth):
    auth.register("alice")
    log_in_on(page, password="not my password")
    expect(page.get_by_role("alert")).to_have_text("Wrong username or password")
    expect(page).to_have_url(at("/login"))


def test_a_taken_username_is_shown_on_the_register_page(client, page, auth):
    auth.register("alice")
    page.goto("/register")
    page.get_by_label("Username").fill("Alice")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("alert")).to_have_text("Username: already taken")


def test_a_title_over_200_characters_is_refused_with_the_reason(page, auth):
    auth.register("alice")
    log_in_through_the_api(page)
    add_todo(page, "x" * 201)
    expect(page.get_by_role("alert")).to_have_text("Title: must be 1 to 200 characters")
    expect(page.get_by_text("Nothing to do yet")).to_be_visible()
    add_todo(page, "x" * 200)
    expect(todo_titles(page)).to_have_text(["x" * 200])


def test_a_throttled_login_counts_down_the_seconds_until_the_user_may_try_again(
    clock, client, own_page, auth
):
    page = own_page  # its clock is the test's: a tab of its own
    auth.log_in_as("alice")
    for _ in range(5):
        wrong = {"username": "alice", "password": "a wrong guess"}
        assert client.post("/api/login", json=wrong).status_code == 401
    page.clock.install()  # the page's timers run when the test says so
    page.goto("/login")
    page.clock.pause_at(page.evaluate("Date.now()") + 1000)
    submit_login(page)  # the right password, but too soon
    alert = page.get_by_role("alert")
    expect(alert).to_have_text("Too many failed logins: try again in 15 min")
    expect(page).to_have_url(at("/login"))
    # The seconds count down, in a timer that screen readers do not read out every second.
    expect(alert.get_by_role("timer")).to_have_attribute("aria-live", "off")
    page.clock.run_for(10_000)
    expect(alert).to_have_text("Too many failed logins: try again in 14 min 50 s")
    page.clock.run_for(890_000)
    expect(alert).to_have_count(0)
    expect(page.get_by_role("status").filter(has_text="You can")).to_have_text(
        "You can try again now."
    )

    clock.shift(timedelta(minutes=15))  # and so it is, for the server too
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(at("/app"))


# --- Why the user is on the login page -----------------------------------------------------


def notice(page):
    """The sentence at the top of the login page that says why the user is there."""
    return page.locator(".notice")


def test_a_session_revoked_from_another_device_says_so_on_the_login_page(
    clock, page, new_page, auth
):
    auth.register("alice")
    log_in_through_the_api(page)
    phone = new_page()
    log_in_through_the_api(phone)
    phone.goto("/account")
    sessions = phone.get_by_role("listitem")
    sessions.filter(has_not_text="This device").get_by_role("button", name="Revoke").click()
    expect(sessions).to_have_count(1)

    clock.shift(PAST_TOKEN_LIFETIME)  # the laptop's token expires, and cannot be renewed
    add_todo(page, "too late")
    expect(page).to_have_url(at("/login"))
    expect(notice(page)).to_have_role("status")  # a screen reader reads it out
    expect(notice(page)).to_have_text(
        "Your session has ended: it was logged out or revoked on another device"
    )
    page.reload()  # said once
    expect(notice(page)).to_be_empty()


@pytest.mark.lesson("fix")
def test_a_copy_used_after_its_owner_renewed_signs_the_owner_out_with_the_reason(
    clock, app, page, auth
):
    """The page of the owner learns why: a copy of its token came back after the owner's
    browser had renewed it."""
    auth.register("alice")
    log_in_through_the_api(page)
    stolen = access_token(page)
    clock.shift(PAST_TOKEN_LIFETIME)
    add_todo(page, "renews the token")
    expect(todo_titles(page)).to_have_text(["renews the token"])
    page.wait_for_load_state("networkidle")  # every request of the page answered
    clock.shift(timedelta(seconds=31))  # past RENEWAL_GRACE
    thief = app.test_client()
    thief.set_cookie("access_token", stolen)
    copy = thief.get("/api/todos")
    assert copy.status_code == 401, "the copy still works after its owner renewed"

    clock.shift(PAST_TOKEN_LIFETIME)  # the owner's newer token is not renewed either
    add_todo(page, "too late")
    expect(page).to_have_url(at("/login"))
    expect(notice(page)).to_have_text(
        "You were signed out to protect your account: your session was used from somewhere else"
    )


def test_an_expired_session_says_so_on_the_login_page(clock, page, auth):
    auth.register("alice")
    log_in_through_the_api(page)
    clock.shift(timedelta(days=7, minutes=1))  # the page stayed open for a week
    add_todo(page, "too late")
    expect(page).to_have_url(at("/login"))
    expect(notice(page)).to_have_text("Your session has expired: please log in again")


def test_logging_out_says_so_and_a_visitor_gets_no_notice(page, auth):
    page.goto("/app")  # never logged in: sent to log in, with nothing to explain
    expect(page).to_have_url(at("/login"))
    expect(page.get_by_role("heading", name="Welcome back")).to_be_visible()
    expect(notice(page)).to_be_empty()

    auth.register("alice")
    log_in_through_the_api(page)
    page.get_by_role("button", name="Log out", exact=True).click()
    expect(notice(page)).to_have_text("You have logged out.")
    log_in_through_the_api(page)
    page.goto("/account")
    page.get_by_role("button", name="Log out everywhere").click()
    expect(notice(page)).to_have_text("You have logged out on every device.")


# --- Cookies a neighbour planted -----------------------------------------------------------

# What a script on another port of this host can write into document.cookie, as if it were
# ours (cookies ignore ports): a csrf_token over ours (same name, Path=/), or a __Host- one,
# which the page reads first (Chromium counts http://127.0.0.1 as secure).
CSRF_PLANTS = {
    "replaced": "csrf_token=set-by-a-neighbour; path=/",
    "host-prefixed": "__Host-csrf_token=set-by-a-neighbour; path=/; secure",
}
PLANTED_NOTICE = "put cookies of its own in your browser"


@pytest.mark.lesson("fix")
@pytest.mark.parametrize("plant", CSRF_PLANTS)
def test_a_csrf_cookie_set_over_ours_signs_the_user_out_with_the_reason(
    page, live_server, auth, plant
):
    """The page sends the neighbour's value: a 403 would fail every change, Log out too,
    and say nothing; the server refuses it as planted, and the page tells the user."""
    auth.register("alice")
    log_in_through_the_api(page)
    page.evaluate("(cookie) => { document.cookie = cookie; }", CSRF_PLANTS[plant])
    page.get_by_role("button", name="Log out", exact=True).click()
    expect(page).to_have_url(at("/login"))
    expect(notice(page)).to_contain_text(PLANTED_NOTICE)
    assert page.context.cookies(live_server) == []  # forgotten, the planted one too
    submit_login(page)
    add_todo(page, "Buy milk")
    expect(todo_titles(page)).to_have_text(["Buy milk"])


# Quotes a neighbour planted around our cookies: a=" for /api, sent first, and z=" after.
PLANT_QUOTES = """() => {
    document.cookie = 'a="; path=/api';
    document.cookie = 'z="; path=/';
}"""


def test_log_out_clears_a_login_that_planted_quotes_hide_from_the_cookie_parser(
    page, live_server, auth
):
    """The parser reads one value from quote to quote and sees no login: the 401 must still
    clear ours, or the login would stay in the browser for the neighbour to uncover."""
    auth.register("alice")
    log_in_through_the_api(page)
    page.evaluate(PLANT_QUOTES)
    page.get_by_role("button", name="Log out", exact=True).click()
    expect(page).to_have_url(at("/login"))
    assert [cookie["name"] for cookie in page.context.cookies(live_server)] == ["z"]


# --- No console errors, no CSP violations --------------------------------------------------

# Runs before the page's own scripts, on every page load: a CSP violation becomes a console
# error, so the one console listener below sees every page of the journey.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} refused ${event.blockedURI}`);
});
"""


def console_errors(page):
    """The console's errors from now on, CSP violations included, on every page loaded."""
    page.add_init_script(REPORT_CSP_VIOLATIONS)
    errors = []

    def note(message):
        if message.type == "error":
            errors.append(message)

    page.on("console", note)
    return errors


def test_the_whole_journey_logs_no_errors_and_breaks_no_content_security_policy(own_page):
    page = own_page  # it listens to the console: a tab of its own
    errors = console_errors(page)
    page.goto("/")
    page.get_by_role("main").get_by_role("link", name="Create an account").click()
    expect(page).to_have_url(at("/register"))
    register(page)
    add_todo(page, "Buy milk")
    page.get_by_role("checkbox", name="Buy milk").check()
    page.get_by_role("button", name="Edit: Buy milk").click()
    page.get_by_label("Title").fill("Buy oat milk")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Delete: Buy oat milk").click()
    expect(page.get_by_text("Nothing to do yet")).to_be_visible()
    page.get_by_role("link", name="Account", exact=True).click()
    page.get_by_label("Current password").fill(TEST_PASSWORD)
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("status").filter(has_text="Password")).to_contain_text(
        "Password changed"
    )
    page.get_by_role("button", name="Log out", exact=True).click()
    expect(page).to_have_url(at("/login"))
    page.goto("/")
    expect(page.get_by_role("main").get_by_role("link", name="Log in")).to_be_visible()
    assert [message.text for message in errors] == []

    # The watch works: an inline style, which the policy refuses, is reported.
    with page.expect_console_message(lambda message: "CSP violation" in message.text):
        page.evaluate("document.body.setAttribute('style', 'color: red')")


def test_a_visitor_who_opens_the_app_is_sent_to_log_in_with_only_the_401_logged(own_page):
    page = own_page  # it listens to the console: a tab of its own
    errors = console_errors(page)
    page.goto("/app")
    expect(page).to_have_url(at("/login"))
    assert errors, "the refused /api/ request is logged by the browser"
    for message in errors:
        assert "status of 401" in message.text, message.text
        assert "/api/" in message.location["url"]


# --- Screenshots ---------------------------------------------------------------------------


def assert_fits_the_screen(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} scrolls sideways"


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_every_page_state_fits_the_screen_passes_axe_and_is_photographed(
    clock, app, client, new_page, device, auth_for, auth
):
    """Each page in each state a user sees it in: it scrolls no sideways, axe finds nothing
    serious or critical, and a screenshot goes to screenshots/07_final_todo/ to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    other_device = app.test_client()  # a second session, from three hours ago
    other_agent = IPHONE_SAFARI if device == "desktop" else MAC_CHROME
    other_device.environ_base["HTTP_USER_AGENT"] = other_agent
    clock.shift(-timedelta(hours=3))
    auth_for(other_device).log_in_as("alice_from_the_long_name_club")
    clock.shift(timedelta(hours=3))
    auth.register("bob")
    page = new_page(**DEVICES[device])

    def shoot(name):
        assert_fits_the_screen(page)
        assert_no_axe_violations(page, f"{name}, {device}")
        page.evaluate("window.scrollTo(0, 0)")  # else the sticky header lands mid-page
        # One image pixel a CSS pixel, as on the desktop: the phone's screen has twice as
        # many each way, four times the pixels for the browser to encode.
        page.screenshot(path=SCREENSHOTS / f"{name}-{device}.png", full_page=True, scale="css")

    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    shoot("landing")
    page.goto("/register")
    page.get_by_label("Username").fill("bob")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("alert")).to_have_text("Username: already taken")
    shoot("register-taken")
    log_in_on(page, "alice_from_the_long_name_club", "not my password")
    expect(page.get_by_role("alert")).to_have_text("Wrong username or password")
    shoot("login-wrong-password")

    submit_login(page, "alice_from_the_long_name_club")
    expect(page.get_by_text("Nothing to do yet")).to_be_visible()
    shoot("app-empty")
    for title in ["Book the dentist", "Buy oat milk", "Renew the passport", "Read chapter 7"]:
        add_todo(page, title)
    page.get_by_role("checkbox", name="Book the dentist").check()
    expect(page.get_by_text("3 to do, 1 done")).to_be_visible()
    page.get_by_label("New to-do").blur()
    shoot("app")
    add_todo(page, "x" * 201)
    expect(page.get_by_role("alert")).to_be_visible()
    page.get_by_label("New to-do").fill("")
    page.get_by_role("button", name="Edit: Buy oat milk").click()
    expect(page.get_by_label("Title")).to_be_focused()
    shoot("app-error-and-edit")
    page.get_by_label("Title").press("Escape")

    page.get_by_role("link", name="Account", exact=True).click()
    expect(page.get_by_role("listitem")).to_have_count(2)
    shoot("account")
    page.get_by_label("Current password").fill("not my password")
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("alert")).to_be_visible()
    shoot("account-wrong-password")
    page.get_by_label("Current password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("status").filter(has_text="Password changed")).to_be_visible()
    expect(page.get_by_role("listitem")).to_have_count(1)
    shoot("account-password-changed")
    page.goto("/")
    expect(page.get_by_role("main").get_by_role("link", name="Open your to-dos")).to_be_visible()
    shoot("landing-logged-in")
    page.goto("/app")
    page.get_by_role("button", name="Log out", exact=True).click()
    expect(notice(page)).to_have_text("You have logged out.")
    shoot("login-logged-out")

    for _ in range(5):
        auth.login("bob", "a wrong guess")
    log_in_on(page, "bob")
    expect(page.get_by_role("alert")).to_contain_text("Too many failed logins")
    shoot("login-throttled")


def test_behind_https_the_page_sends_the_host_prefixed_csrf_cookie(
    app, page, live_server, auth_for
):
    """With AUTH_COOKIE_SECURE the cookies are __Host-...: the browser keeps Secure cookies
    on http://localhost (a secure context), so the page works as it would over HTTPS."""
    app.config["AUTH_COOKIE_SECURE"] = True
    auth_for(app.test_client()).log_in_as("alice")
    page.goto(live_server.replace("127.0.0.1", "localhost") + "/login")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(at("/app"))
    names = sorted(cookie["name"] for cookie in page.context.cookies())
    assert names == ["__Host-access_token", "__Host-csrf_token"]
    add_todo(page, "Buy milk")
    expect(todo_titles(page)).to_have_text(["Buy milk"])
