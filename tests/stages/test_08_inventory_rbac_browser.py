"""Stage 08's Vue front end (built by Vite into static/dist/) in a real browser: what each
role sees and may do, a demotion that counts at the very next click, the stock that orders
take, a journey with no console errors and no CSP violations, screenshots of the screens
(in screenshots/08_inventory_rbac/, for people to look at), and a check that the committed
build was made from the current sources."""

import hashlib
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
from auth_actions import log_in_the_browser
from course import ROOT
from helpers import at
from playwright.sync_api import expect

STAGE = "08_inventory_rbac"
FRONTEND = ROOT / STAGE / "frontend"
DIST = ROOT / STAGE / "static" / "dist"
SCREENSHOTS = ROOT / "screenshots" / STAGE
REBUILD = f"cd {STAGE}/frontend && npm ci && npm run build"
SESSION_ENDED = (
    "Your session has ended: it was logged out or revoked on another device, "
    "or an admin changed your account"
)

DEVICES = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
}


@pytest.fixture
def demo(runner):
    """The demo users and products of `flask seed-demo`: {username: password}."""
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.output.splitlines()[1:]]
    # A row of three a user (however many roles there are); the last line says more.
    return {row[0]: row[2] for row in rows if len(row) == 3}


@pytest.fixture
def manager_api(app, demo, auth_for):
    """A test client logged in as the demo manager, to place orders behind the page's back."""
    client = app.test_client()
    auth_for(client).log_in_as("manager", demo["manager"])
    return client


def place_order(client, customer, **quantities):
    """An order through the API: place_order(client, "Acme", MUG_01=2)."""
    ids = {product["sku"]: product["id"] for product in client.get("/api/products").get_json()}
    items = [
        {"product_id": ids[sku.replace("_", "-")], "quantity": quantity}
        for sku, quantity in quantities.items()
    ]
    response = client.post("/api/orders", json={"customer": customer, "items": items})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def submit_login(page, username, password):
    """Fill in the login form that the page shows, and send it."""
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def log_in_on(page, demo, username):
    page.goto("/login")
    submit_login(page, username, demo[username])
    expect(page).to_have_url(at("/products"))
    expect(page.get_by_role("banner")).to_contain_text(username)


def log_in_through_the_api(page, demo, username):
    """Log the page's browser in through the API, as the login form does (the browser keeps
    the cookies that the server sets), and open the products. For the tests whose subject
    is not the form: no login page to load and fill in."""
    log_in_the_browser(page, username, demo[username])
    page.goto("/products")
    expect(page).to_have_url(at("/products"))  # not sent to log in
    expect(page.get_by_role("banner")).to_contain_text(username)


def notice(page):
    """The sentence at the top of the login page that says why the user is there."""
    return page.locator(".notice")


def menu(page):
    return page.get_by_role("navigation", name="Screens").get_by_role("link")


def row(page, text):
    return page.get_by_role("row").filter(has_text=text)


def cell(page, text, column):
    """The cell of COLUMN in the row that has TEXT: cell(page, "MUG-01", "In stock")."""
    return row(page, text).locator(f"td[data-label='{column}']")


def user_row(page, username):
    # Not row(): every user's row names every role, in the options of its role select.
    return page.get_by_role("row").filter(
        has=page.locator("td[data-label='Username']", has_text=username)
    )


def change_role(page, username, role):
    """Choose ROLE in the user's select, then save it with its own button."""
    page.get_by_label(f"Role of {username}", exact=True).select_option(role)
    page.get_by_role("button", name=f"Save the role of {username}").click()


def open_screen(page, name):
    menu(page).filter(has_text=name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)


def new_order(page, customer, product, quantity):
    """Fill in the new-order form (opened already) with one line, and send it."""
    page.get_by_label("Customer").fill(customer)
    page.get_by_label("Product").select_option(label=product)
    page.get_by_label("Quantity").fill(str(quantity))
    page.get_by_role("button", name="Place order").click()


# --- What each role sees and may do --------------------------------------------------------


