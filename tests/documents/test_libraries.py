"""LIBRARIES.md: its code runs, and each thing it says of a library is so, checked against
the library at the version pinned in requirements.txt (the same as bench/requirements.txt).
The blocks quoted from bench/peers.py are found there verbatim, and run as the benchmarks
run them, on a copy of 07; the page's own blocks run here."""

import base64
import json
import re
from datetime import datetime, timedelta, timezone
from importlib.metadata import version

import flask_jwt_extended
import flask_login
import jwt
import limits.storage
import pytest
import time_machine
from course import ROOT
from flask import Flask, session

from bench import peers
from bench.stage_apps import dispose, queries_of

PAGE = (ROOT / "LIBRARIES.md").read_text()
A_DAY = datetime(2026, 1, 1, tzinfo=timezone.utc)  # where the tests that move time start
# Each block, with the line before it (where a quoted block names its source).
BLOCKS = re.findall(r"([^\n]*)\n\n```python\n(.*?)```", PAGE, re.DOTALL)


def block(heading):
    """The code of the first block under the page's heading HEADING."""
    part = PAGE.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return re.search(r"```python\n(.*?)```", part, re.DOTALL).group(1)


def run(*codes):
    """Run the page's blocks CODES one after the other, as one module; its namespace."""
    namespace = {"__name__": "libraries_page"}
    for code in codes:
        exec(compile(code, "LIBRARIES.md", "exec"), namespace)  # noqa: S102 (our own page)
    return namespace


def pins(path):
    lines = (ROOT / path).read_text().splitlines()
    return dict(line.lower().split("==") for line in lines if "==" in line and line[0] != "#")


def test_the_libraries_are_pinned_as_the_benchmarks_pin_them_and_installed_so():
    course, bench = pins("requirements.txt"), pins("bench/requirements.txt")
    for package in ["flask-jwt-extended", "flask-login", "flask-wtf", "flask-limiter"]:
        assert version(package) == course[package], package
    for package, pinned in bench.items():
        assert course[package] == pinned, package


def test_every_block_quoted_from_the_benchmarks_is_there_verbatim():
    quoted = [(caption, code) for caption, code in BLOCKS if "bench/peers.py" in caption]
    quoted += [(BLOCKS[i - 1][0], code) for i, (caption, code) in enumerate(BLOCKS)
               if caption.startswith("and its")]  # fmt: skip
    assert len(quoted) == 3
    source = (ROOT / "bench" / "peers.py").read_text()
    body = "\n".join(line.removeprefix("    ") for line in source.splitlines())
    for caption, code in quoted:
        function = re.search(r"`(\w+)\(\)`", caption).group(1)
        assert f"def {function}(" in source
        assert code in body, code


# --- Flask's own session -------------------------------------------------------------


@pytest.fixture
def flask_session_app():
    return run(block("Flask's own session: signed, not stored"))["app"]


def test_flask_session_a_copy_taken_before_logout_still_works(flask_session_app):
    browser = flask_session_app.test_client()
    browser.post("/login")
    copy = browser.get_cookie("session").value
    logout = browser.post("/logout")
    assert logout.status_code == 204
    assert logout.headers["Set-Cookie"].startswith("session=; Expires=Thu, 01 Jan 1970")
    assert browser.get("/me").get_json() == {"user_id": None}

    thief = flask_session_app.test_client()
    thief.set_cookie("session", copy)
    assert thief.get("/me").get_json() == {"user_id": 1}


def test_flask_session_is_httponly_signed_readable_and_has_no_samesite(flask_session_app):
    browser = flask_session_app.test_client()
    response = browser.post("/login")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite" not in cookie
    value = browser.get_cookie("session").value
    payload = value.split(".")[0]
    assert json.loads(base64.urlsafe_b64decode(payload + "==")) == {"user_id": 1}
    forged = browser.get_cookie("session").value.replace(payload, "eyJ1c2VyX2lkIjoyfQ")
    browser.set_cookie("session", forged)  # {"user_id": 2}, with the old signature
    assert browser.get("/me").get_json() == {"user_id": None}


def test_flask_session_a_copy_ends_after_permanent_session_lifetime(flask_session_app):
    with time_machine.travel(A_DAY, tick=False) as clock:
        browser = flask_session_app.test_client()
        browser.post("/login")
        clock.shift(timedelta(days=31) - timedelta(seconds=1))
        assert browser.get("/me").get_json() == {"user_id": 1}
        clock.shift(timedelta(seconds=2))
        assert browser.get("/me").get_json() == {"user_id": None}


# --- Flask-Login ---------------------------------------------------------------------


@pytest.fixture
def flask_login_07(tmp_path):
    app, client, _, _ = peers.flask_login(str(tmp_path))
    yield app, client
    dispose(app)


def test_flask_login_calls_the_user_loader_at_every_request(flask_login_07):
    app, client = flask_login_07
    manager = app.login_manager
    loader, calls = manager._user_callback, []
    manager.user_loader(lambda user_id: calls.append(user_id) or loader(user_id))
    for _ in range(3):
        assert client.get("/bench/auth-only").status_code == 200
    assert len(calls) == 3


