import base64
import hashlib
import hmac
import importlib
import json
import time
from datetime import timedelta
from http.cookies import SimpleCookie

import jwt
import pytest
from auth_actions import TEST_PASSWORD
from helpers import sql_statements, with_token
from hypothesis import given
from hypothesis import strategies as st
from playwright.sync_api import expect

STAGE = "05_jwt_stateless"
tokens = importlib.import_module(f"{STAGE}.tokens")

KEY = b"a key of 32 bytes or more, for tests"
FUTURE = 4_102_444_800  # 2100-01-01

# RFC 7515, appendix A.1: an HS256 token and its key (a JWK "k", base64url).
RFC7515_TOKEN = (
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
    ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
)
RFC7515_KEY = base64.urlsafe_b64decode(
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow=="
)
RFC7515_EXP = 1300819380
# RFC 7519, section 6.1: an unsecured JWT, "alg": "none", with an empty signature.
RFC7519_UNSECURED = (
    "eyJhbGciOiJub25lIn0"
    ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    "."
)


def b64(data) -> str:
    if not isinstance(data, bytes):
        data = json.dumps(data).encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signed(header, payload, key=KEY, digest=hashlib.sha256) -> str:
    """A token with any header and payload, correctly signed with KEY."""
    signing_input = f"{b64(header)}.{b64(payload)}"
    signature = hmac.new(key, signing_input.encode(), digest).digest()
    return f"{signing_input}.{b64(signature)}"


# --- The hand-written module against the standards and PyJWT -----------------------------


def test_rfc7515_example_verifies_before_its_expiry():
    claims = tokens.decode(RFC7515_TOKEN, RFC7515_KEY, now=RFC7515_EXP - 1)
    assert claims == {"iss": "joe", "exp": RFC7515_EXP, "http://example.com/is_root": True}


def test_rfc7515_example_is_refused_from_its_expiry_on():
    with pytest.raises(tokens.InvalidTokenError, match="expired"):
        tokens.decode(RFC7515_TOKEN, RFC7515_KEY, now=RFC7515_EXP)


def test_rfc7515_example_signature_is_what_we_compute():
    header, payload, signature = RFC7515_TOKEN.split(".")
    assert tokens.b64url_encode(tokens.signature(f"{header}.{payload}", RFC7515_KEY)) == signature


def test_rfc7519_unsecured_example_is_refused():
    with pytest.raises(tokens.InvalidTokenError, match="alg must be HS256"):
        tokens.decode(RFC7519_UNSECURED, RFC7515_KEY, now=RFC7515_EXP - 1)


def test_decode_uses_the_current_time_by_default():
    assert tokens.decode(tokens.encode({"exp": int(time.time()) + 5}, KEY), KEY)
    with pytest.raises(tokens.InvalidTokenError, match="expired"):
        tokens.decode(tokens.encode({"exp": int(time.time())}, KEY), KEY)


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=10,
)
REGISTERED = {"exp", "nbf", "iat", "aud", "iss", "sub", "jti"}
CLAIMS = st.fixed_dictionaries(
    {"exp": st.integers(FUTURE, 2**53), "sub": st.text()},
    optional={"iat": st.integers(0, 1_700_000_000)},  # PyJWT refuses an iat in the future
).flatmap(
    lambda required: st.dictionaries(
        st.text().filter(lambda key: key not in REGISTERED), JSON_VALUES, max_size=5
    ).map(lambda extra: {**extra, **required})
)


@given(CLAIMS)
def test_pyjwt_decodes_our_tokens(claims):
    assert jwt.decode(tokens.encode(claims, KEY), KEY, algorithms=["HS256"]) == claims


@given(CLAIMS)
def test_we_decode_pyjwt_tokens(claims):
    assert tokens.decode(jwt.encode(claims, KEY, algorithm="HS256"), KEY) == claims


def valid_token():
    return tokens.encode({"sub": "1", "exp": FUTURE}, KEY)


