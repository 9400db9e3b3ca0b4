from datetime import timedelta

import pytest
from auth_actions import TEST_PASSWORD
from helpers import set_cookies, sql_statements
from playwright.sync_api import expect

STAGE = "04_session_cookies"
WEEK = timedelta(days=7)


def without_csrf_header(client):
    client.environ_base.pop("HTTP_X_CSRF_TOKEN")
    return client


def titles(client):
    return [todo["title"] for todo in client.get("/api/todos").get_json()]


# The README's example of a test to copy (tests/documents/test_readmes.py checks it is this).
def test_my_todos_are_mine_alone(auth, client, bob):
    auth.log_in_as("carol")
    client.post("/api/todos", json={"title": "mine"})
    assert [todo["title"] for todo in client.get("/api/todos").get_json()] == ["mine"]
    assert bob.get("/api/todos").get_json() == []


# --- Log in: two cookies -----------------------------------------------------------------


def test_login_answers_with_the_user_never_the_session_id(client, auth):
    auth.register("alice")
    response = auth.login("alice")
    assert response.status_code == 200
    assert response.get_json() == {"id": 1, "username": "alice"}
    session_id = client.get_cookie("session_id").value
    assert session_id not in response.get_data(as_text=True)
    assert client.get("/api/me").get_json() == {"id": 1, "username": "alice"}


@pytest.mark.lesson("fix")
def test_the_session_cookie_is_httponly_samesite_lax_and_the_csrf_cookie_readable(client, auth):
    auth.register("alice")
    response = auth.login("alice")
    cookies = set_cookies(response)
    session, csrf = cookies["session_id"], cookies["csrf_token"]
    assert session["httponly"] is True
    assert csrf["httponly"] == ""  # the page must read this one
    for cookie in (session, csrf):
        assert cookie["samesite"] == "Lax"
        assert cookie["path"] == "/"
        assert cookie["max-age"] == str(7 * 24 * 60 * 60)
        assert cookie["secure"] == ""  # plain http on a laptop; see the next test


def test_cookies_are_secure_when_configured(stage, app_config, auth_for):
    app = stage.create_app({**app_config, "AUTH_COOKIE_SECURE": True})
    client = app.test_client()
    auth_for(client).register("alice")
    response = auth_for(client).login("alice")
    cookies = set_cookies(response)
    assert cookies["session_id"]["secure"] is True
    assert cookies["csrf_token"]["secure"] is True


def test_a_csrf_token_alone_opens_nothing(app, alice):
    csrf_token = alice.get_cookie("csrf_token").value
    thief = app.test_client()
    thief.set_cookie("csrf_token", csrf_token)
    response = thief.get("/api/todos", headers={"X-CSRF-Token": csrf_token})
    assert response.status_code == 401


@pytest.mark.parametrize("cookie", ["", "guess", "ÿþ", "x" * 4000])
def test_no_valid_session_cookie_is_401(client, cookie):
    client.set_cookie("session_id", cookie)
    response = client.get("/api/todos")
    assert response.status_code == 401
    assert response.get_json() == {"error": "not logged in"}


def test_a_bearer_header_is_no_longer_a_way_in(app, alice):
    session_id = alice.get_cookie("session_id").value
    response = app.test_client().get("/api/me", headers={"Authorization": f"Bearer {session_id}"})
    assert response.status_code == 401


@pytest.mark.lesson("fix")
def test_login_csrf_another_sites_form_cannot_log_you_in(client, auth):
    """Login needs no CSRF token (there is no session yet), but it needs a JSON body, and
    an HTML form on another site can only send form encodings or text/plain."""
    auth.register("mallory")
    for content_type, body in [
        ("text/plain", f'{{"username": "mallory", "password": "{TEST_PASSWORD}"}}'),
        ("application/x-www-form-urlencoded", f"username=mallory&password={TEST_PASSWORD}"),
    ]:
        response = client.post("/api/login", data=body, content_type=content_type)
        assert response.status_code == 400
        assert "Set-Cookie" not in response.headers


# --- CSRF -------------------------------------------------------------------------------


