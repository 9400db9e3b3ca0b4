import json
import threading
import urllib.request
from datetime import timedelta

import jwt
import pytest
from auth_actions import TEST_PASSWORD
from helpers import set_cookies, sql_statements, with_token
from playwright.sync_api import expect

STAGE = "06_jwt_session_backup"
TEN_MINUTES = timedelta(minutes=10)


def claims_of(app, token):
    """What the token says, expired or not."""
    key = app.config["SECRET_KEY"]
    return jwt.decode(
        token, key, algorithms=["HS256"], audience=STAGE, options={"verify_exp": False}
    )


def access_token(client):
    return client.get_cookie("access_token").value


# --- Login: a short token, a long session -------------------------------------------------


def test_login_sets_a_ten_minute_token_in_a_cookie_that_lasts_as_long_as_the_session(
    clock, app, client, auth
):
    auth.register("alice")
    response = auth.login("alice")
    user = response.get_json()
    assert user["username"] == "alice"
    cookies = set_cookies(response)
    token = cookies["access_token"]
    assert token["httponly"] is True and token["samesite"] == "Lax"
    assert token["max-age"] == cookies["csrf_token"]["max-age"] == str(7 * 24 * 60 * 60)
    claims = claims_of(app, token.value)
    assert set(claims) == {"sub", "sid", "aud", "iat", "exp", "csrf"}
    assert claims["sub"] == str(user["id"])
    assert claims["aud"] == STAGE
    assert claims["exp"] - claims["iat"] == 10 * 60
    assert claims["csrf"] == cookies["csrf_token"].value


def test_the_token_names_the_session_by_its_public_id(app, alice):
    sessions = alice.get("/api/sessions").get_json()
    assert [s["id"] for s in sessions] == [claims_of(app, access_token(alice))["sid"]]
    assert sessions[0]["current"] is True


@pytest.mark.lesson("fix")
def test_a_valid_token_is_trusted_without_a_database_query(app, alice):
    alice.post("/api/todos", json={"title": "buy milk"})
    statements = sql_statements(app, lambda: alice.get("/api/todos"))
    assert len(statements) == 1  # the todos themselves; nothing for the login
    assert "user_session" not in statements[0]


# --- Renewal -----------------------------------------------------------------------------


@pytest.mark.lesson("fix")
def test_a_live_sessions_token_is_renewed_after_it_expires(clock, app, alice):
    old_token = access_token(alice)
    clock.shift(TEN_MINUTES)
    response = alice.get("/api/todos")
    assert response.status_code == 200
    new_token = set_cookies(response)["access_token"].value
    assert new_token != old_token
    assert claims_of(app, new_token)["exp"] == claims_of(app, old_token)["exp"] + 10 * 60
    assert claims_of(app, new_token)["sid"] == claims_of(app, old_token)["sid"]
    # The CSRF value stays, so the page's header still matches.
    assert claims_of(app, new_token)["csrf"] == alice.get_cookie("csrf_token").value
    assert alice.post("/api/todos", json={"title": "still here"}).status_code == 201


def test_renewal_writes_when_the_session_was_last_seen(clock, alice):
    first = alice.get("/api/sessions").get_json()[0]["last_seen"]
    clock.shift(TEN_MINUTES + timedelta(seconds=5))
    assert alice.get("/api/sessions").get_json()[0]["last_seen"] != first


def test_a_renewed_token_never_outlives_its_session(clock, app, alice):
    clock.shift(timedelta(days=7) - timedelta(minutes=3))
    response = alice.get("/api/me")
    assert response.status_code == 200
    claims = claims_of(app, set_cookies(response)["access_token"].value)
    assert claims["exp"] - claims["iat"] == 3 * 60
    clock.shift(timedelta(minutes=3))
    assert alice.get("/api/me").status_code == 401


def test_a_session_ends_seven_days_after_login_however_busy(clock, alice):
    for _ in range(7 * 24):
        clock.shift(timedelta(hours=1) - timedelta(seconds=1))
        assert alice.get("/api/me").status_code == 200
    clock.shift(timedelta(hours=1))
    assert alice.get("/api/me").status_code == 401