def test_flask_login_keeps_the_user_id_in_flasks_session_and_checks_no_csrf(flask_login_07):
    app, client = flask_login_07
    cookie = client.get_cookie("session").value
    serializer = app.session_interface.get_signing_serializer(app)
    assert "_user_id" in serializer.loads(cookie)
    assert client.post("/bench/auth-only").status_code == 200  # no CSRF token sent


def test_flask_login_a_loader_that_returns_none_logs_the_request_out(flask_login_07):
    app, client = flask_login_07
    app.login_manager.user_loader(lambda user_id: None)
    assert client.get("/bench/auth-only").status_code == 401


def test_flask_login_a_copy_taken_before_logout_user_still_carries_the_id():
    app = Flask(__name__)
    app.secret_key = "a key for this test only, long enough to look real"
    manager = flask_login.LoginManager(app)
    manager.user_loader(lambda user_id: flask_login.UserMixin() if user_id == "1" else None)

    @app.post("/login")
    def login():
        user = flask_login.UserMixin()
        user.id = 1
        flask_login.login_user(user)
        return "", 204

    @app.post("/logout")
    def logout():
        flask_login.logout_user()
        return "", 204

    @app.get("/me")
    def me():
        return {"logged_in": flask_login.current_user.is_authenticated, "session": dict(session)}

    browser = app.test_client()
    browser.post("/login")
    copy = browser.get_cookie("session").value
    browser.post("/logout")
    assert browser.get("/me").get_json()["logged_in"] is False
    thief = app.test_client()
    thief.set_cookie("session", copy)
    assert thief.get("/me").get_json()["logged_in"] is True


# --- Flask-WTF ------------------------------------------------------------------------


@pytest.fixture
def csrf_app():
    blocks = [block("Flask's own session: signed, not stored"), block("Flask-WTF: the CSRF token")]
    return run(*blocks)["app"]


def test_flask_wtf_every_change_needs_the_token_the_login_too_refused_with_400(csrf_app):
    browser = csrf_app.test_client()
    assert browser.post("/login").status_code == 400  # the login too
    token = browser.get("/csrf-token").get_json()["csrf_token"]
    for header in ["X-CSRFToken", "X-CSRF-Token"]:
        assert browser.post("/login", headers={header: token}).status_code == 200
    assert browser.post("/login", data={"csrf_token": token}).status_code == 200  # a form
    assert browser.post("/logout").status_code == 400
    assert csrf_app.config["WTF_CSRF_METHODS"] == {"POST", "PUT", "PATCH", "DELETE"}
    assert browser.get("/me").get_json() == {"user_id": 1}  # reads need no token


def test_flask_wtf_keeps_its_secret_in_the_session_and_the_copy_expires_in_an_hour(csrf_app):
    with time_machine.travel(A_DAY, tick=False) as clock:
        browser = csrf_app.test_client()
        token = browser.get("/csrf-token").get_json()["csrf_token"]
        serializer = csrf_app.session_interface.get_signing_serializer(csrf_app)
        assert "csrf_token" in serializer.loads(browser.get_cookie("session").value)
        clock.shift(timedelta(hours=1))
        assert browser.post("/login", headers={"X-CSRFToken": token}).status_code == 200
        clock.shift(timedelta(seconds=1))
        response = browser.post("/logout", headers={"X-CSRFToken": token})
        assert response.status_code == 400
        assert "expired" in response.get_data(as_text=True)


def test_flask_wtf_over_https_wants_a_referer_from_this_host(csrf_app):
    browser = csrf_app.test_client()
    https = {"base_url": "https://localhost"}
    token = browser.get("/csrf-token", **https).get_json()["csrf_token"]
    headers = {"X-CSRFToken": token}
    assert browser.post("/login", headers=headers, **https).status_code == 400
    headers["Referer"] = "https://elsewhere.example/"
    assert browser.post("/login", headers=headers, **https).status_code == 400
    headers["Referer"] = "https://localhost/"
    assert browser.post("/login", headers=headers, **https).status_code == 200


# --- flask-jwt-extended -------------------------------------------------------------


@pytest.fixture
def jwt_07(tmp_path):
    app, client, _, _ = peers.flask_jwt_extended(str(tmp_path))
    yield app, client
    dispose(app)


def test_flask_jwt_extended_decodes_every_token_twice(jwt_07, monkeypatch):
    _, client = jwt_07
    decode, checks = jwt.decode, []

    def counting_decode(*args, **kwargs):
        checks.append(kwargs.get("options", {}).get("verify_signature", True))
        return decode(*args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counting_decode)
    assert client.get("/bench/auth-only").status_code == 200
    assert checks == [False, True]  # without the signature, then with it


def test_flask_jwt_extended_hands_the_unchecked_claims_to_a_key_callback(jwt_07):
    app, client = jwt_07
    seen = []
    app.extensions["flask-jwt-extended"].decode_key_loader(
        lambda header, claims: seen.append(claims) or peers.SECRET_KEY
    )
    assert client.get("/bench/auth-only").status_code == 200
    assert seen[0]["aud"] == peers.STAGE  # the claims, before any check of the signature


