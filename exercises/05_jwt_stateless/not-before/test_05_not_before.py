"""Your turn, stage 05: the `nbf` ("not before") claim, in the hand-written decoder and in
the app's tokens. See README.md beside this file."""

import time

import jwt
import pytest

STAGE = "05_jwt_stateless"

KEY = b"a key of 32 bytes or more, for tests"
NOW = 1_800_000_000  # a moment, in seconds since 1970
CSRF = "x" * 43  # shaped like the CSRF values the stage makes


def token_with(tokens, **claims):
    return tokens.encode({"sub": "1", "exp": NOW + 3600, **claims}, KEY)


# --- The decoder --------------------------------------------------------------------------


def test_a_token_is_refused_before_its_nbf(stage):
    token = token_with(stage.tokens, nbf=NOW + 60)
    with pytest.raises(stage.tokens.InvalidTokenError, match="not valid yet"):
        stage.tokens.decode(token, KEY, now=NOW)
    with pytest.raises(stage.tokens.InvalidTokenError, match="not valid yet"):
        stage.tokens.decode(token, KEY, now=NOW + 59)


def test_a_token_is_accepted_from_its_nbf_on(stage):
    token = token_with(stage.tokens, nbf=NOW + 60)
    assert stage.tokens.decode(token, KEY, now=NOW + 60)["nbf"] == NOW + 60
    assert stage.tokens.decode(token, KEY, now=NOW + 61)["nbf"] == NOW + 60


def test_a_token_without_nbf_is_valid_from_the_start(stage):
    assert "nbf" not in stage.tokens.decode(token_with(stage.tokens), KEY, now=NOW)


@pytest.mark.parametrize("nbf", [float(NOW), str(NOW), True, None, [NOW]])
def test_an_nbf_that_is_not_an_integer_is_refused(stage, nbf):
    """As for `exp`: a float, a string, a bool or anything else is not a time we trust."""
    with pytest.raises(stage.tokens.InvalidTokenError, match="nbf must be an integer"):
        stage.tokens.decode(token_with(stage.tokens, nbf=nbf), KEY, now=NOW + 60)


@pytest.mark.parametrize("offset", [-3600, -1, 0, 1, 3600])
def test_we_agree_with_pyjwt_on_when_a_token_becomes_valid(clock, stage, offset):
    """PyJWT (the library of stage 06) checks `nbf` too: with the clock stopped, both
    decoders accept or refuse the same token."""
    now = int(time.time())  # the clock fixture stands still: this is "now" for both
    token = token_with(stage.tokens, nbf=now + offset, exp=now + 7200)
    try:
        jwt.decode(token, KEY, algorithms=["HS256"])
        pyjwt_accepts = True
    except jwt.ImmatureSignatureError:
        pyjwt_accepts = False
    try:
        stage.tokens.decode(token, KEY)  # `now` left out: the current time
        we_accept = True
    except stage.tokens.InvalidTokenError:
        we_accept = False
    assert we_accept == pyjwt_accepts == (offset <= 0)


# --- The app ------------------------------------------------------------------------------


def test_a_login_token_is_valid_from_the_moment_it_is_made(app, client, auth):
    auth.register("alice")
    auth.login("alice")
    token = client.get_cookie("access_token").value
    claims = jwt.decode(token, app.config["SECRET_KEY"], algorithms=["HS256"], audience=STAGE)
    assert claims.get("nbf") == claims["iat"]


def test_the_app_refuses_a_token_of_its_own_until_its_nbf(clock, app, client, auth):
    alice = auth.register("alice")
    now = int(time.time())
    claims = {"sub": str(alice.get_json()["id"]), "aud": STAGE, "iat": now,
              "nbf": now + 600, "exp": now + 1800, "csrf": CSRF}  # fmt: skip
    client.set_cookie("access_token", jwt.encode(claims, app.config["SECRET_KEY"]))
    assert client.get("/api/me").status_code == 401
    clock.shift(599)
    assert client.get("/api/me").status_code == 401
    clock.shift(1)
    assert client.get("/api/me").get_json() == alice.get_json()