def flip_last_character(text):
    return text[:-1] + ("A" if text[-1] != "A" else "B")


def forgeries():
    header, payload, signature = valid_token().split(".")
    claims = {"sub": "1", "exp": FUTURE}
    not_utf8, deeply_nested = b64(b"\xff\xfe"), b64(b"[" * 5000 + b"]" * 5000)
    return {
        "alg none, no signature": f"{b64({'alg': 'none'})}.{payload}.",
        "alg none, signed": signed({"alg": "none"}, claims),
        "alg None": signed({"alg": "None"}, claims),
        "alg missing": signed({"typ": "JWT"}, claims),
        "alg HS512, signed so": signed({"alg": "HS512"}, claims, digest=hashlib.sha512),
        "alg RS256": signed({"alg": "RS256"}, claims),
        "alg in a list": signed({"alg": ["HS256"]}, claims),
        "wrong key": signed({"alg": "HS256"}, claims, key=b"another key of 32 bytes or more!"),
        "tampered header": f"{b64({'alg': 'HS256', 'kid': 'x'})}.{payload}.{signature}",
        "tampered payload": f"{header}.{b64({'sub': '2', 'exp': FUTURE})}.{signature}",
        "tampered signature": f"{header}.{payload}.{flip_last_character(signature)}",
        "signature stripped": f"{header}.{payload}.",
        "two segments": f"{header}.{payload}",
        "four segments": f"{header}.{payload}.{signature}.{signature}",
        "empty": "",
        "padding added": f"{header}.{payload}.{signature}=",
        "stray bits in the signature": f"{header}.{payload}.{signature[:-1]}"
        + chr(ord(signature[-1]) + 1),
        "standard base64 alphabet": f"{header}.{payload}.{signature.replace('-', '+')}+/",
        "spaces": f"{header} .{payload}.{signature}",
        "not ASCII": f"{header}.{payload}é.{signature}",
        "a lone surrogate": f"{header}.{payload}.{signature}\udcff",
        "critical extension": signed({"alg": "HS256", "crit": ["exp"]}, claims),
        "payload in UTF-16": f"{header}.{b64(json.dumps(claims).encode('utf-16'))}.{signature}",
        "header not JSON": f"{b64(b'{alg: HS256}')}.{payload}.{signature}",
        "header not UTF-8": f"{not_utf8}.{payload}.{signature}",
        "header a list": signed(["alg", "HS256"], claims),
        "header deeply nested": f"{deeply_nested}.{payload}.{signature}",
        "payload a list": signed({"alg": "HS256"}, [claims]),
        "payload a string": signed({"alg": "HS256"}, "sub"),
        "exp missing": signed({"alg": "HS256"}, {"sub": "1"}),
        "exp expired": signed({"alg": "HS256"}, {"sub": "1", "exp": int(time.time()) - 1}),
        "exp a string": signed({"alg": "HS256"}, {"sub": "1", "exp": str(FUTURE)}),
        "exp a float": signed({"alg": "HS256"}, {"sub": "1", "exp": float(FUTURE)}),
        "exp true": signed({"alg": "HS256"}, {"sub": "1", "exp": True}),
        "exp null": signed({"alg": "HS256"}, {"sub": "1", "exp": None}),
        "sub a number": signed({"alg": "HS256"}, {"sub": 1, "exp": FUTURE}),
    }


def test_the_valid_token_behind_the_forgeries_is_accepted():
    assert tokens.decode(valid_token(), KEY) == {"sub": "1", "exp": FUTURE}
    assert tokens.decode(signed({"alg": "HS256"}, {"sub": "1", "exp": FUTURE}), KEY)


@pytest.mark.parametrize(("name", "forgery"), forgeries().items(), ids=forgeries().keys())
def test_every_forgery_is_refused(name, forgery):
    with pytest.raises(tokens.InvalidTokenError):
        tokens.decode(forgery, KEY)


