"""Stage 07's back end: what production adds to 06, and the attacks of 03-06 failing.
Every test here runs twice: on SQLite and on PostgreSQL. The pages are tested in a real
browser in test_07_final_todo_browser.py."""

import http.cookiejar
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta

import jwt
import pytest
from auth_actions import TEST_PASSWORD
from course import ROOT
from harness.postgresql import empty_database
from helpers import at_once, set_cookies, sql_statements, with_token
from sqlalchemy import text
from werkzeug.security import check_password_hash
from workers import at_once_in_workers

STAGE = "07_final_todo"
TEN_MINUTES = timedelta(minutes=10)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite'}"
    return request.getfixturevalue("postgresql_url")


@pytest.fixture
def app_config(app_config, database_url):
    return {**app_config, "SQLALCHEMY_DATABASE_URI": database_url}


def from_address(address):
    """The test client's option that sends a request from ADDRESS."""
    return {"environ_base": {"REMOTE_ADDR": address}}


# --- A secret key that is kept, never a default -------------------------------------------


def test_without_a_configured_key_one_is_made_once_into_instance(stage, tmp_path):
    first = stage.security.development_secret_key(str(tmp_path / "instance"), STAGE)
    again = stage.security.development_secret_key(str(tmp_path / "instance"), STAGE)
    assert first == again
    assert len(first) >= 43
    assert (tmp_path / "instance" / f"{STAGE}.secret_key").stat().st_mode & 0o777 == 0o600


def make_key(stage, instance_path):
    return stage.security.development_secret_key(instance_path, STAGE)


def test_worker_processes_starting_at_once_agree_on_one_key(tmp_path):
    instance = str(tmp_path / "instance")
    keys = at_once_in_workers(4, STAGE, make_key, instance)
    assert len(set(keys)) == 1
    assert os.listdir(instance) == [f"{STAGE}.secret_key"]


def start_app(stage, database_url):
    try:
        stage.create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "k" * 32})
        return "started"
    except Exception as error:  # noqa: BLE001 (reported, and the test fails)
        return repr(error)


def test_worker_processes_starting_at_once_on_an_empty_database_all_start(database_url):
    """gunicorn -w 4 on a new database: every worker creates the tables at the same moment."""
    if database_url.startswith("postgresql"):
        empty_database(database_url)
    started = at_once_in_workers(6, STAGE, start_app, database_url)
    assert started == ["started"] * 6


def test_a_configured_key_wins(stage, app_config, tmp_path):
    app_config = {**app_config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'key.sqlite'}"}
    app = stage.create_app({**app_config, "SECRET_KEY": "from the environment, 32 bytes++"})
    assert app.config["SECRET_KEY"] == "from the environment, 32 bytes++"


# --- Security headers --------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/app", "/api/todos", "/api/nope", "/static/style.css"])
def test_every_response_carries_the_security_headers(client, path):
    with client.get(path) as response:
        headers = response.headers
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_api_answers_are_never_cached(alice):
    assert alice.get("/api/todos").headers["Cache-Control"] == "no-store"
    # Also an answer with no body, such as logging out (it clears the login's cookies).
    assert alice.post("/api/logout").headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/", "/login", "/register", "/app", "/account"])