def test_an_expired_token_of_an_ended_session_gets_401_and_the_cookies_cleared(clock, app, alice):
    token = access_token(alice)
    alice.post("/api/logout-all")
    clock.shift(TEN_MINUTES)
    response = with_token(app, token).get("/api/me")
    assert response.status_code == 401
    cookies = set_cookies(response)
    assert cookies["access_token"]["max-age"] == cookies["csrf_token"]["max-age"] == "0"


def test_logging_out_with_an_expired_token_renews_nothing(clock, alice):
    clock.shift(TEN_MINUTES)
    response = alice.post("/api/logout")
    assert response.status_code == 204
    assert set_cookies(response)["access_token"].value == ""
    assert alice.get("/api/me").status_code == 401


def test_parallel_requests_with_the_same_expired_token_all_succeed(
    clock, app, live_server, auth_for
):
    client = app.test_client()
    auth_for(client).log_in_as("alice")
    expired = access_token(client)
    csrf = client.get_cookie("csrf_token").value
    clock.shift(TEN_MINUTES + timedelta(seconds=1))

    def request(number):
        """Two tabs' worth of requests, all sent with the same expired token."""
        req = urllib.request.Request(
            f"{live_server}/api/todos",
            data=json.dumps({"title": f"todo {number}"}).encode(),
            headers={
                "Content-Type": "application/json",
                "Cookie": f"access_token={expired}; csrf_token={csrf}",
                "X-CSRF-Token": csrf,
            },
        )
        with urllib.request.urlopen(req) as response:
            results[number] = (response.status, response.headers.get_all("Set-Cookie"))

    results = {}
    start = threading.Barrier(12)

    def run(number):
        start.wait()
        request(number)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [status for status, _ in results.values()] == [201] * 12
    assert all(
        any(c.startswith("access_token=") for c in cookies) for _, cookies in results.values()
    )
    assert len(client.get("/api/todos").get_json()) == 12


# --- Logout, with a bound ----------------------------------------------------------------


@pytest.mark.lesson("weakness")
def test_a_token_copied_before_logout_works_at_most_ten_minutes_and_is_never_renewed(
    clock, app, alice
):
    stolen = access_token(alice)
    alice.post("/api/todos", json={"title": "my secret plan"})
    assert alice.post("/api/logout").status_code == 204
    thief = with_token(app, stolen)

    clock.shift(TEN_MINUTES - timedelta(seconds=1))
    # Still valid: a valid token is trusted without the database, so logout cannot reach it.
    response = thief.get("/api/todos")
    assert response.status_code == 200, "the copy was refused before it expired"
    assert [t["title"] for t in response.get_json()] == ["my secret plan"]
    clock.shift(timedelta(seconds=1))
    response = thief.get("/api/todos")
    assert response.status_code == 401  # expired, and its session is gone: no renewal
    assert "access_token=;" in " ".join(response.headers.getlist("Set-Cookie"))


@pytest.mark.lesson("weakness")
def test_a_copied_token_is_renewed_for_whoever_holds_it_while_the_session_lives(clock, app, alice):
    """The weakness that 07's rotation removes: renewal asks whether the session is alive,
    not who is asking."""
    thief = with_token(app, access_token(alice))
    for _ in range(3):  # half an hour of both using the one session
        clock.shift(TEN_MINUTES)
        assert alice.get("/api/todos").status_code == 200
        clock.shift(timedelta(minutes=1))
        assert thief.get("/api/todos").status_code == 200  # renewed for the thief as well
    assert len(alice.get("/api/sessions").get_json()) == 1  # and nothing shows two browsers


@pytest.mark.lesson("fix")
def test_logout_everywhere_reaches_every_device_within_ten_minutes(clock, app, auth_for):
    laptop, phone = app.test_client(), app.test_client()
    auth_for(laptop).log_in_as("alice")
    auth_for(phone).log_in_as("alice")
    assert laptop.post("/api/logout-all").status_code == 204
    assert laptop.get("/api/me").status_code == 401
    clock.shift(TEN_MINUTES)
    assert phone.get("/api/me").status_code == 401