def test_a_viewer_reads_products_and_orders_and_changes_nothing(page, demo, manager_api):
    place_order(manager_api, "Acme Ltd", CHAIR_01=2)
    log_in_through_the_api(page, demo, "viewer")
    expect(page.get_by_role("banner")).to_contain_text("viewer")
    expect(menu(page)).to_have_text(["Products", "Orders", "Account"])
    expect(row(page, "CHAIR-01")).to_contain_text("Office chair")
    expect(cell(page, "CHAIR-01", "In stock")).to_have_text("10")
    expect(page.get_by_role("button", name="Add product")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^Edit"))).to_have_count(0)

    open_screen(page, "Orders")
    expect(cell(page, "Acme Ltd", "Items")).to_have_text("2 × Office chair")
    expect(cell(page, "Acme Ltd", "Status")).to_have_text("open")
    expect(page.get_by_role("button", name="New order")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^(Fulfil|Cancel) order"))).to_have_count(0)

    page.goto("/users")  # not in the menu; typed by hand, it says so
    expect(page.get_by_role("heading", name="Users: not for your role")).to_be_visible()


def test_a_manager_places_fulfils_and_cancels_orders_but_edits_no_product(page, demo):
    log_in_through_the_api(page, demo, "manager")
    expect(menu(page)).to_have_text(["Products", "Orders", "Account"])
    expect(page.get_by_role("button", name="Add product")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^Edit"))).to_have_count(0)

    open_screen(page, "Orders")
    expect(page.get_by_text("No orders yet")).to_be_visible()
    page.get_by_role("button", name="New order").click()
    new_order(page, "Acme Ltd", "LAMP-01 · Desk lamp (25 left)", 2)
    expect(cell(page, "Acme Ltd", "Items")).to_have_text("2 × Desk lamp")
    expect(cell(page, "Acme Ltd", "Total")).to_have_text("$69.00")
    expect(cell(page, "Acme Ltd", "Status")).to_have_text("open")
    page.get_by_role("button", name="New order").click()
    new_order(page, "Bistro Blue", "LAMP-01 · Desk lamp (23 left)", 2)
    expect(cell(page, "Bistro Blue", "Status")).to_have_text("open")

    page.get_by_role("button", name="Fulfil order 1").click()
    expect(cell(page, "Acme Ltd", "Status")).to_have_text("fulfilled")
    page.get_by_role("button", name="Cancel order 2").click()
    expect(cell(page, "Bistro Blue", "Status")).to_have_text("cancelled")
    expect(page.get_by_role("button", name=re.compile("^(Fulfil|Cancel) order"))).to_have_count(0)

    open_screen(page, "Products")  # the cancelled order gave its two lamps back
    expect(cell(page, "LAMP-01", "In stock")).to_have_text("23")


def test_an_admin_runs_products_and_users_but_places_no_orders(page, demo, manager_api):
    place_order(manager_api, "Acme Ltd", CHAIR_01=1)
    log_in_through_the_api(page, demo, "admin")
    expect(menu(page)).to_have_text(["Products", "Orders", "Users", "Account"])
    expect(page.get_by_role("button", name=re.compile("^Edit"))).to_have_count(5)

    open_screen(page, "Orders")
    expect(row(page, "Acme Ltd")).to_be_visible()
    expect(page.get_by_role("button", name="New order")).to_have_count(0)
    expect(page.get_by_role("button", name="Fulfil order 1")).to_have_count(0)

    open_screen(page, "Users")
    expect(user_row(page, "manager")).to_be_visible()
    page.get_by_role("button", name="Add user").click()
    page.get_by_label("Username").fill("dana")
    page.get_by_label("Password").fill("a long enough password")
    page.get_by_label("Role", exact=True).select_option("manager")
    page.get_by_role("button", name="Create user").click()
    expect(page.get_by_role("status")).to_have_text("dana can now log in as a manager.")
    expect(page.get_by_label("Role of dana", exact=True)).to_have_value("manager")


def test_an_admin_adds_edits_searches_and_deletes_products_with_prices_in_cents(
    page, demo, client, manager_api, auth
):
    place_order(manager_api, "Acme Ltd", CHAIR_01=1)
    log_in_through_the_api(page, demo, "admin")
    dialog = page.get_by_role("dialog")

    page.get_by_role("button", name="Add product").click()
    dialog.get_by_label("SKU").fill("chair-01")  # codes are upper case: that one is taken
    dialog.get_by_label("Name").fill("USB cable, 2 m")
    dialog.get_by_label("Price").fill("0.29")  # 0.29 * 100 is 28.999999999999996 in floats
    dialog.get_by_label("In stock").fill("40")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_role("alert")).to_have_text("SKU: CHAIR-01 is taken by another product")
    dialog.get_by_label("SKU").fill("cable-2m")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_have_count(0)
    expect(cell(page, "CABLE-2M", "Name")).to_have_text("USB cable, 2 m")
    expect(cell(page, "CABLE-2M", "Price")).to_have_text("$0.29")
    auth.log_in_as("admin", demo["admin"])
    saved = {p["sku"]: p for p in client.get("/api/products").get_json()}["CABLE-2M"]
    assert saved["price_cents"] == 29

    page.get_by_role("button", name="Edit CABLE-2M").click()
    expect(dialog.get_by_label("Price")).to_have_value("0.29")
    dialog.get_by_label("Price").fill("1,5")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_role("alert")).to_contain_text("Price: write an amount in dollars")
    dialog.get_by_label("Price").fill("19.9")
    dialog.get_by_role("button", name="Save").click()
    expect(cell(page, "CABLE-2M", "Price")).to_have_text("$19.90")
    assert client.get(f"/api/products/{saved['id']}").get_json()["price_cents"] == 1990

    page.get_by_role("searchbox").fill("desk")  # in the SKU of one, the name of another
    expect(page.get_by_role("row")).to_have_count(3)  # with the header row
    expect(page.get_by_text("2 of 6 products")).to_be_visible()
    page.get_by_role("searchbox").fill("sofa")
    expect(page.get_by_text("No product matches")).to_be_visible()
    page.get_by_role("searchbox").fill("")

    page.get_by_role("button", name="Edit CHAIR-01").click()
    dialog.get_by_role("button", name="Delete").click()
    dialog.get_by_role("button", name="Yes, delete").click()
    expect(dialog.get_by_role("alert")).to_have_text(
        "CHAIR-01 is in orders and cannot be deleted; set its stock to 0"
    )
    dialog.get_by_role("button", name="Close").click()
    page.get_by_role("button", name="Edit CABLE-2M").click()
    dialog.get_by_role("button", name="Delete").click()
    dialog.get_by_role("button", name="Yes, delete").click()
    expect(row(page, "CABLE-2M")).to_have_count(0)
    expect(page.get_by_text("5 of 5 products")).to_be_visible()


# --- A change of role counts at the very next request ----------------------------------------


def test_editing_a_product_keeps_the_stock_that_orders_took_meanwhile(page, demo, manager_api):
    log_in_through_the_api(page, demo, "admin")
    open_screen(page, "Products")
    page.get_by_role("button", name="Edit MUG-01").click()  # the dialog shows 5 in stock
    place_order(manager_api, "Acme Ltd", MUG_01=2)  # meanwhile: 3 left
    page.get_by_role("dialog").get_by_label("Name").fill("Coffee mug, blue")
    page.get_by_role("dialog").get_by_role("button", name="Save").click()
    expect(cell(page, "MUG-01", "Name")).to_have_text("Coffee mug, blue")
    mug = {p["sku"]: p for p in manager_api.get("/api/products").get_json()}["MUG-01"]
    assert mug["quantity"] == 3  # the dialog sent the name only


def test_a_demoted_manager_is_logged_out_at_the_next_click_and_comes_back_a_viewer(
    page, new_page, demo, manager_api
):
    place_order(manager_api, "Acme Ltd", MUG_01=1)
    managers_browser = new_page()
    log_in_through_the_api(managers_browser, demo, "manager")
    open_screen(managers_browser, "Orders")
    expect(managers_browser.get_by_role("button", name="Fulfil order 1")).to_be_visible()

    log_in_through_the_api(page, demo, "admin")
    open_screen(page, "Users")
    change_role(page, "manager", "viewer")
    expect(page.get_by_role("status")).to_contain_text("manager is now a viewer")

    # The manager's page still shows the button, and their token is still valid...
    managers_browser.get_by_role("button", name="Fulfil order 1").click()
    # ...but the new role ended their sessions, and the server reads the session and the
    # role from the database at every request: this click is refused, and they must log in.
    expect(managers_browser).to_have_url(at("/login"))
    expect(notice(managers_browser)).to_have_text(SESSION_ENDED)
    submit_login(managers_browser, "manager", demo["manager"])
    expect(managers_browser.get_by_role("banner")).to_contain_text("viewer")
    open_screen(managers_browser, "Orders")
    expect(cell(managers_browser, "Acme Ltd", "Status")).to_have_text("open")
    expect(managers_browser.get_by_role("button", name="Fulfil order 1")).to_have_count(0)


def test_a_deactivated_user_is_sent_to_log_in_and_cannot_come_back(page, new_page, demo):
    viewers_browser = new_page()
    log_in_through_the_api(viewers_browser, demo, "viewer")
    log_in_through_the_api(page, demo, "admin")
    open_screen(page, "Users")
    page.get_by_role("button", name="Deactivate viewer").click()
    status = user_row(page, "viewer").locator("td[data-label='Status']")
    expect(status).to_have_text("deactivated")

    menu(viewers_browser).filter(has_text="Orders").click()  # the next request: 401
    expect(viewers_browser).to_have_url(at("/login"))
    expect(notice(viewers_browser)).to_have_text(SESSION_ENDED)
    submit_login(viewers_browser, "viewer", demo["viewer"])
    # The same answer as a wrong password: a guesser learns nothing about the account.
    expect(viewers_browser.get_by_role("alert")).to_have_text("Wrong username or password")

    page.get_by_role("button", name="Reactivate viewer").click()
    expect(status).to_have_text("active")
    log_in_on(viewers_browser, demo, "viewer")


# --- Why the user is on the login page -------------------------------------------------------


def test_a_session_revoked_from_another_device_says_so_on_the_login_page(page, new_page, demo):
    log_in_through_the_api(page, demo, "viewer")
    phone = new_page()
    log_in_through_the_api(phone, demo, "viewer")
    open_screen(phone, "Account")
    sessions = phone.get_by_role("listitem")
    sessions.filter(has_not_text="This device").get_by_role("button", name="Revoke").click()
    expect(sessions).to_have_count(1)

    menu(page).filter(has_text="Orders").click()  # 08 reads the session at every request
    expect(page).to_have_url(at("/login"))
    expect(notice(page)).to_have_role("status")  # a screen reader reads it out
    expect(notice(page)).to_have_text(SESSION_ENDED)
    page.reload()  # said once
    expect(notice(page)).to_be_empty()


def test_a_copy_used_after_its_owner_renewed_signs_the_owner_out_with_the_reason(
    clock, app, page, demo
):
    log_in_through_the_api(page, demo, "viewer")
    expect(row(page, "PEN-10")).to_be_visible()
    stolen = next(c["value"] for c in page.context.cookies() if c["name"] == "access_token")
    clock.shift(timedelta(minutes=10, seconds=1))
    menu(page).filter(has_text="Orders").click()  # the page's browser renews the token
    expect(page).to_have_url(at("/orders"))
    page.wait_for_load_state("networkidle")  # every request of the screen answered
    clock.shift(timedelta(seconds=31))  # past RENEWAL_GRACE
    thief = app.test_client()
    thief.set_cookie("access_token", stolen)
    assert thief.get("/api/products").status_code == 401  # the copy ends the session

    menu(page).filter(has_text="Products").click()
    expect(page).to_have_url(at("/login"))
    expect(notice(page)).to_have_text(
        "You were signed out to protect your account: your session was used from somewhere else"
    )


def test_an_expired_session_says_so_on_the_login_page(clock, page, demo):
    log_in_through_the_api(page, demo, "viewer")
    expect(row(page, "PEN-10")).to_be_visible()
    clock.shift(timedelta(days=7, minutes=1))
    menu(page).filter(has_text="Orders").click()
    expect(page).to_have_url(at("/login"))
    expect(notice(page)).to_have_text("Your session has expired: please log in again")


def test_logging_out_says_so_and_a_visitor_gets_no_notice(page, demo):
    page.goto("/orders")  # never logged in: sent to log in, with nothing to explain
    expect(page).to_have_url(at("/login"))
    expect(page.get_by_role("heading", name="Log in to Inventory")).to_be_visible()
    expect(notice(page)).to_be_empty()
    log_in_through_the_api(page, demo, "viewer")
    page.get_by_role("button", name="Log out", exact=True).click()
    expect(notice(page)).to_have_text("You have logged out.")


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
    page, live_server, demo, plant
):
    """The page sends the neighbour's value: a 403 would fail every change, Log out too,
    and say nothing; the server refuses it as planted, and the page tells the user."""
    log_in_through_the_api(page, demo, "viewer")
    page.evaluate("(cookie) => { document.cookie = cookie; }", CSRF_PLANTS[plant])
    page.get_by_role("button", name="Log out", exact=True).click()
    expect(page).to_have_url(at("/login"))
    expect(notice(page)).to_contain_text(PLANTED_NOTICE)
    assert page.context.cookies(live_server) == []  # forgotten, the planted one too
    log_in_on(page, demo, "viewer")
    page.get_by_role("button", name="Log out", exact=True).click()
    expect(notice(page)).to_have_text("You have logged out.")