def test_every_page_is_served(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/html"


# --- Login throttling --------------------------------------------------------------------


@pytest.mark.lesson("fix")
def test_five_failures_for_a_username_make_logins_wait_for_the_window_to_end(clock, client, auth):
    auth.log_in_as("alice")
    for _ in range(5):
        assert auth.login(password="wrong password").status_code == 401
    response = auth.login()  # even the right password must wait
    assert response.status_code == 429
    assert response.headers["Retry-After"] == str(15 * 60)
    assert response.get_json() == {"error": "too many failed logins: try again in 900 s"}


def test_the_count_starts_again_when_the_window_ends(clock, client, auth):
    auth.log_in_as("alice")
    for _ in range(5):
        auth.login(password="wrong password")
    clock.shift(timedelta(minutes=15) - timedelta(seconds=1))
    assert auth.login().headers["Retry-After"] == "1"
    clock.shift(timedelta(seconds=1))
    assert auth.login().status_code == 200


def test_waiting_counts_nothing(clock, client, auth):
    """Attempts refused with 429 are not counted: they never reach a password."""
    for _ in range(5):
        auth.login("alice", "wrong password")
    for _ in range(10):
        assert auth.login("alice", "wrong password").status_code == 429
    clock.shift(timedelta(minutes=15))
    for _ in range(5):
        assert auth.login("alice", "wrong password").status_code == 401


def test_unknown_usernames_are_throttled_alike(client, auth):
    for _ in range(5):
        auth.login("nobody", "wrong password")
    assert auth.login("nobody").status_code == 429


def test_a_success_resets_the_usernames_count(client, auth):
    auth.log_in_as("alice")
    for _ in range(4):
        auth.login(password="wrong password")
    assert auth.login().status_code == 200
    for _ in range(4):
        assert auth.login(password="wrong password").status_code == 401


def test_twenty_failures_from_one_address_make_it_wait(client, auth):
    auth.log_in_as("alice")
    for number in range(20):
        auth.login(f"user{number}", "wrong password", **from_address("203.0.113.9"))
    assert auth.login(**from_address("203.0.113.9")).status_code == 429
    assert auth.login(**from_address("198.51.100.1")).status_code == 200


def test_the_address_window_ends_too(clock, client, auth):
    auth.log_in_as("alice")
    for number in range(20):
        auth.login(f"user{number}", "wrong password", **from_address("203.0.113.9"))
    clock.shift(timedelta(minutes=15))
    assert auth.login(**from_address("203.0.113.9")).status_code == 200


def test_failures_are_counted_in_the_database(stage, app, client, auth):
    for _ in range(3):
        auth.login("alice", "wrong password")
    with app.app_context():
        db = stage.db.db
        rows = db.session.execute(db.select(stage.models.LoginFailures)).scalars().all()
        assert {row.key: row.count for row in rows} == {
            "username:alice": 3,
            "address:127.0.0.1": 3,
        }


# --- Changing the password ---------------------------------------------------------------


def change_password(client, current=TEST_PASSWORD, new="a brand new password"):
    return client.post("/api/password", json={"current_password": current, "new_password": new})


def test_changing_the_password_ends_every_other_session(clock, app, auth_for):
    laptop, phone = app.test_client(), app.test_client()
    auth_for(laptop).log_in_as("alice")
    auth_for(phone).log_in_as("alice")
    assert change_password(laptop).status_code == 204
    assert [s["current"] for s in laptop.get("/api/sessions").get_json()] == [True]
    clock.shift(TEN_MINUTES)
    assert phone.get("/api/me").status_code == 401
    assert laptop.get("/api/me").status_code == 200
    assert auth_for(app.test_client()).login(password=TEST_PASSWORD).status_code == 401
    assert auth_for(app.test_client()).login(password="a brand new password").status_code == 200


def test_a_wrong_current_password_changes_nothing(app, alice, auth_for):
    response = change_password(alice, current="not my password")
    assert response.status_code == 400
    assert response.get_json() == {"error": "current_password: wrong password"}
    assert auth_for(app.test_client()).login().status_code == 200


def test_guessing_the_current_password_is_throttled(alice):
    for _ in range(5):
        change_password(alice, current="not my password")
    assert change_password(alice).status_code == 429


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"current_password": TEST_PASSWORD}, "new_password: required"),
        ({"current_password": TEST_PASSWORD, "new_password": "short"}, "new_password: must be"),
        ({"new_password": "a brand new password"}, "current_password: required"),
    ],
)
def test_bad_password_changes_get_a_400(alice, body, error):
    response = alice.post("/api/password", json=body)
    assert response.status_code == 400
    assert response.get_json()["error"].startswith(error)


