import functools
import hmac
import secrets
from datetime import datetime, timedelta, timezone

import jwt
from flask import Blueprint, abort, after_this_request, current_app, g, make_response, request
from werkzeug.exceptions import TooManyRequests
from werkzeug.security import check_password_hash, generate_password_hash

from . import throttle, tokens
from .db import db
from .models import ROLES, User, UserSession, utcnow
from .validation import json_object, password_field, username_field

bp = Blueprint("auth", __name__, url_prefix="/api")

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

# Why a request is not logged in: the page shows the sentence on the login form.
NOT_LOGGED_IN = "not logged in"
SESSION_ENDED = "your session has ended: it was logged out or revoked on another device"
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
    """Sign a short-lived token for the session and hand it to the browser as two cookies."""
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
    cookie = {
        # The cookies last as long as the session, so that an expired token comes back
        # to be renewed.
        "max_age": int((user_session.expires_at - now).total_seconds()),
        "samesite": "Lax",
        "secure": current_app.config["SESSION_COOKIE_SECURE"],
    }
    # HttpOnly: no script on the page can read the token.
    response.set_cookie(
        "access_token", tokens.encode(claims, secret_key()), httponly=True, **cookie
    )
    # Readable on purpose: the page copies it into a header, which other sites cannot do.
    response.set_cookie("csrf_token", csrf_token, **cookie)
    return response


def clear_token_cookies(response):
    # With the flags they were set with: some clients keep a cookie otherwise.
    secure = current_app.config["SESSION_COOKIE_SECURE"]
    response.delete_cookie("access_token", httponly=True, samesite="Lax", secure=secure)
    response.delete_cookie("csrf_token", samesite="Lax", secure=secure)
    return response


def logged_out(reason: str):
    """Answer 401 with REASON, a sentence the page shows, and clear the cookies."""
    after_this_request(clear_token_cookies)
    abort(401, reason)


def end_session(user_session: UserSession):
    # By id, not db.session.delete(): two requests may delete it at once.
    db.session.execute(db.delete(UserSession).filter_by(id=user_session.id))
    db.session.commit()


def live_session(claims: dict) -> UserSession:
    """The session that the token's claims name, or 401 saying why it has ended."""
    user_session = db.session.execute(
        db.select(UserSession).filter_by(public_id=claims["sid"])
    ).scalar_one_or_none()
    if user_session is None or str(user_session.user_id) != claims["sub"]:
        logged_out(SESSION_ENDED)
    if user_session.expires_at <= utcnow():
        end_session(user_session)
        logged_out(SESSION_EXPIRED)
    return user_session


def rotate(user_session: UserSession, generation: int) -> bool:
    """Make the session's token GENERATION old, if it is the current one. One statement:
    of the requests that come at once with the same token, one rotates it."""
    now = utcnow()
    rotated = db.session.execute(
        db.update(UserSession)
        .filter_by(id=user_session.id, generation=generation)
        .values(generation=generation + 1, renewed_at=now, last_seen=now)
    ).rowcount
    db.session.commit()
    return rotated == 1


def replaced_just_now(user_session: UserSession, generation: int) -> bool:
    """Whether the session's token GENERATION was replaced by a renewal at most
    RENEWAL_GRACE seconds ago: another tab, or a request racing this one, renewed it."""
    user_session = db.session.get(UserSession, user_session.id, populate_existing=True)
    if user_session is None:  # a logout in a request running at the same time
        logged_out(SESSION_ENDED)
    grace = timedelta(seconds=current_app.config["RENEWAL_GRACE"])
    return user_session.generation == generation + 1 and (
        utcnow() - user_session.renewed_at <= grace
    )


