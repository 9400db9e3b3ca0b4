"""The session store: a login makes a session, its short-lived token names it, and an
expired token is renewed from it while it lives."""

import functools
from datetime import datetime, timedelta, timezone

import jwt
from flask import after_this_request, current_app, request

from . import tokens
from .cookies import LOGIN_COOKIE, set_auth_cookies
from .db import db
from .models import User, UserSession, utcnow


def secret_key() -> bytes:
    # str(): FLASK_SECRET_KEY=12345 arrives as a number (Flask reads env values as JSON).
    return str(current_app.config["SECRET_KEY"]).encode()


def unix_time(moment: datetime) -> int:
    return int(moment.replace(tzinfo=timezone.utc).timestamp())


def printable(text: str) -> str:
    """TEXT without control characters (a NUL byte, say: PostgreSQL refuses to store it)."""
    return "".join(char for char in text if char.isprintable())


def start_session(user: User) -> UserSession:
    lifetime = timedelta(seconds=current_app.config["SESSION_LIFETIME"])
    user_session = UserSession(
        user_id=user.id,
        user_agent=printable(request.user_agent.string)[:200],
        expires_at=utcnow() + lifetime,
    )
    db.session.add(user_session)
    db.session.commit()
    return user_session


def hand_out_token(user_session: UserSession, csrf_token: str, response):
    """Sign a short-lived token for the session and hand it to the browser."""
    now = utcnow()
    # A token never outlives its session: renewing it never extends the session.
    expires = min(
        now + timedelta(seconds=current_app.config["TOKEN_LIFETIME"]), user_session.expires_at
    )
    claims = {
        "sub": str(user_session.user_id),
        "sid": user_session.public_id,
        # For this app only: with a key shared by mistake, another app refuses it.
        "aud": current_app.name,
        "iat": unix_time(now),
        "exp": unix_time(expires),
        "csrf": csrf_token,
    }
    token = tokens.encode(claims, secret_key())
    # The cookies last as long as the session, so that an expired token comes back to be
    # renewed.
    max_age = int((user_session.expires_at - now).total_seconds())
    return set_auth_cookies(response, token, csrf_token, max_age)


def live_session(public_id: str) -> UserSession | None:
    user_session = db.session.execute(
        db.select(UserSession).filter_by(public_id=public_id)
    ).scalar_one_or_none()
    if user_session is not None and user_session.expires_at <= utcnow():
        # By id, not db.session.delete(): two requests may delete it at once.
        db.session.execute(db.delete(UserSession).filter_by(id=user_session.id))
        db.session.commit()
        return None
    return user_session


def renew(expired_token: str) -> dict | None:
    """The claims of a genuine but expired token, when its session is still alive; the
    response then carries a fresh token. Requests that come at once with the same
    expired token are each renewed: nothing is used up, so all of them succeed."""
    try:
        claims = tokens.decode(expired_token, secret_key(), current_app.name, verify_exp=False)
    except jwt.InvalidTokenError:  # made for another app with the same key, say
        return None
    user_session = live_session(claims["sid"])
    if user_session is None or str(user_session.user_id) != claims["sub"]:
        return None
    # One statement that finds nothing if a logout deleted the session a moment ago.
    seen = db.update(UserSession).filter_by(id=user_session.id).values(last_seen=utcnow())
    if db.session.execute(seen).rowcount == 0:
        return None
    db.session.commit()
    after_this_request(functools.partial(send_renewed_token, claims))
    return claims


def send_renewed_token(claims: dict, response):
    """Put a fresh token on the response, unless the request ended the session (logout)."""
    user_session = live_session(claims["sid"])
    if user_session is None:
        return response
    return hand_out_token(user_session, claims["csrf"], response)


def claims_from_request() -> dict | None:
    """The claims of the request's access_token cookie: trusted as they are while the
    token is valid (no database), renewed from its session once it has expired."""
    token = request.cookies.get(LOGIN_COOKIE, "")
    try:
        return tokens.decode(token, secret_key(), current_app.name)
    except jwt.ExpiredSignatureError:
        return renew(token)
    except jwt.InvalidTokenError:
        return None


def end_this_browsers_session():
    """A browser that logs in again ends its earlier session, rather than leave it to
    linger in the list of sessions."""
    token = request.cookies.get(LOGIN_COOKIE, "")
    try:
        claims = tokens.decode(token, secret_key(), current_app.name, verify_exp=False)
    except jwt.InvalidTokenError:
        return
    db.session.execute(db.delete(UserSession).filter_by(public_id=claims["sid"]))