def test_changing_the_password_needs_the_csrf_header(alice):
    del alice.environ_base["HTTP_X_CSRF_TOKEN"]
    assert change_password(alice).status_code == 403


# --- The attacks of stages 03 to 06, failing here ------------------------------------------


@pytest.mark.lesson("fix")
def test_a_database_dump_holds_no_usable_session_token(stage, app, alice):
    alice.post("/api/todos", json={"title": "my secret plan"})
    with app.app_context():
        db = stage.db.db
        dump = [
            value
            for table in db.metadata.sorted_tables
            for row in db.session.execute(table.select())
            for value in row
            if isinstance(value, str)
        ]
    assert dump, "the dump is not empty"
    for value in dump:
        thief = app.test_client()
        thief.set_cookie("access_token", value)
        thief.set_cookie("session_id", value)
        response = thief.get("/api/todos", headers={"Authorization": f"Bearer {value}"})
        assert response.status_code == 401, value


@pytest.mark.lesson("fix")
@pytest.mark.parametrize("name", ["access_token", "csrf_token"])
def test_two_cookies_of_one_name_are_refused_as_planted(app, alice, auth_for, name):
    """A page on another port of this host set a cookie of ours for a longer Path: the
    browser sends it first, and ours after it."""
    planted = app.test_client()
    auth_for(planted).log_in_as("mallory")
    alice.set_cookie(name, planted.get_cookie(name).value, path="/api")
    response = alice.post("/api/todos", json={"title": "for mallory's eyes"})
    assert response.status_code == 401
    assert "put cookies of its own in your browser" in error_of(response)
    assert "Clear-Site-Data" not in response.headers  # not for a neighbour's <img>: only...
    own_page = {"Sec-Fetch-Site": "same-origin"}  # ...for this site's own page
    response = alice.post("/api/todos", json={"title": "for mallory's eyes"}, headers=own_page)
    assert response.headers["Clear-Site-Data"] == '"cookies"'  # the planted ones go too
    assert planted.get("/api/todos").get_json() == []


@pytest.mark.lesson("fix")
def test_a_planted_quote_hides_no_cookie_from_the_planted_cookie_check(app, alice, auth_for):
    """A planted cookie whose value opens a quote (a=") makes the cookie parser read on
    across ";": alice's own login cookie after it vanishes, and mallory's alone would count."""
    planted = app.test_client()
    auth_for(planted).log_in_as("mallory")
    token, csrf = (planted.get_cookie(name).value for name in ["access_token", "csrf_token"])
    alices = alice.get_cookie("access_token").value
    header = f'access_token={token}; a="; access_token={alices}; b="; csrf_token={csrf}'
    browser = app.test_client(use_cookies=False)
    headers = {"Cookie": header, "X-CSRF-Token": csrf}
    response = browser.post("/api/todos", json={"title": "alice's secret plan"}, headers=headers)
    assert response.status_code == 401
    assert "put cookies of its own in your browser" in error_of(response)
    assert planted.get("/api/todos").get_json() == []


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


@pytest.mark.lesson("fix")
def test_a_csrf_value_from_our_own_page_that_is_not_the_logins_is_refused_as_planted(alice):
    """A neighbour set its csrf_token over ours (same name, Path=/, another port): the page
    sends what it reads, and a 403 would fail every change, Log out included, unexplained."""
    alice.set_cookie("csrf_token", "a neighbour's value")
    own_page = {"Sec-Fetch-Site": "same-origin", "X-CSRF-Token": "a neighbour's value"}
    response = alice.post("/api/logout", headers=own_page)
    assert response.status_code == 401
    assert "put cookies of its own in your browser" in error_of(response)
    assert response.headers["Clear-Site-Data"] == '"cookies"'  # the planted one too
    # A forged change stays a 403: one without the header, or from another origin.
    del alice.environ_base["HTTP_X_CSRF_TOKEN"]
    assert alice.post("/api/logout", headers={"Sec-Fetch-Site": "same-origin"}).status_code == 403
    neighbour = {"Sec-Fetch-Site": "same-site", "X-CSRF-Token": "a neighbour's value"}
    response = alice.post("/api/logout", headers=neighbour)
    assert response.status_code == 403
    assert "Clear-Site-Data" not in response.headers