def test_non_canonical_base64_decodes_to_the_same_bytes_in_python_but_not_here():
    signature = valid_token().split(".")[2]
    stray_bits = signature[:-1] + chr(ord(signature[-1]) + 1)
    assert base64.urlsafe_b64decode(stray_bits + "=") == base64.urlsafe_b64decode(signature + "=")
    with pytest.raises(tokens.InvalidTokenError, match="canonical"):
        tokens.b64url_decode(stray_bits)


# --- The app: a JWT in a cookie, no session table ----------------------------------------


def access_token(client):
    return client.get_cookie("access_token").value


def test_login_sets_a_jwt_cookie_that_says_who_and_until_when(app, client, auth):
    auth.register("alice")
    response = auth.login("alice")
    user = response.get_json()
    assert user["username"] == "alice"
    cookies = SimpleCookie()
    for header in response.headers.getlist("Set-Cookie"):
        cookies.load(header)
    token = cookies["access_token"]
    assert token["httponly"] is True and token["samesite"] == "Lax" and token["path"] == "/"
    assert token["max-age"] == str(30 * 60)
    assert cookies["csrf_token"]["httponly"] == ""

    claims = jwt.decode(token.value, app.config["SECRET_KEY"], algorithms=["HS256"], audience=STAGE)
    assert claims["sub"] == str(user["id"])
    assert claims["aud"] == STAGE
    assert claims["exp"] - claims["iat"] == 30 * 60
    assert claims["csrf"] == cookies["csrf_token"].value


@pytest.mark.lesson("fix")
def test_anyone_can_read_a_token_but_not_change_it(app, alice, auth_for):
    """The signature is the whole security of a JWT: a token changed by anyone without
    the key, here to name another user, is refused."""
    bob = app.test_client()
    auth_for(bob).log_in_as("bob")
    bob.post("/api/todos", json={"title": "bob's secret"})
    bobs_id = bob.get("/api/me").get_json()["id"]
    header, payload, signature = access_token(alice).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["sub"] == str(alice.get("/api/me").get_json()["id"])  # anyone can read it
    as_bob = {**claims, "sub": str(bobs_id)}
    for forged in [
        f"{header}.{b64(as_bob)}.{signature}",  # the payload changed, the signature kept
        tokens.encode(as_bob, b"a guess at the key, 32 bytes long"),  # signed again
        tokens.encode(as_bob, b"your-256-bit-secret"),  # jwt.io's example key: in wordlists
        f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(as_bob)}.",  # "alg": "none", unsigned
    ]:
        thief = with_token(app, forged)
        assert thief.get("/api/me").status_code == 401, forged
        assert thief.get("/api/todos").status_code == 401, forged


CSRF = "x" * 43  # shaped like the CSRF values the stage makes


def test_a_token_made_by_pyjwt_with_the_apps_key_is_accepted(app, client, auth):
    alice = auth.register("alice")
    now = int(time.time())
    claims = {"sub": str(alice.get_json()["id"]), "aud": STAGE, "iat": now, "exp": now + 60,
              "csrf": CSRF}  # fmt: skip
    client.set_cookie("access_token", jwt.encode(claims, app.config["SECRET_KEY"]))
    assert client.get("/api/me").get_json() == alice.get_json()


def fits_in_a_cookie(token):
    """Under a browser's 4 KB, and text that HTTP can carry (no lone surrogates)."""
    return len(token) < 4000 and token.encode("utf-8", "replace").decode() == token


@pytest.mark.parametrize("name", [name for name, t in forgeries().items() if fits_in_a_cookie(t)])
def test_the_app_answers_every_forgery_with_401(client, name):
    client.set_cookie("access_token", forgeries()[name])
    for method in ["GET", "POST"]:
        response = client.open("/api/todos", method=method, json={"title": "x"})
        assert response.status_code == 401
        assert response.get_json() == {"error": "not logged in"}