# Quotes a neighbour planted around our cookies: a=" for /api, sent first, and z=" after.
PLANT_QUOTES = """() => {
    document.cookie = 'a="; path=/api';
    document.cookie = 'z="; path=/';
}"""


def test_log_out_clears_a_login_that_planted_quotes_hide_from_the_cookie_parser(
    page, live_server, demo
):
    """The parser reads one value from quote to quote and sees no login: the 401 must still
    clear ours, or the login would stay in the browser for the neighbour to uncover."""
    log_in_through_the_api(page, demo, "viewer")
    page.evaluate(PLANT_QUOTES)
    page.get_by_role("button", name="Log out", exact=True).click()
    expect(page).to_have_url(at("/login"))
    assert [cookie["name"] for cookie in page.context.cookies(live_server)] == ["z"]


def test_a_throttled_login_counts_down_the_seconds_until_the_user_may_try_again(
    clock, client, own_page, demo
):
    page = own_page  # its clock is the test's: a tab of its own
    for _ in range(5):
        wrong = {"username": "viewer", "password": "a wrong guess"}
        assert client.post("/api/login", json=wrong).status_code == 401
    page.clock.install()  # the page's timers run when the test says so
    page.goto("/login")
    page.clock.pause_at(page.evaluate("Date.now()") + 1000)
    submit_login(page, "viewer", demo["viewer"])  # the right password, but too soon
    alert = page.get_by_role("alert")
    expect(alert).to_have_text("Too many failed logins: try again in 15 min")
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
    expect(page).to_have_url(at("/products"))