def renew(expired_token: str) -> dict:
    """The claims of a genuine but expired token, when its session is still alive; the
    response then carries the session's current token. Each renewal makes the token
    before it old: a token renewed once already is a copy, unless it comes within
    RENEWAL_GRACE seconds (tabs and requests racing); then the session ends, and so does
    whoever holds its newer token."""
    claims = tokens.decode(expired_token, secret_key(), current_app.name, verify_exp=False)
    user_session = live_session(claims)
    generation = claims["gen"]
    if not rotate(user_session, generation) and not replaced_just_now(user_session, generation):
        end_session(user_session)
        current_app.logger.warning("a reused token ended session %s", user_session.id)
        logged_out(SESSION_USED_ELSEWHERE)
    after_this_request(functools.partial(send_renewed_token, claims))
    return claims


def send_renewed_token(claims: dict, response):
    """Put the session's current token on the response, unless the request ended the
    session (logout)."""
    user_session = db.session.execute(
        db.select(UserSession).filter_by(public_id=claims["sid"])
    ).scalar_one_or_none()
    if user_session is None:
        return response
    return hand_out_token(user_session, claims["csrf"], response)


def claims_from_request() -> dict:
    """The claims of the request's access_token cookie: trusted as they are while the
    token is valid (no database), renewed from its session once it has expired; else
    401."""
    token = request.cookies.get("access_token", "")
    try:
        return tokens.decode(token, secret_key(), current_app.name)
    except jwt.ExpiredSignatureError:
        return renew(token)
    except jwt.InvalidTokenError:
        logged_out(NOT_LOGGED_IN)


def check_csrf(csrf_token: str):
    # The browser attaches cookies to requests that other sites start, too. Only this
    # site's pages can read the csrf_token cookie and send it back as a header.
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get("X-CSRF-Token", "")
    if not hmac.compare_digest(sent.encode(), csrf_token.encode()):
        abort(403, "missing or wrong X-CSRF-Token header")


def user_of_live_session(claims: dict) -> User | None:
    """The token's user, when active and when the token's session is still alive: one
    query. The role must be read at every request anyway; reading the session in the
    same query makes a logout or a revoked session count at once, not in ten minutes."""
    return db.session.execute(
        db.select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .filter(User.id == int(claims["sub"]), User.active)
        .filter(UserSession.public_id == claims["sid"], UserSession.expires_at > utcnow())
    ).scalar_one_or_none()


