import functools
import hmac
import re
import secrets
from datetime import datetime, timezone

from flask import Blueprint, abort, current_app, g, make_response, request
from sqlalchemy.exc import IntegrityError
from werkzeug.security import generate_password_hash

from . import tokens
from .cookies import LOGIN_COOKIE, set_auth_cookies, unset_auth_cookies
from .db import db
from .models import User, utcnow
from .validation import json_object, password_field, username_field

bp = Blueprint("auth", __name__, url_prefix="/api")

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
USER_ID = re.compile(r"[1-9][0-9]{0,15}")
CSRF_VALUE = re.compile(r"[A-Za-z0-9_-]{43}")  # what secrets.token_urlsafe(32) makes


def secret_key() -> bytes:
    # str(): FLASK_SECRET_KEY=12345 arrives as a number (Flask reads env values as JSON).
    return str(current_app.config["SECRET_KEY"]).encode()


def unix_time(moment: datetime) -> int:
    return int(moment.replace(tzinfo=timezone.utc).timestamp())


def hand_out_token(user: User, response):
    """Sign a token for USER and hand it to the browser. The server keeps nothing: the
    token itself says who the user is and until when."""
    now = unix_time(utcnow())
    lifetime = current_app.config["TOKEN_LIFETIME"]
    claims = {
        "sub": str(user.id),
        # For this app only: with a key shared by mistake, another app refuses it.
        "aud": current_app.name,
        "iat": now,
        "exp": now + lifetime,
        "csrf": secrets.token_urlsafe(32),
    }
    token = tokens.encode(claims, secret_key())
    return set_auth_cookies(response, token, claims["csrf"], lifetime)


def claims_from_request() -> dict | None:
    """The claims of the request's access_token cookie, if we signed it and it is not
    expired. No database: the signature is the proof."""
    token = request.cookies.get(LOGIN_COOKIE, "")
    try:
        claims = tokens.decode(token, secret_key(), current_app.name, unix_time(utcnow()))
    except tokens.InvalidTokenError:
        return None
    # Signed with our key, but shaped unlike ours (an older version's, say): refuse it.
    sub, csrf = claims.get("sub", ""), claims.get("csrf", "")
    if not USER_ID.fullmatch(sub) or not isinstance(csrf, str) or not CSRF_VALUE.fullmatch(csrf):
        return None
    return claims


def check_csrf(csrf_token: str):
    # The browser attaches cookies to requests that other sites start, too. Only this
    # site's pages can read the csrf_token cookie and send it back as a header.
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get("X-CSRF-Token", "")
    if not hmac.compare_digest(sent.encode(), csrf_token.encode()):
        abort(403, "missing or wrong X-CSRF-Token header")


def login_required(view):
    """Answer 401 unless the request carries a valid token (and 403 when a change comes
    without the token's CSRF value); else set g.user_id."""

    @functools.wraps(view)
    def wrapped_view(**kwargs):
        claims = claims_from_request()
        if claims is None:
            abort(401, "not logged in")
        check_csrf(claims["csrf"])
        g.user_id = int(claims["sub"])
        return view(**kwargs)

    return wrapped_view


@functools.cache
def dummy_password_hash(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(), method=method)


def find_user_by_password(username: str, password: str) -> User | None:
    user = db.session.execute(db.select(User).filter_by(username=username)).scalar_one_or_none()
    # Check a hash even when there is no such user, so that both failures take as long.
    method = current_app.config["PASSWORD_HASH_METHOD"]
    checked = user or User(password_hash=dummy_password_hash(method))
    if checked.check_password(password) and user:
        return user
    return None


@bp.post("/register")
def register():
    body = json_object({"username", "password"})
    user = User(username=username_field(body))
    user.set_password(password_field(body))
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:  # the unique username, even when two sign-ups race
        abort(409, "username: already taken")
    return user.to_dict(), 201


@bp.post("/login")
def login():
    # No CSRF token yet, but a JSON body: another site's form cannot send one.
    body = json_object({"username", "password"})
    user = find_user_by_password(username_field(body), password_field(body))
    if user is None:
        # The same answer for an unknown user and a wrong password.
        abort(401, "wrong username or password")
    return hand_out_token(user, make_response(user.to_dict()))


@bp.get("/me")
@login_required
def me():
    return db.get_or_404(User, g.user_id).to_dict()


@bp.post("/logout")
@login_required
def logout():
    """Ask the browser to forget the token. The token itself stays valid until it
    expires: the server keeps no list of tokens, so it has nothing to delete."""
    return unset_auth_cookies(make_response("", 204))