# --- With the keyboard only ------------------------------------------------------------------


def keyboard_login(page, username, password):
    page.goto("/login")
    tab_to(page, page.get_by_label("Username"))
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    expect(page).to_have_url(at("/products"))


# The focus is in the dialog, or for a moment on the browser's own bar (body, to the page).
IN_DIALOG = "d => d.contains(document.activeElement) || document.activeElement === document.body"


# Every text the status region of the page has had, in order: a message said twice must
# be emptied in between, or a screen reader does not read it again.
WATCH_NEWS = """() => {
  window.newsHeard = [];
  const region = document.querySelector("main [role=status]");
  new MutationObserver(() => window.newsHeard.push(region.textContent.trim())).observe(
    region, { childList: true, subtree: true, characterData: true });
}"""


def test_the_journey_with_the_keyboard_only(app, page, demo, auth_for):
    """Tab, Shift+Tab, Enter, Space, arrows and Escape, and no mouse: a manager places and
    cancels an order; an admin adds, edits and deletes a product, changes a role,
    deactivates a user, revokes sessions and changes the password. Wherever the focus
    lands, it shows, and after each action it is on a control, never lost on the page."""
    page.goto("/login")
    assert_skip_link_first(page)
    keyboard_login(page, "manager", demo["manager"])
    place_and_cancel_an_order_by_keyboard(page)

    keyboard_login(page, "admin", demo["admin"])
    assert_skip_link_first(page)
    expect(page.get_by_role("banner").locator(".who")).to_have_text("admin, role: admin")
    add_edit_and_delete_a_product_by_keyboard(page)
    a_dialog_keeps_the_focus_until_escape(page)
    change_a_role_and_deactivate_a_user_by_keyboard(page)
    # Two more sessions, from other devices, to revoke from the account page.
    for _ in range(2):
        auth_for(app.test_client()).log_in_as("admin", demo["admin"])
    revoke_sessions_and_change_the_password_by_keyboard(page, demo["admin"])