def test_revoking_a_session_ends_it_within_ten_minutes(clock, app, auth_for):
    laptop, phone = app.test_client(), app.test_client()
    auth_for(laptop).log_in_as("alice")
    auth_for(phone).log_in_as("alice")
    phone_id = next(s["id"] for s in laptop.get("/api/sessions").get_json() if not s["current"])
    assert laptop.delete(f"/api/sessions/{phone_id}").status_code == 204
    clock.shift(TEN_MINUTES)
    assert phone.get("/api/me").status_code == 401
    assert laptop.get("/api/me").status_code == 200


def test_someone_elses_session_is_not_found(app, alice, auth_for):
    bob = app.test_client()
    auth_for(bob).log_in_as("bob")
    bobs_id = bob.get("/api/sessions").get_json()[0]["id"]
    assert alice.delete(f"/api/sessions/{bobs_id}").status_code == 404
    assert [s["id"] for s in bob.get("/api/sessions").get_json()] == [bobs_id]


def test_another_users_todo_is_not_found(app, alice, auth_for):
    bob = app.test_client()
    auth_for(bob).log_in_as("bob")
    todo_id = alice.post("/api/todos", json={"title": "alice's"}).get_json()["id"]
    assert bob.patch(f"/api/todos/{todo_id}", json={"title": "bob's"}).status_code == 404
    assert alice.get(f"/api/todos/{todo_id}").get_json()["title"] == "alice's"


def test_a_change_without_the_csrf_header_is_403(alice):
    del alice.environ_base["HTTP_X_CSRF_TOKEN"]
    for method, url in [("POST", "/api/todos"), ("POST", "/api/logout-all")]:
        assert alice.open(url, method=method, json={"title": "x"}).status_code == 403
    assert alice.get("/api/me").status_code == 200


@pytest.mark.lesson("fix")
def test_log_out_clears_a_login_that_planted_quotes_hide_from_the_cookie_parser(app, alice):
    """A neighbour planted a=" for a longer Path, sent before our cookies, and z=" after them:
    the parser reads one value from quote to quote and finds no login, so the 401 must
    count the raw header to clear ours, or Log out would leave the login in the browser."""
    token, csrf = (alice.get_cookie(name).value for name in ["access_token", "csrf_token"])
    headers = {"Cookie": f'a="; access_token={token}; csrf_token={csrf}; z="', "X-CSRF-Token": csrf}
    response = app.test_client(use_cookies=False).post("/api/logout", headers=headers)
    assert response.status_code == 401
    cleared = {name: morsel["max-age"] for name, morsel in set_cookies(response).items()}
    assert cleared == {"access_token": "0", "csrf_token": "0"}


# --- Forged tokens -----------------------------------------------------------------------


def forged_tokens(app, alice):
    claims = claims_of(app, access_token(alice))
    key = app.config["SECRET_KEY"]
    without_sid = {name: value for name, value in claims.items() if name != "sid"}
    without_csrf = {name: value for name, value in claims.items() if name != "csrf"}
    return {
        "alg none": jwt.encode(claims, None, algorithm="none"),
        "wrong key": jwt.encode(claims, "another key of 32 bytes or more!!"),
        "HS512": jwt.encode(claims, key, algorithm="HS512"),
        "no sid": jwt.encode(without_sid, key),
        "no csrf": jwt.encode(without_csrf, key),
        "sub not a user id": jwt.encode({**claims, "sub": "abc"}, key),
        "another session": jwt.encode({**claims, "sid": "no-such-session"}, key),
        "garbage": "not.a.token",
    }


@pytest.mark.parametrize(
    "name",
    ["alg none", "wrong key", "HS512", "no sid", "no csrf", "sub not a user id", "another session",
     "garbage"],
)  # fmt: skip
def test_forged_tokens_are_refused_valid_or_expired(clock, app, alice, name):
    forged = forged_tokens(app, alice)[name]
    if name == "another session":  # genuine, so it works until it needs its session
        clock.shift(TEN_MINUTES)
    thief = with_token(app, forged)
    assert thief.get("/api/me").status_code == 401
    assert thief.post("/api/todos", json={"title": "x"}).status_code == 401