@pytest.mark.lesson("fix")
def test_a_change_without_the_csrf_header_is_403_and_changes_nothing(alice):
    todo_id = alice.post("/api/todos", json={"title": "buy milk"}).get_json()["id"]
    sessions_before = alice.get("/api/sessions").get_json()
    attacker_requests = [
        ("POST", "/api/todos", {"title": "pwned"}),
        ("PATCH", f"/api/todos/{todo_id}", {"title": "pwned"}),
        ("DELETE", f"/api/todos/{todo_id}", None),
        ("POST", "/api/logout", None),
        ("POST", "/api/logout-all", None),
        ("DELETE", f"/api/sessions/{sessions_before[0]['id']}", None),
    ]
    csrf_token = alice.environ_base["HTTP_X_CSRF_TOKEN"]
    without_csrf_header(alice)
    for header in [{}, {"X-CSRF-Token": "wrong"}, {"X-CSRF-Token": csrf_token[:-1]}]:
        for method, url, body in attacker_requests:
            response = alice.open(url, method=method, json=body, headers=header)
            assert response.status_code == 403, (method, url)
            assert response.get_json() == {"error": "missing or wrong X-CSRF-Token header"}
    assert titles(alice) == ["buy milk"]
    assert alice.get("/api/sessions").get_json() == sessions_before


def test_the_csrf_token_of_another_session_does_not_count(alice, bob):
    without_csrf_header(alice)
    bobs_token = bob.get_cookie("csrf_token").value
    response = alice.post("/api/todos", json={"title": "x"}, headers={"X-CSRF-Token": bobs_token})
    assert response.status_code == 403


def test_reading_needs_no_csrf_header(alice):
    assert without_csrf_header(alice).get("/api/todos").status_code == 200


# --- Log out, everywhere, and session control --------------------------------------------


@pytest.mark.lesson("fix")
def test_logout_ends_the_session_and_clears_both_cookies(app, alice):
    session_id = alice.get_cookie("session_id").value
    response = alice.post("/api/logout")
    assert response.status_code == 204
    cookies = set_cookies(response)
    assert cookies["session_id"].value == "" and cookies["session_id"]["max-age"] == "0"
    assert cookies["csrf_token"].value == "" and cookies["csrf_token"]["max-age"] == "0"
    replay = app.test_client()
    replay.set_cookie("session_id", session_id)
    assert replay.get("/api/me").status_code == 401


@pytest.mark.lesson("fix")
def test_logout_everywhere_on_one_device_ends_the_session_on_another(app, auth_for):
    laptop, phone = app.test_client(), app.test_client()
    auth_for(laptop).log_in_as("alice")
    auth_for(phone).log_in_as("alice")
    assert phone.get("/api/me").status_code == 200
    assert laptop.post("/api/logout-all").status_code == 204
    assert phone.get("/api/me").status_code == 401
    assert laptop.get("/api/me").status_code == 401


def test_logout_everywhere_leaves_other_users_alone(alice, bob):
    alice.post("/api/logout-all")
    assert bob.get("/api/me").status_code == 200


def test_sessions_lists_my_sessions_with_public_ids(app, auth_for):
    laptop, phone = app.test_client(), app.test_client()
    auth_for(laptop).log_in_as("alice")
    laptop.environ_base["HTTP_USER_AGENT"] = "laptop browser"
    phone.environ_base["HTTP_USER_AGENT"] = "phone browser"
    auth_for(phone).log_in_as("alice")
    sessions = laptop.get("/api/sessions").get_json()
    assert [s["current"] for s in sessions] == [True, False]
    assert sessions[1]["user_agent"] == "phone browser"
    assert set(sessions[0]) == {"id", "created_at", "last_seen", "user_agent", "current"}
    secrets_ = {laptop.get_cookie("session_id").value, phone.get_cookie("session_id").value}
    assert not {s["id"] for s in sessions} & secrets_


@pytest.mark.lesson("fix")
def test_revoking_a_session_ends_it(app, auth_for):
    laptop, phone = app.test_client(), app.test_client()
    auth_for(laptop).log_in_as("alice")
    auth_for(phone).log_in_as("alice")
    phone_id = next(s["id"] for s in laptop.get("/api/sessions").get_json() if not s["current"])
    assert laptop.delete(f"/api/sessions/{phone_id}").status_code == 204
    assert phone.get("/api/me").status_code == 401
    assert laptop.get("/api/me").status_code == 200
    assert laptop.delete(f"/api/sessions/{phone_id}").status_code == 404


def test_someone_elses_session_is_not_found(alice, bob):
    bobs_id = bob.get("/api/sessions").get_json()[0]["id"]
    response = alice.delete(f"/api/sessions/{bobs_id}")
    assert response.status_code == 404
    assert response.get_json() == {"error": "no such session"}
    assert bob.get("/api/me").status_code == 200


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_another_users_todo_is_not_found(alice, bob, method):
    todo_id = alice.post("/api/todos", json={"title": "alice's"}).get_json()["id"]
    response = bob.open(f"/api/todos/{todo_id}", method=method, json={"title": "bob was here"})
    assert response.status_code == 404
    assert titles(alice) == ["alice's"]