@pytest.mark.lesson("fix")
def test_secure_cookies_take_the_host_prefix_that_no_subdomain_can_set(app, client, auth):
    app.config["AUTH_COOKIE_SECURE"] = True  # behind HTTPS
    cookies = set_cookies(auth.log_in_as("alice"))
    assert sorted(cookies) == ["__Host-access_token", "__Host-csrf_token"]
    for morsel in cookies.values():
        assert (morsel["secure"], morsel["path"], morsel["domain"]) == (True, "/", "")
    assert client.post("/api/todos", json={"title": "over HTTPS"}).status_code == 201
    client.set_cookie("access_token", "an unprefixed cookie is not ours: it is ignored")
    assert client.get("/api/todos").status_code == 200


@pytest.mark.lesson("fix")
def test_a_change_without_the_csrf_header_is_refused(alice):
    del alice.environ_base["HTTP_X_CSRF_TOKEN"]
    assert alice.post("/api/todos", json={"title": "pwned"}).status_code == 403
    assert alice.get("/api/todos").get_json() == []


@pytest.mark.lesson("fix")
def test_a_revoked_session_ends_within_the_token_lifetime(clock, app, alice):
    stolen = alice.get_cookie("access_token").value
    alice.post("/api/logout-all")
    thief = app.test_client()
    thief.set_cookie("access_token", stolen)
    clock.shift(TEN_MINUTES)
    assert thief.get("/api/todos").status_code == 401


@pytest.mark.lesson("fix")
def test_forged_tokens_are_refused(app, alice):
    token = alice.get_cookie("access_token").value
    claims = jwt.decode(token, app.config["SECRET_KEY"], algorithms=["HS256"], audience=STAGE)
    for forged in [
        jwt.encode({**claims, "sub": "2"}, "a guessed key that is 32 bytes long"),
        jwt.encode({**claims, "sub": "2"}, None, algorithm="none"),
    ]:
        thief = app.test_client()
        thief.set_cookie("access_token", forged)
        assert thief.get("/api/todos").status_code == 401


@pytest.mark.lesson("fix")
def test_a_valid_token_costs_no_database_query(app, alice):
    statements = sql_statements(app, lambda: alice.get("/api/todos"))
    assert len(statements) == 1
    assert "user_session" not in statements[0]


# --- Running for real: gunicorn with several workers ----------------------------------------


@pytest.fixture
def gunicorn(gunicorn_server, database_url):
    return gunicorn_server(database_url)


