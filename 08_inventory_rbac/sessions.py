"""The session store: a login makes a session, its short-lived token names it, and an
expired token is renewed from it while it lives."""

import functools
from datetime import datetime, timedelta, timezone
from typing import NoReturn

import jwt
from flask import abort, after_this_request, current_app, request

from . import tokens
from .cookies import login_token, set_auth_cookies, unset_sent_auth_cookies
from .db import db
from .models import User, UserSession, utcnow

# Why a request is not logged in: the page shows the sentence on the login form.
NOT_LOGGED_IN = "not logged in"
SESSION_ENDED = (
    "your session has ended: it was logged out or revoked on another device, "
    "or an admin changed your account"
)
SESSION_EXPIRED = "your session has expired: please log in again"
SESSION_USED_ELSEWHERE = (
    "you were signed out to protect your account: your session was used from somewhere else"
)


def secret_key() -> bytes:
    # str(): FLASK_SECRET_KEY=12345 arrives as a number (Flask reads env values as JSON).
    return str(current_app.config["SECRET_KEY"]).encode()


def unix_time(moment: datetime) -> int:
    return int(moment.replace(tzinfo=timezone.utc).timestamp())


def printable(text: str) -> str:
    """TEXT without control characters (a NUL byte, say: PostgreSQL refuses to store it)."""
    return "".join(char for char in text if char.isprintable())


def start_session(user: User) -> UserSession:
    # The user's expired sessions go now: nothing else deletes them.
    expired = UserSession.expires_at <= utcnow()
    db.session.execute(db.delete(UserSession).filter_by(user_id=user.id).filter(expired))
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
        "gen": user_session.generation,  # which of the session's tokens this is
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


def unauthorized(reason: str) -> NoReturn:
    """Answer 401 with REASON, a sentence the page shows, and clear the cookies."""
    after_this_request(unset_sent_auth_cookies)
    abort(401, reason)


def end_as_used_elsewhere(session_id: int):
    """End the session, keeping the row for a while so that whichever browser comes next
    with one of its tokens learns why (the user's next login deletes it)."""
    db.session.execute(
        db.update(UserSession)
        .filter_by(id=session_id)
        .values(expires_at=utcnow(), used_elsewhere=True)
    )
    db.session.commit()


def live_session(claims: dict) -> UserSession:
    """The session that the token's claims name, or 401 saying why it has ended."""
    user_session = db.session.execute(
        db.select(UserSession).filter_by(public_id=claims["sid"])
    ).scalar_one_or_none()
    if user_session is None or str(user_session.user_id) != claims["sub"]:
        unauthorized(SESSION_ENDED)
    if user_session.used_elsewhere:
        unauthorized(SESSION_USED_ELSEWHERE)
    if user_session.expires_at <= utcnow():
        # Not deleted here: requests sent at the same moment must all hear "expired".
        unauthorized(SESSION_EXPIRED)
    return user_session


def rotate(session_id: int, generation: int) -> bool:
    """Make the session's token GENERATION old, if it is the current one. One statement:
    of the requests that come at once with the same token, one rotates it."""
    now = utcnow()
    rotated = db.session.execute(
        db.update(UserSession)
        .filter_by(id=session_id, generation=generation)
        .values(generation=generation + 1, renewed_at=now, last_seen=now)
    ).rowcount
    db.session.commit()
    return rotated == 1


def replaced_just_now(session_id: int, generation: int) -> bool:
    """Whether the session's token GENERATION was replaced by a renewal at most
    RENEWAL_GRACE seconds ago: another tab, or a request racing this one, renewed it."""
    user_session = db.session.get(UserSession, session_id, populate_existing=True)
    if user_session is None:  # a logout in a request running at the same time
        unauthorized(SESSION_ENDED)
    grace = timedelta(seconds=current_app.config["RENEWAL_GRACE"])
    return user_session.generation == generation + 1 and (
        utcnow() - user_session.renewed_at <= grace
    )


def renew(expired_token: str) -> dict:
    """The claims of a genuine but expired token, when its session is still alive. The
    first request with it gets the session's next token; later ones are served within
    RENEWAL_GRACE seconds (tabs and requests racing), after that they are a copy: the
    session ends, for whoever holds its newer token too."""
    try:
        claims = tokens.decode(expired_token, secret_key(), current_app.name, verify_exp=False)
    except jwt.InvalidTokenError:  # made for another app with the same key, say
        unauthorized(NOT_LOGGED_IN)
    # The id, read once: the session object expires at each commit, and may be deleted.
    session_id, generation = live_session(claims).id, claims["gen"]
    rotated = rotate(session_id, generation)
    if not rotated and not replaced_just_now(session_id, generation):
        end_as_used_elsewhere(session_id)
        current_app.logger.warning("a reused token ended session %s", session_id)
        unauthorized(SESSION_USED_ELSEWHERE)
    if rotated:  # in the grace no token: the renewer's serves the browser, a copy gets none
        after_this_request(functools.partial(send_renewed_token, claims))
    return claims


def send_renewed_token(claims: dict, response):
    """Put the session's current token on the response, unless the request ended it."""
    user_session = db.session.execute(
        db.select(UserSession).filter_by(public_id=claims["sid"])
    ).scalar_one_or_none()
    if user_session is None:
        return response
    return hand_out_token(user_session, claims["csrf"], response)


def claims_from_request() -> dict:
    """The claims of the request's login token: trusted as they are while it is valid (no
    database), renewed from its session once it has expired; else 401."""
    token = login_token()
    try:
        return tokens.decode(token, secret_key(), current_app.name)
    except jwt.ExpiredSignatureError:
        return renew(token)
    except jwt.InvalidTokenError:
        unauthorized(NOT_LOGGED_IN)


def end_this_browsers_session():
    """A browser that logs in again ends its earlier session, rather than leave it to
    linger in the list of sessions."""
    token = login_token()
    try:
        claims = tokens.decode(token, secret_key(), current_app.name, verify_exp=False)
    except jwt.InvalidTokenError:
        return
    db.session.execute(db.delete(UserSession).filter_by(public_id=claims["sid"]))


def user_of_live_session(claims: dict) -> User | None:
    """The token's user, if active and its session alive (a logout counts at once)."""
    return db.session.execute(
        db.select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .filter(User.id == int(claims["sub"]), User.active)
        .filter(UserSession.public_id == claims["sid"], UserSession.expires_at > utcnow())
    ).scalar_one_or_none()