def test_flask_jwt_extended_the_token_in_an_httponly_cookie_csrf_as_in_05(jwt_07):
    app, client = jwt_07
    token, csrf = client.get_cookie("access_token_cookie"), client.get_cookie("csrf_access_token")
    assert token.http_only and not csrf.http_only
    claims = jwt.decode(token.value, peers.SECRET_KEY, algorithms=["HS256"], audience=peers.STAGE)
    assert {"sub", "exp", "aud"} <= claims.keys() and claims["csrf"] == csrf.value
    assert client.post("/bench/auth-only").status_code == 401  # no header: 401, not 403
    changed = client.post("/bench/auth-only", headers={"X-CSRF-TOKEN": csrf.value})
    assert changed.status_code == 200
    counts, _ = queries_of(app, lambda: client.get("/bench/auth-only").status_code, "auth")
    assert max(counts) == 0  # a valid token needs no database


def test_flask_jwt_extended_renews_nothing_and_logout_cannot_end_a_copy(jwt_07):
    app, client = jwt_07
    copy = client.get_cookie("access_token_cookie").value
    with app.test_request_context():
        logout = app.make_response(("", 204))
        flask_jwt_extended.unset_jwt_cookies(logout)
    assert "access_token_cookie=;" in " ".join(logout.headers.getlist("Set-Cookie"))
    thief = app.test_client()
    thief.set_cookie("access_token_cookie", copy)
    with time_machine.travel(jwt.decode(copy, options={"verify_signature": False})["exp"] - 1):
        assert thief.get("/bench/auth-only").status_code == 200
    with time_machine.travel(jwt.decode(copy, options={"verify_signature": False})["exp"] + 1):
        response = client.get("/bench/auth-only")
        assert response.status_code == 401 and "Set-Cookie" not in response.headers
    with app.app_context():  # refresh tokens: a kind of their own, refused as access
        refresh = flask_jwt_extended.create_refresh_token(identity="1")
    thief.set_cookie("access_token_cookie", refresh)
    assert thief.get("/bench/auth-only").status_code == 422


def test_flask_jwt_extended_asks_its_blocklist_callback_about_every_token(jwt_07):
    app, client = jwt_07
    manager, asked = app.extensions["flask-jwt-extended"], []
    manager.token_in_blocklist_loader(lambda header, claims: asked.append(claims) or False)
    assert client.get("/bench/auth-only").status_code == 200
    manager.token_in_blocklist_loader(lambda header, claims: asked.append(claims) or True)
    assert client.get("/bench/auth-only").status_code == 401
    assert len(asked) == 2


# --- Flask-Limiter --------------------------------------------------------------------


def limiter_app():
    return run(block("Flask-Limiter: throttling"))["app"]


RIGHT, WRONG = "correct horse battery staple", "wrong password"  # the page's, and another


def log_in(client, username="alice", password=WRONG, address="192.0.2.1"):
    body = {"username": username, "password": password}
    return client.post("/api/login", json=body, environ_base={"REMOTE_ADDR": address})


def test_flask_limiter_five_failures_then_429_for_the_minute_without_retry_after():
    with time_machine.travel(A_DAY, tick=False) as clock:
        client = limiter_app().test_client()
        for _ in range(10):  # successes do not count
            assert log_in(client, password=RIGHT).status_code == 200
        for _ in range(5):
            assert log_in(client).status_code == 401
        refused = log_in(client, password=RIGHT)
        assert refused.status_code == 429 and "Retry-After" not in refused.headers
        clock.shift(timedelta(minutes=1))
        assert log_in(client, password=RIGHT).status_code == 200


def test_flask_limiter_counts_per_username_and_per_address():
    client = limiter_app().test_client()
    for number in range(5):  # one username, five addresses
        assert log_in(client, address=f"192.0.2.{number}").status_code == 401
    assert log_in(client, address="198.51.100.1").status_code == 429
    for number in range(5):  # one address, five usernames
        assert log_in(client, username=f"user{number}", address="203.0.113.1").status_code == 401
    assert log_in(client, username="bob", address="203.0.113.1").status_code == 429


def test_flask_limiter_in_memory_each_worker_counts_alone_and_a_shared_store_exists():
    workers = [limiter_app().test_client() for _ in range(4)]
    for worker in workers:
        for _ in range(5):
            assert log_in(worker).status_code == 401  # 20 guesses, none refused
    assert "redis" in limits.storage.SCHEMES


def test_flask_limiter_sends_retry_after_when_asked():
    code = block("Flask-Limiter: throttling")
    memory = 'storage_uri="memory://"'
    asked = code.replace(f"{memory})", f"{memory}, headers_enabled=True)")
    assert asked != code
    client = run(asked)["app"].test_client()
    for _ in range(5):
        log_in(client)
    assert "Retry-After" in log_in(client).headers