@pytest.mark.parametrize(
    "claims",
    [{"csrf": CSRF}, {"sub": "1"}, {"sub": "abc", "csrf": CSRF}, {"sub": " 1_0 ", "csrf": CSRF},
     {"sub": "9" * 30, "csrf": CSRF}, {"sub": "1", "csrf": 5}, {"sub": "1", "csrf": "\ud800"}],
    ids=["no sub", "no csrf", "sub not a number", "sub with spaces", "sub huge", "csrf a number",
         "csrf not text"],
)  # fmt: skip
def test_tokens_signed_with_our_key_but_not_shaped_like_ours_get_401(app, client, claims, auth):
    """PyJWT tokens with our key are accepted when they carry our claims, as the test
    above shows; without them, they are refused, never a 500."""
    auth.register("alice")
    token = jwt.encode(
        {"aud": STAGE, **claims, "exp": int(time.time()) + 60}, app.config["SECRET_KEY"]
    )
    client.set_cookie("access_token", token)
    for method in ["GET", "POST"]:
        response = client.open("/api/todos", method=method, json={"title": "x"})
        assert response.status_code == 401


def test_a_token_from_before_a_restart_is_refused(stage, app_config, auth_for):
    """The default key is new at each start (stage 07 keeps one)."""
    del app_config["SECRET_KEY"]
    before = stage.create_app(app_config).test_client()
    auth_for(before).log_in_as("alice")
    after = stage.create_app(app_config).test_client()
    after.set_cookie("access_token", access_token(before))
    assert before.get("/api/me").status_code == 200
    assert after.get("/api/me").status_code == 401


def test_a_numeric_secret_key_from_the_environment_works(stage, app_config, monkeypatch, auth_for):
    del app_config["SECRET_KEY"]
    monkeypatch.setenv("FLASK_SECRET_KEY", "12345678901234567890123456789012")
    client = stage.create_app(app_config).test_client()
    auth_for(client).log_in_as("alice")
    assert client.get("/api/me").status_code == 200


def test_cookies_are_secure_when_configured(stage, app_config, auth_for):
    client = stage.create_app({**app_config, "AUTH_COOKIE_SECURE": True}).test_client()
    auth_for(client).register("alice")
    response = auth_for(client).login("alice")
    for header in response.headers.getlist("Set-Cookie"):
        assert "; Secure" in header


@pytest.mark.lesson("fix")
def test_a_valid_token_is_checked_without_the_database(app, alice):
    """Stage 04 read its session table on every request; here the signature is the proof."""
    statements = sql_statements(app, lambda: alice.get("/api/todos"))
    assert len(statements) == 1  # the todos themselves; nothing for the login
    assert "FROM todo" in statements[0]


def test_there_is_no_session_table(stage, app):
    with app.app_context():
        assert set(stage.db.db.metadata.tables) == {"user", "todo"}


def test_a_change_without_the_csrf_header_is_403(alice):
    del alice.environ_base["HTTP_X_CSRF_TOKEN"]
    response = alice.post("/api/todos", json={"title": "pwned"})
    assert response.status_code == 403
    assert alice.get("/api/todos").get_json() == []


def test_the_csrf_value_of_another_token_does_not_count(app, alice, auth_for):
    bob = app.test_client()
    auth_for(bob).log_in_as("bob")
    bobs_csrf = bob.get_cookie("csrf_token").value
    response = alice.post("/api/todos", json={"title": "x"}, headers={"X-CSRF-Token": bobs_csrf})
    assert response.status_code == 403


def test_todos_belong_to_the_user_in_the_token(app, alice, auth_for):
    bob = app.test_client()
    auth_for(bob).log_in_as("bob")
    todo_id = alice.post("/api/todos", json={"title": "alice's"}).get_json()["id"]
    assert bob.get(f"/api/todos/{todo_id}").status_code == 404
    assert bob.get("/api/todos").get_json() == []