# --- Time --------------------------------------------------------------------------------


@pytest.mark.lesson("fix")
def test_a_session_ends_seven_days_after_login(clock, app, alice):
    clock.shift(WEEK - timedelta(seconds=1))
    assert alice.get("/api/me").status_code == 200
    clock.shift(timedelta(seconds=1))
    assert alice.get("/api/me").status_code == 401


def test_an_expired_session_is_deleted(clock, stage, app, alice):
    clock.shift(WEEK)
    alice.get("/api/me")
    with app.app_context():
        db = stage.db.db
        assert db.session.execute(db.select(stage.models.UserSession)).all() == []


def test_activity_does_not_extend_the_session(clock, alice):
    for _ in range(7):
        clock.shift(timedelta(days=1) - timedelta(seconds=1))
        assert alice.get("/api/me").status_code == 200
    clock.shift(timedelta(seconds=7))
    assert alice.get("/api/me").status_code == 401


def test_last_seen_is_written_at_most_once_a_minute(clock, app, alice):
    first = alice.get("/api/sessions").get_json()[0]["last_seen"]
    clock.shift(timedelta(seconds=30))
    assert alice.get("/api/sessions").get_json()[0]["last_seen"] == first
    clock.shift(timedelta(seconds=31))
    assert alice.get("/api/sessions").get_json()[0]["last_seen"] != first


@pytest.mark.lesson("weakness")
def test_an_authenticated_read_costs_one_query(app, alice):
    """Logging the request in costs one query, the session's; the read is the other."""
    statements = sql_statements(app, lambda: alice.get("/api/todos"))
    assert len(statements) == 2, statements
    assert "FROM user_session" in statements[0] and "FROM todo" in statements[1]


# --- The page ----------------------------------------------------------------------------


def log_in_on_the_page(page, live_server, username="alice", action="Register"):
    page.goto(live_server)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name=action).click()
    expect(page.locator("#username")).to_have_text(username)
    expect(page.get_by_role("button", name="Log in")).to_be_hidden()


def test_the_page_logs_in_keeps_todos_and_logs_out(page, live_server):
    log_in_on_the_page(page, live_server)
    page.get_by_label("New todo").fill("buy milk")
    page.get_by_role("button", name="Add").click()
    expect(page.locator("#todos .title")).to_have_text(["buy milk"])
    page.reload()
    expect(page.locator("#todos .title")).to_have_text(["buy milk"])
    expect(page.locator("#sessions li")).to_have_count(1)
    page.get_by_role("button", name="Log out", exact=True).click()
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    expect(page.get_by_label("New todo")).to_be_hidden()


def test_the_page_revokes_another_session_and_logs_out_everywhere(page, live_server, browser):
    log_in_on_the_page(page, live_server)
    other_browser = browser.new_context()
    other_page = other_browser.new_page()
    log_in_on_the_page(other_page, live_server, action="Log in")

    page.reload()
    expect(page.locator("#sessions li")).to_have_count(2)
    page.get_by_role("button", name="Revoke").click()
    expect(page.locator("#sessions li")).to_have_count(1)
    other_page.reload()
    expect(other_page.get_by_role("button", name="Log in")).to_be_visible()

    log_in_on_the_page(other_page, live_server, action="Log in")
    other_page.get_by_role("button", name="Log out everywhere").click()
    expect(other_page.get_by_role("button", name="Log in")).to_be_visible()
    page.reload()
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    other_browser.close()


@pytest.mark.lesson("fix")
def test_a_script_on_the_page_finds_no_session_id_to_steal(page, live_server):
    log_in_on_the_page(page, live_server)
    # The attack of stage 03, run again:
    assert page.evaluate("localStorage.getItem('session_id')") is None
    readable = page.evaluate("document.cookie")
    assert "session_id" not in readable
    assert readable.startswith("csrf_token=")
    # The cookie is there all the same, where only the browser can use it.
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["session_id"]["httpOnly"] is True
    assert cookies["session_id"]["sameSite"] == "Lax"