def place_and_cancel_an_order_by_keyboard(page):
    """A manager places an order of two lines, removes one, then cancels the order."""
    keys = page.keyboard
    tab_to(page, menu(page).filter(has_text="Orders"))
    keys.press("Enter")
    expect(page).to_have_url(at("/orders"))
    new_order_button = page.get_by_role("button", name="New order")
    tab_to(page, new_order_button)
    keys.press("Space")
    expect(page.get_by_label("Customer")).to_be_focused()  # the form takes the keyboard
    keys.type("Acme Ltd")
    keys.press("Tab")
    expect(page.get_by_label("Product")).to_be_focused()
    keys.press("ArrowDown")  # the first product
    expect(page.get_by_text(re.compile(r"in stock · \$"))).to_be_visible()
    keys.press("Tab")
    keys.press("Control+A")
    keys.type("2")
    # A second line, named as such, then removed: the keyboard goes to the line before.
    tab_to(page, page.get_by_role("button", name="Add a line"))
    keys.press("Enter")
    expect(page.get_by_label("Product 2", exact=True)).to_be_visible()
    expect(page.get_by_label("Quantity 2", exact=True)).to_be_visible()
    tab_to(page, page.get_by_role("button", name="Remove line 2"))
    keys.press("Enter")
    expect(page.get_by_label("Product 2", exact=True)).to_have_count(0)
    expect(page.get_by_label("Product", exact=True)).to_be_focused()
    assert_focus_visible(page)
    tab_to(page, page.get_by_role("button", name="Place order"))
    keys.press("Enter")
    expect(cell(page, "Acme Ltd", "Status")).to_have_text("open")
    expect(page.get_by_role("status")).to_have_text("Order #1 placed for Acme Ltd.")
    expect(new_order_button).to_be_focused()  # back on the button that opened the form
    tab_to(page, page.get_by_role("button", name="Cancel order 1"))
    keys.press("Enter")
    expect(cell(page, "Acme Ltd", "Status")).to_have_text("cancelled")
    expect(page.get_by_role("status")).to_have_text("Order #1 cancelled: its stock is back.")
    expect(new_order_button).to_be_focused()  # the order's buttons went: not lost
    tab_to(page, page.get_by_role("button", name="Log out"), key="Shift+Tab")
    keys.press("Enter")
    expect(page).to_have_url(at("/login"))


def add_edit_and_delete_a_product_by_keyboard(page):
    """An admin adds, edits and deletes a product: after each, the keyboard is back on the
    button that opened the dialog, and the news is said each time."""
    keys = page.keyboard
    page.evaluate(WATCH_NEWS)
    news = page.get_by_role("status")

    # Add a product: after Save, the keyboard is back on Add product.
    add = page.get_by_role("button", name="Add product")
    tab_to(page, add)
    keys.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("SKU")).to_be_focused()
    keys.type("KB-01")
    keys.press("Tab")
    keys.type("Keyboard")
    tab_to(page, dialog.get_by_label("Price"))
    keys.type("49.00")
    tab_to(page, dialog.get_by_role("button", name="Save"))
    keys.press("Enter")
    expect(dialog).to_have_count(0)
    expect(news).to_have_text("KB-01 saved.")
    expect(add).to_be_focused()
    # Edit it and save it as it is: back on its Edit button, and the same news said again.
    edit_kb = page.get_by_role("button", name="Edit KB-01")
    tab_to(page, edit_kb)
    keys.press("Enter")
    expect(dialog.get_by_label("SKU")).to_be_focused()
    keys.press("Enter")
    expect(dialog).to_have_count(0)
    expect(edit_kb).to_be_focused()
    expect(news).to_have_text("KB-01 saved.")
    heard = page.evaluate("window.newsHeard").count("KB-01 saved.")
    assert heard == 2, f"KB-01 saved. was said {heard} times, not twice"
    # Delete asks first: the question is an alert, the keyboard on Keep it.
    keys.press("Enter")
    tab_to(page, dialog.get_by_role("button", name="Delete"))
    keys.press("Enter")
    expect(dialog.get_by_role("alert")).to_have_text("Delete KB-01 for good?")
    expect(dialog.get_by_role("button", name="Keep it")).to_be_focused()
    keys.press("Enter")
    expect(dialog.get_by_role("button", name="Delete")).to_be_focused()
    keys.press("Enter")
    tab_to(page, dialog.get_by_role("button", name="Yes, delete"))
    keys.press("Enter")
    expect(dialog).to_have_count(0)
    expect(news).to_have_text("KB-01 deleted.")
    expect(add).to_be_focused()  # its Edit button is gone: the focus is not lost
    assert_focus_visible(page)


def a_dialog_keeps_the_focus_until_escape(page):
    """Tab goes round inside an open dialog; Escape closes it, back where the user was."""
    keys = page.keyboard
    edit = page.get_by_role("button", name="Edit MUG-01")
    tab_to(page, edit)
    keys.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("SKU")).to_be_focused()
    for _ in range(12):  # round and round: the focus stays in the dialog
        keys.press("Tab")
        assert dialog.evaluate(IN_DIALOG), "the focus left the dialog"
    keys.press("Escape")
    expect(dialog).to_have_count(0)
    expect(edit).to_be_focused()  # back where the user was
    assert_focus_visible(page)