def test_a_token_cannot_renew_into_another_users_session(clock, app, alice, auth_for):
    bob = app.test_client()
    auth_for(bob).log_in_as("bob")
    bobs_sid = claims_of(app, access_token(bob))["sid"]
    claims = {**claims_of(app, access_token(alice)), "sid": bobs_sid}
    token = jwt.encode(claims, app.config["SECRET_KEY"])
    clock.shift(TEN_MINUTES)
    assert with_token(app, token).get("/api/me").status_code == 401


# --- The page ----------------------------------------------------------------------------


def test_an_expiring_token_is_invisible_on_the_page(clock, page):
    page.goto("/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Register").click()
    expect(page.locator("#username")).to_have_text("alice")
    first_token = next(c["value"] for c in page.context.cookies() if c["name"] == "access_token")

    clock.shift(timedelta(minutes=11))
    page.get_by_label("New todo").fill("after the token expired")
    page.get_by_role("button", name="Add").click()
    expect(page.locator("#todos .title")).to_have_text(["after the token expired"])
    renewed = next(c["value"] for c in page.context.cookies() if c["name"] == "access_token")
    assert renewed != first_token
    assert "access_token" not in page.evaluate("document.cookie")


def test_the_page_lists_sessions_and_logs_out_everywhere(page):
    page.goto("/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Register").click()
    expect(page.locator("#sessions li")).to_have_count(1)
    page.get_by_role("button", name="Log out everywhere").click()
    expect(page.get_by_role("button", name="Log in")).to_be_visible()


def test_a_session_ended_while_its_token_is_renewed_gets_401_not_500(
    clock, stage, app, alice, monkeypatch
):
    """A logout in another request, between the renewal's look-up and its write."""
    clock.shift(TEN_MINUTES)
    look_up = stage.sessions.live_session

    def look_up_then_log_out_elsewhere(public_id):
        found = look_up(public_id)
        with stage.db.db.engine.begin() as elsewhere:
            elsewhere.execute(stage.db.db.delete(stage.models.UserSession))
        return found

    monkeypatch.setattr(stage.sessions, "live_session", look_up_then_log_out_elsewhere)
    assert alice.get("/api/me").status_code == 401


def test_a_token_signed_with_the_same_key_for_another_app_is_refused(app, alice):
    """A key shared by mistake (one FLASK_SECRET_KEY for two apps) opens nothing: each
    app accepts only tokens made for it."""
    claims = claims_of(app, access_token(alice))
    for_another_app = jwt.encode({**claims, "aud": "07_final_todo"}, app.config["SECRET_KEY"])
    assert with_token(app, for_another_app).get("/api/me").status_code == 401


def test_logging_in_again_in_the_same_browser_ends_its_earlier_session(clock, app, alice, auth_for):
    clock.shift(TEN_MINUTES)  # the earlier token expired: its session still ends
    auth_for(alice).log_in_as("alice")
    assert len(alice.get("/api/sessions").get_json()) == 1


def test_an_expired_token_of_another_app_with_the_same_key_gets_401_not_500(clock, app, alice):
    claims = claims_of(app, access_token(alice))
    expired = {**claims, "aud": "07_final_todo", "exp": claims["iat"] - 1}
    token = jwt.encode(expired, app.config["SECRET_KEY"])
    assert with_token(app, token).get("/api/me").status_code == 401


def test_pyjwt_takes_the_signature_with_its_base64_padding_which_05_refused(app, alice):
    """The one leniency of PyJWT's decode against 05's: 'xyz=' decodes to the same
    signature as 'xyz'. Any other change to the text is refused."""
    token = alice.get_cookie("access_token").value
    assert with_token(app, token + "=").get("/api/todos").status_code == 200
    for changed in [token + "==", token.replace(".", "=.", 1), token[:-1]]:
        assert with_token(app, changed).get("/api/todos").status_code == 401, changed