@pytest.mark.lesson("fix")
def test_another_origins_form_cannot_change_anything(page, live_server):
    """A page on another origin of the same site (another port here, another subdomain in
    real life) gets the cookies sent along, as SameSite=Lax allows. Its form posts to
    /api/logout-all, which reads no body: the missing CSRF header alone stops it."""
    log_in_on_the_page(page, live_server)
    attacker = "http://127.0.0.1:1/prize.html"  # served by the test, not by a server
    page.route(
        attacker,
        lambda route: route.fulfill(
            content_type="text/html",
            body=f"""<form method="post" action="{live_server}/api/logout-all"></form>
                <script>document.forms[0].submit()</script>""",
        ),
    )
    # Waits for the forged request's answer, not for the attacker's page to finish loading:
    # a forgery that succeeds answers 204, and that page never fires its load event.
    with page.expect_response(f"{live_server}/api/logout-all") as attack:
        page.goto(attacker, wait_until="commit")
    # 403, not 401: the browser did send the session cookie; the CSRF check refused.
    assert attack.value.status == 403
    page.wait_for_url(f"{live_server}/api/logout-all")  # the refusal, shown as a page
    page.goto(live_server)
    expect(page.locator("#username")).to_have_text("alice")


@pytest.mark.parametrize("public_id", ["x" * 2000, "%00", "..%2F..%2Fapi", "%C3%A9t%C3%A9", "1"])
def test_odd_session_ids_are_not_found(alice, public_id):
    response = alice.delete(f"/api/sessions/{public_id}")
    assert response.status_code == 404
    assert response.is_json
    assert len(alice.get("/api/sessions").get_json()) == 1


def test_session_and_csrf_tokens_are_long_random_strings(alice):
    session_id = alice.get_cookie("session_id").value
    csrf_token = alice.get_cookie("csrf_token").value
    assert len(session_id) >= 43 and len(csrf_token) >= 43  # token_urlsafe(32): 256 bits
    assert session_id != csrf_token


def test_the_session_lifetime_is_a_setting(clock, stage, app_config, auth_for):
    app = stage.create_app({**app_config, "SESSION_LIFETIME": 60})
    client = app.test_client()
    auth_for(client).log_in_as("alice")
    clock.shift(timedelta(seconds=59))
    assert client.get("/api/me").status_code == 200
    clock.shift(timedelta(seconds=1))
    assert client.get("/api/me").status_code == 401


def test_expired_sessions_are_not_listed(clock, app, auth_for):
    phone, laptop = app.test_client(), app.test_client()
    auth_for(phone).log_in_as("alice")
    clock.shift(timedelta(days=6))
    auth_for(laptop).log_in_as("alice")
    clock.shift(timedelta(days=1))
    assert [s["current"] for s in laptop.get("/api/sessions").get_json()] == [True]


def test_control_characters_in_a_user_agent_are_not_stored(app, auth_for):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = "curl\x00/8\x1b[31m"
    auth_for(client).log_in_as("alice")
    assert client.get("/api/sessions").get_json()[0]["user_agent"] == "curl/8[31m"


def test_a_long_user_agent_is_cut_to_200_characters(app, auth_for):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = "x" * 1000
    auth_for(client).log_in_as("alice")
    assert client.get("/api/sessions").get_json()[0]["user_agent"] == "x" * 200


def test_logout_removes_the_cookies_with_the_flags_they_were_set_with(alice):
    cookies = set_cookies(alice.post("/api/logout"))
    assert cookies["session_id"]["httponly"] is True
    assert cookies["csrf_token"]["httponly"] == ""


def test_logging_in_again_in_the_same_browser_ends_its_earlier_session(app, alice, auth_for):
    auth_for(alice).log_in_as("alice")
    assert len(alice.get("/api/sessions").get_json()) == 1


def test_nothing_limits_password_guessing_yet(client):
    """A hole that 07 closes with throttling: here a password can be guessed as fast as
    the server hashes them."""
    body = {"username": "alice", "password": TEST_PASSWORD}
    client.post("/api/register", json=body)
    for number in range(20):
        wrong = {"username": "alice", "password": f"guess number {number}"}
        assert client.post("/api/login", json=wrong).status_code == 401
    assert client.post("/api/login", json=body).status_code == 200


def test_a_request_racing_a_logout_gets_no_500(clock, stage, app, alice, monkeypatch):
    """The logout deletes the session between this request's look-up and its write of
    last_seen (written at most once a minute, so a minute has passed)."""
    clock.shift(timedelta(minutes=2))
    look_up = stage.auth.session_from_request

    def look_up_then_log_out_elsewhere():
        found = look_up()
        with stage.db.db.engine.begin() as elsewhere:
            elsewhere.execute(stage.db.db.delete(stage.models.UserSession))
        return found

    monkeypatch.setattr(stage.auth, "session_from_request", look_up_then_log_out_elsewhere)
    assert alice.get("/api/me").status_code < 500