def change_a_role_and_deactivate_a_user_by_keyboard(page):
    """The keyboard stays on the row's control as it changes."""
    keys = page.keyboard
    tab_to(page, menu(page).filter(has_text="Users"))
    keys.press("Enter")
    role = page.get_by_label("Role of viewer", exact=True)
    tab_to(page, role)
    keys.press("ArrowUp")  # viewer -> manager, not saved yet
    # The live region is on the page but empty (Playwright counts an empty one as hidden).
    expect(page.get_by_role("status")).to_have_count(0)
    keys.press("Tab")
    expect(page.get_by_role("button", name="Save the role of viewer")).to_be_focused()
    keys.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("viewer is now a manager")
    expect(role).to_have_value("manager")
    expect(role).to_be_focused()
    # Deactivate, then Reactivate: the keyboard stays on the row's button, which turns.
    tab_to(page, page.get_by_role("button", name="Deactivate viewer"))
    keys.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("viewer is deactivated")
    expect(page.get_by_role("button", name="Reactivate viewer")).to_be_focused()
    keys.press("Enter")
    expect(page.get_by_role("status")).to_have_text("viewer can log in again.")
    expect(page.get_by_role("button", name="Deactivate viewer")).to_be_focused()
    assert_focus_visible(page)


def revoke_sessions_and_change_the_password_by_keyboard(page, password):
    """Revoking a session moves the keyboard to the next one, never to the page."""
    keys = page.keyboard
    tab_to(page, menu(page).filter(has_text="Account"), key="Shift+Tab")
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
    keys.type(password)
    keys.press("Tab")
    keys.type("a brand new passphrase")
    change = page.get_by_role("button", name="Change password")
    tab_to(page, change)
    keys.press("Enter")
    expect(page.get_by_role("status").filter(has_text="Password changed")).to_be_visible()
    expect(change).to_be_focused()  # where the user was, not lost
    assert_focus_visible(page)


def test_on_a_phone_the_keyboard_never_hides_under_the_sticky_header(new_page, demo, manager_api):
    """Going back up a long page with Shift+Tab, each control comes into view below the
    sticky header (two rows high on a phone), not under it."""
    for number in range(8):
        place_order(manager_api, f"Customer {number}", PEN_10=1)
    page = new_page(**DEVICES["phone"])
    log_in_through_the_api(page, demo, "manager")
    open_screen(page, "Orders")
    page.locator("td.row-actions button").last.focus()  # the bottom of the page
    for _ in range(15):  # up past the top of the screen
        page.keyboard.press("Shift+Tab")
        assert_clear_of_the_header(page)


# --- Stock --------------------------------------------------------------------------------