class Browser:
    """A plain HTTP client with a cookie jar that sends the CSRF header, as the page does."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def cookie(self, name):
        return next((c.value for c in self.jar if c.name == name), None)

    def request(self, method, path, body=None, headers=None):
        headers = {"Content-Type": "application/json", **(headers or {})}
        if self.cookie("csrf_token"):
            headers["X-CSRF-Token"] = self.cookie("csrf_token")
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + path, data, headers, method=method)
        try:
            with self.opener.open(request) as response:
                raw = response.read()
                return response.status, response.headers, json.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.headers, json.loads(error.read())


def test_under_gunicorn_with_two_workers_login_renewal_and_todos_work(gunicorn):
    base_url, secret_key, log = gunicorn.url, gunicorn.secret_key, gunicorn.log
    user = Browser(base_url)
    credentials = {"username": "alice", "password": TEST_PASSWORD}
    assert user.request("POST", "/api/register", credentials)[0] == 201
    assert user.request("POST", "/api/login", credentials)[0] == 200
    for number in range(10):  # spread over both workers
        assert user.request("POST", "/api/todos", {"title": f"todo {number}"})[0] == 201
    status, _, todos = user.request("GET", "/api/todos")
    assert status == 200 and len(todos) == 10
    todo_id = todos[0]["id"]
    assert user.request("PATCH", f"/api/todos/{todo_id}", {"done": True})[2]["done"] is True
    assert user.request("DELETE", f"/api/todos/{todo_id}")[0] == 204

    # Renewal: the same token, as if ten minutes had passed (signed with the known key).
    claims = jwt.decode(user.cookie("access_token"), secret_key, ["HS256"], audience=STAGE)
    now = int(time.time())
    expired = jwt.encode({**claims, "iat": now - 700, "exp": now - 100}, secret_key)
    status, headers, _ = user.request(
        "GET", "/api/todos", headers={"Cookie": f"access_token={expired}"}
    )
    assert status == 200
    assert any(c.startswith("access_token=") for c in headers.get_all("Set-Cookie"))

    assert user.request("POST", "/api/logout")[0] == 204
    assert user.request("GET", "/api/todos")[0] == 401
    assert sum("Booting worker" in line for line in log) == 2


def test_under_gunicorn_throttling_holds_across_workers(gunicorn):
    base_url = gunicorn.url
    wrong = {"username": "alice", "password": "wrong password"}
    statuses = [Browser(base_url).request("POST", "/api/login", wrong)[0] for _ in range(8)]
    assert statuses == [401] * 5 + [429] * 3


def test_the_database_is_what_the_config_names(stage, app, database_url):
    with app.app_context():
        engine = stage.db.db.engine
        assert engine.url.render_as_string(hide_password=False) == database_url
        with engine.connect() as connection:
            assert connection.execute(text("select 1")).scalar() == 1


@pytest.mark.lesson("fix")
def test_a_burst_of_guesses_at_once_gets_no_more_tries_than_one_at_a_time(
    app, live_server, auth_for
):
    """Each attempt is counted in the statement that lets it through: thirty wrong
    passwords sent at once get five answers, and twenty-five 429s."""
    auth_for(app.test_client()).log_in_as("alice")

    def guess(number):
        body = {"username": "alice", "password": f"guess number {number}"}
        return Browser(live_server).request("POST", "/api/login", body)[0]

    statuses = at_once(30, guess)
    assert sorted(statuses) == [401] * 5 + [429] * 25


# --- Renewal rotates the token: a copy shows itself -----------------------------------------


def error_of(response):
    return response.get_json()["error"]


@pytest.mark.lesson("fix")
def test_a_copied_token_is_refused_once_its_owner_renewed_and_the_session_ends(
    clock, app, alice, caplog, auth_for
):
    stolen = alice.get_cookie("access_token").value
    clock.shift(TEN_MINUTES)
    assert alice.get("/api/todos").status_code == 200  # alice's browser renews the token
    clock.shift(timedelta(seconds=31))  # past RENEWAL_GRACE
    response = with_token(app, stolen).get("/api/todos")
    assert response.status_code == 401, "the copy still works after its owner renewed"
    assert error_of(response) == (
        "you were signed out to protect your account: your session was used from somewhere else"
    )
    assert "a reused token ended session" in caplog.text
    # The session has ended: alice's newer token is not renewed either, and says why; a
    # browser that logs in again sees no trace of it in the list of sessions.
    clock.shift(TEN_MINUTES)
    assert error_of(alice.get("/api/todos")).startswith("you were signed out to protect")
    auth_for(alice).log_in_as("alice")
    assert len(alice.get("/api/sessions").get_json()) == 1


def test_a_copy_that_renews_first_ends_the_session_when_the_owner_comes_back(clock, app, alice):
    thief = with_token(app, alice.get_cookie("access_token").value)
    clock.shift(TEN_MINUTES)
    assert thief.get("/api/todos").status_code == 200  # the thief renews first...
    clock.shift(timedelta(minutes=1))
    owner = alice.get("/api/todos")  # ...and alice's token shows the copy
    assert owner.status_code == 401, "the owner's older token is renewed after the copy's"
    clock.shift(TEN_MINUTES)
    assert thief.get("/api/todos").status_code == 401  # the session is gone for both


def test_an_old_token_is_renewed_within_the_grace_as_a_second_tab_needs(clock, app, alice):
    old = alice.get_cookie("access_token").value
    clock.shift(TEN_MINUTES)
    assert alice.get("/api/todos").status_code == 200
    clock.shift(timedelta(seconds=30))
    second_tab = with_token(app, old)
    response = second_tab.get("/api/todos")
    assert response.status_code == 200
    # No token of its own: in a browser, the tab that renewed set the new one for all tabs.
    assert "access_token" not in set_cookies(response)
    assert alice.get("/api/todos").status_code == 200


@pytest.mark.lesson("fix")
def test_a_copy_served_within_the_grace_gets_no_token_to_outlive_it(clock, app, alice):
    stolen = alice.get_cookie("access_token").value
    clock.shift(TEN_MINUTES)
    assert alice.get("/api/todos").status_code == 200  # alice's browser renews the token
    thief = with_token(app, stolen)
    assert thief.get("/api/todos").status_code == 200  # within the grace: served...
    assert thief.get_cookie("access_token").value == stolen  # ...but handed no new token
    clock.shift(timedelta(seconds=31))  # past RENEWAL_GRACE
    assert thief.get("/api/todos").status_code == 401, "the copy outlived the grace"


def test_the_grace_is_configurable(clock, app, alice):
    app.config["RENEWAL_GRACE"] = 0
    old = alice.get_cookie("access_token").value
    clock.shift(TEN_MINUTES)
    assert alice.get("/api/todos").status_code == 200
    clock.shift(timedelta(seconds=1))
    assert with_token(app, old).get("/api/todos").status_code == 401


def test_each_renewal_makes_a_new_generation_of_token(clock, app, alice):
    def generation():
        token = alice.get_cookie("access_token").value
        return jwt.decode(token, options={"verify_signature": False})["gen"]

    assert generation() == 1
    for expected in (2, 3):
        clock.shift(TEN_MINUTES)
        alice.get("/api/todos")
        assert generation() == expected


def test_parallel_requests_with_the_same_expired_token_all_succeed(
    clock, app, live_server, auth_for
):
    """Twelve requests at once with one expired token: one rotates it, the others come
    within the grace; all succeed and the session lives on."""
    client = app.test_client()
    auth_for(client).log_in_as("alice")
    expired, csrf = client.get_cookie("access_token").value, client.get_cookie("csrf_token").value
    clock.shift(TEN_MINUTES + timedelta(seconds=1))

    def add_todo(number):
        headers = {"Cookie": f"access_token={expired}; csrf_token={csrf}", "X-CSRF-Token": csrf}
        body = {"title": f"todo {number}"}
        return Browser(live_server).request("POST", "/api/todos", body, headers)[0]

    assert at_once(12, add_todo) == [201] * 12
    assert len(client.get("/api/todos").get_json()) == 12


def test_an_expired_session_says_so_to_every_request(clock, app, alice, auth_for):
    """The page sends several requests at once: each must hear the same reason, so the
    first one does not delete the session from under the others."""
    second_tab = with_token(app, alice.get_cookie("access_token").value)
    clock.shift(timedelta(days=7))
    for client in (alice, second_tab):
        response = client.get("/api/todos")
        assert response.status_code == 401
        assert error_of(response) == "your session has expired: please log in again"
    auth_for(alice).log_in_as("alice")  # a new login clears the expired session away
    assert len(alice.get("/api/sessions").get_json()) == 1


def test_a_revoked_session_says_so_and_a_visitor_is_just_not_logged_in(clock, app, alice):
    phone = with_token(app, alice.get_cookie("access_token").value)
    alice.post("/api/logout-all")
    clock.shift(TEN_MINUTES)
    assert error_of(phone.get("/api/todos")) == (
        "your session has ended: it was logged out or revoked on another device"
    )
    assert error_of(app.test_client().get("/api/todos")) == "not logged in"


# --- Changing the password rotates this session, and races safely ----------------------------


def test_changing_the_password_gives_this_browser_a_new_session(clock, app, alice):
    old_token = alice.get_cookie("access_token").value
    old_csrf = alice.get_cookie("csrf_token").value
    old_session = alice.get("/api/sessions").get_json()[0]["id"]
    response = change_password(alice)
    assert response.status_code == 204
    assert {"access_token", "csrf_token"} <= set(set_cookies(response))
    assert alice.get_cookie("csrf_token").value != old_csrf
    [session] = alice.get("/api/sessions").get_json()
    assert session["id"] != old_session and session["current"]
    # A copy of this browser's old token can no longer be renewed.
    clock.shift(TEN_MINUTES)
    assert with_token(app, old_token).get("/api/todos").status_code == 401
    alice.environ_base["HTTP_X_CSRF_TOKEN"] = alice.get_cookie("csrf_token").value
    assert alice.post("/api/todos", json={"title": "still here"}).status_code == 201


def test_of_six_password_changes_at_once_exactly_one_succeeds(stage, app, live_server, auth_for):
    client = app.test_client()
    auth_for(client).log_in_as("alice")
    token, csrf = client.get_cookie("access_token").value, client.get_cookie("csrf_token").value

    def change(number):
        headers = {"Cookie": f"access_token={token}; csrf_token={csrf}", "X-CSRF-Token": csrf}
        body = {"current_password": TEST_PASSWORD, "new_password": f"new password {number}"}
        return Browser(live_server).request("POST", "/api/password", body, headers)[0]

    statuses = at_once(6, change)
    assert statuses.count(204) == 1
    assert all(400 <= status < 500 for status in statuses if status != 204), statuses
    with app.app_context():
        db, user = stage.db.db, stage.models.User
        password_hash = db.session.execute(db.select(user.password_hash)).scalar_one()
    assert sum(check_password_hash(password_hash, f"new password {n}") for n in range(6)) == 1


# --- Registration -------------------------------------------------------------------------


def test_a_taken_name_is_refused_before_any_password_is_hashed(stage, client, monkeypatch, auth):
    assert auth.register("alice").status_code == 201
    hashed = []
    monkeypatch.setattr(stage.models, "generate_password_hash", lambda *a, **k: hashed.append(a))
    response = auth.register("alice")
    assert response.status_code == 409
    assert hashed == []


def test_fifty_sign_ups_an_hour_from_one_address_then_429(clock, client, auth):
    for number in range(50):
        assert auth.register(f"user{number}", **from_address("203.0.113.9")).status_code == 201
    response = auth.register("one_more", **from_address("203.0.113.9"))
    assert response.status_code == 429
    assert response.headers["Retry-After"] == str(60 * 60)
    assert auth.register("elsewhere", **from_address("198.51.100.1")).status_code == 201
    clock.shift(timedelta(hours=1))
    assert auth.register("one_more", **from_address("203.0.113.9")).status_code == 201


def test_failed_sign_ups_count_too(client, auth):
    for _ in range(50):
        auth.register("alice", **from_address("203.0.113.9"))  # 201, then 409s
    assert auth.register("bob", **from_address("203.0.113.9")).status_code == 429


def test_old_throttle_rows_are_deleted_as_new_ones_are_written(clock, stage, app, client, auth):
    auth.login("alice", "wrong password")
    clock.shift(timedelta(hours=1, seconds=1))
    auth.login("bob", "wrong password", **from_address("198.51.100.1"))
    with app.app_context():
        db = stage.db.db
        keys = db.session.execute(db.select(stage.models.LoginFailures.key)).scalars().all()
    assert sorted(keys) == ["address:198.51.100.1", "username:bob"]


# --- Keys and tokens ----------------------------------------------------------------------


@pytest.mark.parametrize("key", ["", "short", 12345])
def test_an_empty_or_short_key_is_refused_at_start(stage, app_config, key, capsys):
    with pytest.raises(SystemExit) as refused:
        stage.create_app({**app_config, "SECRET_KEY": key})
    assert refused.value.code == 3
    assert "secrets.token_hex(32)" in capsys.readouterr().err


def test_flask_says_so_in_one_clear_message_without_a_traceback(tmp_path):
    env = {**os.environ, "FLASK_SECRET_KEY": "too short", "FLASK_SQLALCHEMY_DATABASE_URI":
           f"sqlite:///{tmp_path / 'db.sqlite'}"}  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", STAGE, "routes"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode != 0
    assert "FLASK_SECRET_KEY is set but shorter than 32 bytes" in result.stderr
    assert "Traceback" not in result.stderr


def test_under_gunicorn_a_short_key_stops_the_server_with_the_message(tmp_path):
    """Not a worker that fails, restarts and fails again, forever."""
    env = {**os.environ, "FLASK_SECRET_KEY": "too short", "FLASK_SQLALCHEMY_DATABASE_URI":
           f"sqlite:///{tmp_path / 'db.sqlite'}"}  # fmt: skip
    command = ["-m", "gunicorn", "-w", "2", "-b", "127.0.0.1:0", f"{STAGE}:create_app()"]
    result = subprocess.run(
        [sys.executable, *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "FLASK_SECRET_KEY is set but shorter than 32 bytes" in result.stderr


def test_a_token_made_before_init_db_opens_nothing_after_it(stage, app, runner, alice, auth_for):
    alice.post("/api/todos", json={"title": "alice's plan"})
    old_token = alice.get_cookie("access_token").value
    csrf = alice.get_cookie("csrf_token").value
    assert runner.invoke(args=["init-db"]).exit_code == 0
    bob = app.test_client()
    auth_for(bob).log_in_as("bob")
    bob.post("/api/todos", json={"title": "bob's plan"})
    thief = with_token(app, old_token)
    thief.set_cookie("csrf_token", csrf)
    assert thief.get("/api/todos").get_json() == []
    response = thief.post("/api/todos", json={"title": "x"}, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 401
    assert [t["title"] for t in bob.get("/api/todos").get_json()] == ["bob's plan"]


def test_user_ids_are_random_not_counted(app, auth_for):
    ids = [auth_for(app.test_client()).log_in_as(f"user{n}").get_json()["id"] for n in range(3)]
    assert ids != sorted(ids) or ids[-1] - ids[0] != 2
    assert all(0 < user_id <= 2**53 for user_id in ids)


def test_the_database_file_and_the_key_file_are_readable_by_their_owner_only(stage, tmp_path):
    instance = tmp_path / "instance"
    stage.security.development_secret_key(str(instance), STAGE)
    app = stage.create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'x.sqlite'}",
                            "SECRET_KEY": "a key for this test, 32 bytes or more"})  # fmt: skip
    with app.app_context():
        stage.db.db.engine.dispose()
    for path in instance.iterdir():
        assert path.stat().st_mode & 0o777 == 0o600, path


def test_instance_files_an_older_version_left_readable_are_made_private(stage, tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    for name in (f"{STAGE}.secret_key", "x.sqlite"):
        (instance / name).write_text(
            "a key an older version wrote, 32 bytes or more" * (name != "x.sqlite")
        )
        (instance / name).chmod(0o644)
    stage.security.development_secret_key(str(instance), STAGE)
    app = stage.create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'x.sqlite'}",
                            "SECRET_KEY": "a key for this test, 32 bytes or more"})  # fmt: skip
    with app.app_context():
        stage.db.db.engine.dispose()
    for path in instance.iterdir():
        assert path.stat().st_mode & 0o777 == 0o600, path
