from auth_actions import TEST_PASSWORD
from playwright.sync_api import expect

STAGE = "04_session_cookies"


def test_logging_out_the_other_devices_ends_their_sessions_and_keeps_this_one(app, auth_for):
    laptop, phone, tablet = app.test_client(), app.test_client(), app.test_client()
    for device in (laptop, phone, tablet):
        auth_for(device).log_in_as("alice")
    assert laptop.post("/api/logout-others").status_code == 204
    assert phone.get("/api/me").status_code == 401
    assert tablet.get("/api/me").status_code == 401
    assert laptop.get("/api/me").status_code == 200
    assert [s["current"] for s in laptop.get("/api/sessions").get_json()] == [True]


def test_logging_out_the_other_devices_leaves_other_users_alone(alice, bob):
    assert alice.post("/api/logout-others").status_code == 204
    assert bob.get("/api/me").status_code == 200


def test_another_site_cannot_log_out_your_other_devices(app, auth_for):
    laptop, phone = app.test_client(), app.test_client()
    auth_for(laptop).log_in_as("alice")
    auth_for(phone).log_in_as("alice")
    laptop.environ_base.pop("HTTP_X_CSRF_TOKEN")  # a forged request has no CSRF header
    response = laptop.post("/api/logout-others")
    assert response.status_code == 403
    assert response.get_json() == {"error": "missing or wrong X-CSRF-Token header"}
    assert phone.get("/api/me").status_code == 200


def test_logging_out_the_other_devices_needs_a_login(client):
    response = client.post("/api/logout-others")
    assert response.status_code == 401
    assert response.get_json() == {"error": "not logged in"}


def log_in_on_the_page(page, action):
    page.goto("/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name=action).click()
    expect(page.locator("#username")).to_have_text("alice")


def test_the_page_logs_out_the_other_devices(new_page):
    laptop, phone = new_page(), new_page()
    log_in_on_the_page(laptop, "Register")
    log_in_on_the_page(phone, "Log in")
    laptop.reload()
    expect(laptop.locator("#sessions li")).to_have_count(2)

    button = laptop.get_by_role("button", name="Log out other devices")
    expect(button).to_be_visible()
    button.click()
    expect(laptop.locator("#sessions li")).to_have_count(1)
    expect(laptop.locator("#username")).to_have_text("alice")
    phone.reload()
    expect(phone.get_by_role("button", name="Log in")).to_be_visible()