def login_required(roles):
    """Let the request through when it carries a valid or renewable token of an active
    user, from a live session, whose role is one of ROLES. Else 401 (not logged in; the
    cookies are cleared), or 403 (a change without the token's CSRF value, or a role not
    allowed).

    The token says who the user is; the database says what they may do: the user is
    loaded at every request, so a new role or a deactivation counts at once."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped_view(**kwargs):
            claims = claims_from_request()
            user = user_of_live_session(claims)
            if user is None:
                live_session(claims)  # 401 saying why, when the session has ended
                logged_out(SESSION_ENDED)  # the session is there, but the user is not active
            check_csrf(claims["csrf"])
            if user.role not in roles:
                abort(403, f"not allowed for the role {user.role}")
            g.user = user
            g.session_public_id = claims["sid"]
            return view(**kwargs)

        wrapped_view.allowed_roles = roles  # read by the test that checks every route
        return wrapped_view

    return decorator


def public(view):
    """A route anyone may use, logged in or not. Saying so keeps the rule: every route
    states who may use it (a test walks every route and checks)."""
    view.allowed_roles = "public"
    return view


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


@functools.cache
def dummy_password_hash(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(), method=method)


def find_user_by_password(username: str, password: str) -> User | None:
    user = db.session.execute(db.select(User).filter_by(username=username)).scalar_one_or_none()
    # Check a hash even when there is no such user, so that both failures take as long.
    method = current_app.config["PASSWORD_HASH_METHOD"]
    password_hash = user.password_hash if user else dummy_password_hash(method)
    if check_password_hash(password_hash, password) and user:
        return user
    return None


def count_attempt(keys: list[str]):
    """Count a login attempt (a failure until the password proves right), or 429."""
    wait = throttle.attempt(keys)
    if wait:
        raise TooManyRequests(f"too many failed logins: try again in {wait} s", retry_after=wait)


def end_this_browsers_session():
    """A browser that logs in again ends its earlier session, rather than leave it to
    linger in the list of sessions."""
    token = request.cookies.get("access_token", "")
    try:
        claims = tokens.decode(token, secret_key(), current_app.name, verify_exp=False)
    except jwt.InvalidTokenError:
        return
    db.session.execute(db.delete(UserSession).filter_by(public_id=claims["sid"]))


@bp.post("/login")
@public
def login():
    # No CSRF token yet, but a JSON body: another site's form cannot send one.
    body = json_object({"username", "password"})
    username, password = username_field(body), password_field(body)
    throttle_keys = throttle.keys(username, request.remote_addr)
    count_attempt(throttle_keys)
    user = find_user_by_password(username, password)
    if user is None or not user.active:
        # The same answer for an unknown user, a wrong password and a deactivated account.
        abort(401, "wrong username or password")
    throttle.forget(throttle_keys[0])  # the username's failures
    throttle.take_back(throttle_keys[1])  # the address keeps its other failures
    end_this_browsers_session()
    response = make_response(user.to_dict())
    return hand_out_token(start_session(user), secrets.token_urlsafe(32), response)


@bp.get("/me")
@login_required(roles=ROLES)
def me():
    return g.user.to_dict()


@bp.post("/logout")
@login_required(roles=ROLES)
def logout():
    """End this session. A copy of its token still works until it expires, at most
    TOKEN_LIFETIME later, but can no longer be renewed."""
    db.session.execute(db.delete(UserSession).filter_by(public_id=g.session_public_id))
    db.session.commit()
    return clear_token_cookies(make_response("", 204))


@bp.post("/logout-all")
@login_required(roles=ROLES)
def logout_all():
    """End every session of this user, on every device ("my phone was stolen")."""
    db.session.execute(db.delete(UserSession).filter_by(user_id=g.user.id))
    db.session.commit()
    return clear_token_cookies(make_response("", 204))


@bp.get("/sessions")
@login_required(roles=ROLES)
def list_sessions():
    sessions = db.session.execute(
        db.select(UserSession)
        .filter_by(user_id=g.user.id)
        .filter(UserSession.expires_at > utcnow())
        .order_by(UserSession.created_at)
    ).scalars()
    return [s.to_dict(current=s.public_id == g.session_public_id) for s in sessions]


@bp.delete("/sessions/<public_id:public_id>")
@login_required(roles=ROLES)
def revoke_session(public_id):
    user_session = db.first_or_404(
        db.select(UserSession).filter_by(public_id=public_id, user_id=g.user.id),
        description="no such session",
    )
    db.session.delete(user_session)
    db.session.commit()
    return "", 204


@bp.post("/password")
@login_required(roles=ROLES)
def change_password():
    """Change the password, end every session of the user, and start a new one here:
    whoever knew the old password, or copied a token of this browser, is logged out."""
    body = json_object({"current_password", "new_password"})
    current, new = password_field(body, "current_password"), password_field(body, "new_password")
    checked_hash = g.user.password_hash
    throttle_key = throttle.keys(g.user.username, request.remote_addr)[0]
    count_attempt([throttle_key])
    if not check_password_hash(checked_hash, current):
        abort(400, "current_password: wrong password")
    throttle.forget(throttle_key)
    # Only while the password is still the one just checked: of changes sent at once,
    # exactly one goes through.
    changed = db.session.execute(
        db.update(User)
        .filter_by(id=g.user.id, password_hash=checked_hash)
        .values(password_hash=hash_password(new))
    ).rowcount
    if not changed:
        abort(409, "current_password: the password was changed a moment ago")
    db.session.execute(db.delete(UserSession).filter_by(user_id=g.user.id))
    db.session.commit()
    response = make_response("", 204)
    return hand_out_token(start_session(g.user), secrets.token_urlsafe(32), response)