def test_an_order_beyond_the_stock_is_refused_with_what_is_left_and_stock_updates(
    page, demo, manager_api
):
    log_in_through_the_api(page, demo, "manager")
    open_screen(page, "Orders")
    page.get_by_role("button", name="New order").click()
    new_order(page, "Café Lumière", "MUG-01 · Coffee mug (5 left)", 6)
    expect(page.get_by_text("5 in stock · $8.90 each")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_text(
        "Not enough MUG-01 (Coffee mug): 5 left, 6 wanted"
    )
    expect(page.get_by_text("No orders yet")).to_be_visible()

    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Place order").click()
    expect(cell(page, "Café Lumière", "Items")).to_have_text("2 × Coffee mug")
    page.get_by_role("button", name="New order").click()
    page.get_by_label("Product").select_option(label="MUG-01 · Coffee mug (3 left)")
    expect(page.get_by_text("3 in stock · $8.90 each")).to_be_visible()

    # Someone else takes two mugs while this page still says three are left: the server,
    # which takes the stock in one step, refuses, and the page learns the new figure.
    place_order(manager_api, "Bistro Blue", MUG_01=2)
    new_order(page, "Café Lumière", "MUG-01 · Coffee mug (3 left)", 3)
    expect(page.get_by_role("alert")).to_have_text(
        "Not enough MUG-01 (Coffee mug): 1 left, 3 wanted"
    )
    expect(page.get_by_text("1 in stock · $8.90 each")).to_be_visible()

    open_screen(page, "Products")
    expect(cell(page, "MUG-01", "In stock")).to_have_text("1 · low")


# --- No console errors, no CSP violations ----------------------------------------------------

# Runs before the page's own scripts, on every page load: a CSP violation becomes a console
# error, so the one console listener below sees every page of the journey.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} refused ${event.blockedURI}`);
});
"""


def console_errors(page):
    page.add_init_script(REPORT_CSP_VIOLATIONS)
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message))
    return errors


def test_the_whole_journey_logs_no_errors_and_breaks_no_content_security_policy(own_page, demo):
    page = own_page  # it listens to the console: a tab of its own
    errors = console_errors(page)
    page.goto("/")
    expect(page).to_have_url(at("/login"))
    log_in_on(page, demo, "admin")
    page.get_by_role("button", name="Add product").click()
    page.get_by_label("SKU").fill("TAPE-01")
    page.get_by_label("Name").fill("Packing tape")
    page.get_by_label("Price").fill("3.5")
    page.get_by_label("In stock").fill("30")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Edit TAPE-01").click()
    page.get_by_label("In stock").fill("31")
    page.get_by_role("button", name="Save").click()
    expect(cell(page, "TAPE-01", "In stock")).to_have_text("31")
    page.get_by_role("searchbox").fill("tape")
    open_screen(page, "Users")
    change_role(page, "viewer", "manager")
    expect(page.get_by_role("status")).to_contain_text("viewer is now a manager")
    open_screen(page, "Account")
    page.get_by_role("button", name="Log out", exact=True).click()
    expect(page).to_have_url(at("/login"))

    log_in_on(page, demo, "manager")
    open_screen(page, "Orders")
    page.get_by_role("button", name="New order").click()
    page.get_by_role("button", name="Add a line").click()
    page.get_by_label("Customer").fill("Acme Ltd")
    page.get_by_label("Product").first.select_option(label="TAPE-01 · Packing tape (31 left)")
    page.get_by_label("Product").last.select_option(label="PEN-10 · Pens, pack of 10 (200 left)")
    page.get_by_label("Quantity").last.fill("3")
    expect(page.get_by_text("Total $17.00")).to_be_visible()
    page.get_by_role("button", name="Place order").click()
    page.get_by_role("button", name="Fulfil order 1").click()
    expect(cell(page, "Acme Ltd", "Status")).to_have_text("fulfilled")
    open_screen(page, "Account")
    page.get_by_label("Current password").fill(demo["manager"])
    page.get_by_label("New password").fill("a brand new passphrase")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("status").filter(has_text="Password")).to_contain_text(
        "Password changed"
    )
    page.get_by_role("button", name="Log out everywhere").click()
    expect(page).to_have_url(at("/login"))
    page.goto("/orders")  # logged out: straight to the login page, without a refused request
    expect(page).to_have_url(at("/login"))
    assert [message.text for message in errors] == []

    # The watch works: an inline style, which the policy refuses, is reported.
    with page.expect_console_message(lambda message: "CSP violation" in message.text):
        page.evaluate("document.body.setAttribute('style', 'color: red')")


def test_the_built_page_has_no_inline_code_and_everything_it_loads_is_in_the_build():
    html = (DIST / "index.html").read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "an inline script: CSP refuses it"
    assert "<style" not in html and "style=" not in html, "an inline style: CSP refuses it"
    # Not "#main" (the skip link's target, in the page): nothing loaded.
    loaded = [url for url in re.findall(r'(?:src|href)="([^"]+)"', html) if url[0] != "#"]
    assert loaded, html
    for url in loaded:
        assert url.startswith("/static/dist/"), f"{url}: not served by the stage itself"
        assert (DIST / url.removeprefix("/static/dist/")).is_file(), f"{url} is missing"


# --- Screenshots ---------------------------------------------------------------------------


def assert_fits_the_screen(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} scrolls sideways"


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_every_screen_state_fits_the_screen_passes_axe_and_is_photographed(
    new_page, demo, client, manager_api, device, auth
):
    """Each screen, for each role, in each state a user sees it in: it scrolls not
    sideways, axe finds nothing serious or critical, and a screenshot goes to
    screenshots/08_inventory_rbac/ to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    auth.log_in_as("admin", demo["admin"])
    dana = {"username": "dana", "password": "a long enough password", "role": "viewer"}
    dana_id = client.post("/api/users", json=dana).get_json()["id"]
    client.patch(f"/api/users/{dana_id}", json={"active": False})
    place_order(manager_api, "Acme Ltd", CHAIR_01=2, LAMP_01=2)
    place_order(manager_api, "Bistro Blue", MUG_01=4)
    place_order(manager_api, "Café Lumière", PEN_10=20, DESK_01=1)
    manager_api.post("/api/orders/1/fulfil")
    manager_api.post("/api/orders/2/cancel")

    def shoot(page, name):
        assert_fits_the_screen(page)
        assert_no_axe_violations(page, f"{name}, {device}")
        page.evaluate("window.scrollTo(0, 0)")  # else the sticky header lands mid-page
        # A dialog's backdrop covers the window only: with one open, the window is the picture.
        whole_page = page.get_by_role("dialog").count() == 0
        # One image pixel a CSS pixel, as on the desktop: the phone's screen has twice as
        # many each way, four times the pixels for the browser to encode.
        picture = SCREENSHOTS / f"{name}-{device}.png"
        page.screenshot(path=picture, full_page=whole_page, scale="css")

    admin = new_page(**DEVICES[device])
    photograph_the_admins_screens(admin, shoot, demo, auth)
    manager = new_page(**DEVICES[device])
    photograph_the_managers_screens(manager, shoot, demo)
    # The demo manager, made a viewer by the admin: what a viewer sees.
    client.patch(f"/api/users/{user_id(client, 'manager')}", json={"role": "viewer"})
    viewer = new_page(**DEVICES[device])
    log_in_through_the_api(viewer, demo, "manager")
    photograph_the_viewers_screens(viewer, shoot)