@pytest.mark.lesson("fix")
def test_a_token_ends_30_minutes_after_login(clock, alice):
    clock.shift(timedelta(minutes=30) - timedelta(seconds=1))
    assert alice.get("/api/me").status_code == 200
    clock.shift(timedelta(seconds=1))
    assert alice.get("/api/me").status_code == 401


def test_logout_clears_the_cookies(alice):
    response = alice.post("/api/logout")
    assert response.status_code == 204
    assert alice.get_cookie("access_token") is None
    assert alice.get("/api/me").status_code == 401


@pytest.mark.lesson("weakness")
def test_a_token_copied_before_logout_works_until_it_expires(clock, app, alice):
    stolen = access_token(alice)
    alice.post("/api/todos", json={"title": "my secret plan"})
    assert alice.post("/api/logout").status_code == 204
    assert alice.get("/api/me").status_code == 401  # the browser forgot the token...

    thief = app.test_client()
    thief.set_cookie("access_token", stolen)
    clock.shift(timedelta(minutes=29))
    # ... but the server cannot tell a copy from the original: it still opens the account.
    response = thief.get("/api/todos")
    assert response.status_code == 200, "the copy was refused after logout"
    assert [t["title"] for t in response.get_json()] == ["my secret plan"]
    clock.shift(timedelta(minutes=1))
    assert thief.get("/api/todos").status_code == 401  # only its expiry ends it


def database_rows(stage, app):
    """Every row of every table: all that the server keeps."""
    with app.app_context():
        db = stage.db.db
        return {
            table.name: sorted(tuple(row) for row in db.session.execute(table.select()))
            for table in db.metadata.sorted_tables
        }


@pytest.mark.lesson("weakness")
def test_logout_everywhere_cannot_exist_without_sessions_on_the_server(stage, app, alice, auth_for):
    """A login leaves nothing on the server that a logout could end: so a token copied
    before any logout still works after every logout the stage offers, on every device,
    and the server cannot tell the copy from the original."""
    alice.post("/api/todos", json={"title": "my secret plan"})
    stolen = access_token(alice)
    kept = database_rows(stage, app)
    phone = app.test_client()
    auth_for(phone).log_in_as("alice")  # a second device
    assert database_rows(stage, app) == kept  # the login wrote nothing

    logouts = [rule.rule for rule in app.url_map.iter_rules() if "logout" in rule.rule]
    assert logouts, "the stage offers a logout"
    for device in (alice, phone):
        for route in logouts:
            assert device.post(route).status_code == 204
    response = with_token(app, stolen).get("/api/todos")
    assert response.status_code == 200, "the copy was refused after the logouts"
    assert [t["title"] for t in response.get_json()] == ["my secret plan"]


# --- The page ----------------------------------------------------------------------------


def test_the_page_logs_in_with_a_cookie_no_script_can_read(page):
    page.goto("/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Register").click()
    expect(page.locator("#username")).to_have_text("alice")
    page.get_by_label("New todo").fill("buy milk")
    page.get_by_role("button", name="Add").click()
    expect(page.locator("#todos .title")).to_have_text(["buy milk"])

    assert "access_token" not in page.evaluate("document.cookie")
    assert page.evaluate("localStorage.length") == 0
    cookies = {cookie["name"]: cookie for cookie in page.context.cookies()}
    assert cookies["access_token"]["httpOnly"] is True

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Log in")).to_be_visible()


def test_a_token_signed_with_the_same_key_for_another_app_is_refused(app, alice):
    """A key shared by mistake (one FLASK_SECRET_KEY exported for every stage) opens
    nothing: the app accepts only tokens whose `aud` names it."""
    claims = jwt.decode(
        access_token(alice), app.config["SECRET_KEY"], algorithms=["HS256"], audience=STAGE
    )
    for_another_app = jwt.encode({**claims, "aud": "07_final_todo"}, app.config["SECRET_KEY"])
    alice.set_cookie("access_token", for_another_app)
    assert alice.get("/api/me").status_code == 401