def photograph_the_admins_screens(admin, shoot, demo, auth):
    """Log in (a wrong password first), then every screen of the admin, its dialogs and
    errors; log out, and the login throttled."""
    admin.goto("/login")
    expect(admin.get_by_role("heading", level=1)).to_be_visible()
    shoot(admin, "login")
    submit_login(admin, "admin", "not the password")
    expect(admin.get_by_role("alert")).to_be_visible()
    shoot(admin, "login-wrong-password")
    log_in_on(admin, demo, "admin")
    expect(row(admin, "PEN-10")).to_be_visible()
    shoot(admin, "products")
    admin.get_by_role("searchbox").fill("sofa")
    expect(admin.get_by_text("No product matches")).to_be_visible()
    shoot(admin, "products-no-match")
    admin.get_by_role("searchbox").fill("")
    admin.get_by_role("button", name="Edit DESK-01").click()
    dialog = admin.get_by_role("dialog")
    expect(dialog).to_be_visible()
    shoot(admin, "product-dialog")
    dialog.get_by_label("Price").fill("1,5")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_role("alert")).to_be_visible()
    dialog.get_by_role("button", name="Delete").click()
    shoot(admin, "product-dialog-error-and-delete")
    admin.keyboard.press("Escape")
    open_screen(admin, "Orders")
    expect(row(admin, "Café Lumière")).to_be_visible()
    shoot(admin, "orders")
    open_screen(admin, "Users")
    expect(user_row(admin, "dana")).to_contain_text("deactivated")
    admin.get_by_label("Role of viewer", exact=True).select_option("manager")  # chosen, not saved
    admin.get_by_role("button", name="Add user").click()
    shoot(admin, "users")
    admin.get_by_label("Username").fill("x")
    admin.get_by_label("Password", exact=True).fill("a long enough password")
    admin.get_by_role("button", name="Create user").click()
    expect(admin.get_by_role("alert")).to_be_visible()
    admin.get_by_role("button", name="Save the role of viewer").click()
    expect(admin.get_by_role("status")).to_contain_text("viewer is now a manager")
    shoot(admin, "users-error-and-saved")
    open_screen(admin, "Account")
    expect(admin.get_by_text("This device")).to_be_visible()
    shoot(admin, "account")
    admin.get_by_role("button", name="Log out", exact=True).click()
    expect(notice(admin)).to_have_text("You have logged out.")
    shoot(admin, "login-logged-out")
    for _ in range(5):
        auth.login("dana", "a wrong guess")
    admin.goto("/login")  # the page again: the notice of the logout is said once
    submit_login(admin, "dana", "a long enough password")
    expect(admin.get_by_role("alert")).to_contain_text("Too many failed logins")
    shoot(admin, "login-throttled")


def photograph_the_managers_screens(manager, shoot, demo):
    """A new order, refused for want of stock, then an order cancelled."""
    # The demo viewer, a manager now: the admin changed the role above.
    log_in_through_the_api(manager, demo, "viewer")
    open_screen(manager, "Orders")
    manager.get_by_role("button", name="New order").click()
    manager.get_by_label("Customer").fill("Dune Bakery")
    manager.get_by_label("Product").select_option(label="MUG-01 · Coffee mug (5 left)")
    manager.get_by_label("Quantity").fill("6")
    manager.get_by_role("button", name="Add a line").click()
    manager.get_by_label("Product").last.select_option(label="LAMP-01 · Desk lamp (23 left)")
    manager.get_by_label("Customer").focus()
    shoot(manager, "orders-manager")
    manager.get_by_role("button", name="Place order").click()
    expect(manager.get_by_role("alert")).to_contain_text("Not enough MUG-01")
    shoot(manager, "orders-manager-refused")
    manager.get_by_role("button", name="Cancel", exact=True).click()
    manager.get_by_role("button", name="Cancel order 3").click()
    expect(manager.get_by_role("status")).to_contain_text("Order #3 cancelled")
    shoot(manager, "orders-manager-cancelled")


def photograph_the_viewers_screens(viewer, shoot):
    """Products and orders to read, and a screen not for a viewer's role."""
    expect(row(viewer, "PEN-10")).to_be_visible()
    shoot(viewer, "products-viewer")
    open_screen(viewer, "Orders")
    shoot(viewer, "orders-viewer")
    viewer.goto("/users")
    expect(viewer.get_by_role("heading", name="Users: not for your role")).to_be_visible()
    shoot(viewer, "users-not-for-your-role")


def user_id(client, username):
    return next(u["id"] for u in client.get("/api/users").get_json() if u["username"] == username)


# --- The committed build is the build of the sources --------------------------------------

# What frontend/scripts/record-source-hash.js hashes, in the same way.
SOURCES = ["index.html", "package.json", "package-lock.json", "vite.config.js", "public", "src"]


def source_hash():
    """sha256 over each source file's path and text (line endings made "\\n"), in sorted
    order: neither a checkout's line endings nor the order of a folder listing changes it."""
    paths = []
    for name in SOURCES:
        path = FRONTEND / name
        paths += [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path]
    digest = hashlib.sha256()
    for name in sorted(path.relative_to(FRONTEND).as_posix() for path in paths):
        text = (FRONTEND / name).read_bytes().decode().replace("\r\n", "\n")
        digest.update(f"{name}\0{text}\0".encode())
    return digest.hexdigest()


def test_the_committed_build_was_made_from_the_current_sources():
    recorded = DIST / "source-hash.txt"
    assert recorded.is_file(), f"{STAGE}/static/dist/ has no build. Build it: {REBUILD}"
    assert recorded.read_text().strip() == source_hash(), (
        f"{STAGE}/static/dist/ was built from other sources than those in {STAGE}/frontend/ "
        f"(or not built at all). Rebuild it and commit the result: {REBUILD}"
    )


def test_behind_https_the_page_sends_the_host_prefixed_csrf_cookie(app, page, live_server, demo):
    """With AUTH_COOKIE_SECURE the cookies are __Host-...: the browser keeps Secure cookies
    on http://localhost (a secure context), so the page works as it would over HTTPS."""
    app.config["AUTH_COOKIE_SECURE"] = True
    page.goto(live_server.replace("127.0.0.1", "localhost") + "/login")
    page.get_by_label("Username").fill("viewer")
    page.get_by_label("Password").fill(demo["viewer"])
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(at("/products"))
    names = sorted(cookie["name"] for cookie in page.context.cookies())
    assert names == ["__Host-access_token", "__Host-csrf_token"]
    page.get_by_role("button", name="Log out", exact=True).click()  # a POST, with the header
    expect(notice(page)).to_have_text("You have logged out.")
    assert page.context.cookies() == []
