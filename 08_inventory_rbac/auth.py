import functools
import hmac
import secrets

from flask import Blueprint, abort, current_app, g, make_response, request
from werkzeug.exceptions import TooManyRequests
from werkzeug.security import generate_password_hash

from . import throttle
from .cookies import from_own_page, refuse_planted_cookies, unset_auth_cookies
from .db import db
from .models import ROLES, User, UserSession, hash_password, utcnow
from .sessions import (
    SESSION_ENDED,
    claims_from_request,
    end_this_browsers_session,
    hand_out_token,
    live_session,
    start_session,
    unauthorized,
    user_of_live_session,
)
from .validation import json_object, password_field, username_field

bp = Blueprint("auth", __name__, url_prefix="/api")

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def check_csrf(csrf_token: str):
    # The browser attaches cookies to requests that other sites start, too. Only this
    # site's pages can read the csrf_token cookie and send it back as a header.
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get("X-CSRF-Token", "")
    if not hmac.compare_digest(sent.encode(), csrf_token.encode()):
        if "X-CSRF-Token" in request.headers and from_own_page():
            # This site's page sends the csrf_token cookie it reads: a wrong value is a
            # neighbour's, set over ours. Refused as planted: the user hears why, logs in again.
            refuse_planted_cookies()
        abort(403, "missing or wrong X-CSRF-Token header")


def roles_required(*roles):
    """Let the request through when it carries a valid or renewable token of an active
    user, from a live session, whose role is one of ROLES; set g.user_id, g.user and
    g.session_public_id. Else 401 (not logged in; the cookies are cleared), or 403 (a
    change without the token's CSRF value, or a role not allowed).

    The token says who the user is; the database says what they may do: the user is
    loaded at every request, so a new role or a deactivation counts at once."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped_view(**kwargs):
            claims = claims_from_request()
            user = user_of_live_session(claims)
            if user is None:
                live_session(claims)  # 401 saying why, when the session has ended
                unauthorized(SESSION_ENDED)  # the session is there, but the user is not active
            check_csrf(claims["csrf"])
            if user.role not in roles:
                abort(403, f"not allowed for the role {user.role}")
            g.user_id, g.user = user.id, user
            g.session_public_id = claims["sid"]
            return view(**kwargs)

        wrapped_view.allowed_roles = roles  # read by the test that checks every route
        return wrapped_view

    return decorator


def login_required(view):
    """Any logged-in user, whatever the role."""
    return roles_required(*ROLES)(view)


def public(view):
    """A route anyone may use, logged in or not. Saying so keeps the rule: every route
    states who may use it (a test walks every route and checks)."""
    view.allowed_roles = "public"
    return view


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


def count_attempt(keys: list[str]):
    """Count a login attempt (a failure until the password proves right), or 429."""
    wait = throttle.attempt(keys)
    if wait:
        raise TooManyRequests(f"too many failed logins: try again in {wait} s", retry_after=wait)


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
@login_required
def me():
    return g.user.to_dict()


@bp.post("/logout")
@login_required
def logout():
    """End this session. A copy of its token still works until it expires, at most
    TOKEN_LIFETIME later, but can no longer be renewed."""
    db.session.execute(db.delete(UserSession).filter_by(public_id=g.session_public_id))
    db.session.commit()
    return unset_auth_cookies(make_response("", 204))


@bp.post("/logout-all")
@login_required
def logout_all():
    """End every session of this user, on every device ("my phone was stolen")."""
    db.session.execute(db.delete(UserSession).filter_by(user_id=g.user_id))
    db.session.commit()
    return unset_auth_cookies(make_response("", 204))


@bp.get("/sessions")
@login_required
def list_sessions():
    sessions = db.session.execute(
        db.select(UserSession)
        .filter_by(user_id=g.user_id)
        .filter(UserSession.expires_at > utcnow())
        .order_by(UserSession.created_at)
    ).scalars()
    return [s.to_dict(current=s.public_id == g.session_public_id) for s in sessions]


@bp.delete("/sessions/<public_id:public_id>")
@login_required
def revoke_session(public_id):
    user_session = db.first_or_404(
        db.select(UserSession).filter_by(public_id=public_id, user_id=g.user_id),
        description="no such session",
    )
    db.session.delete(user_session)
    db.session.commit()
    return "", 204


@bp.post("/password")
@login_required
def change_password():
    """Change the password, end every session of the user, and start a new one here:
    whoever knew the old password, or copied a token of this browser, is logged out."""
    body = json_object({"current_password", "new_password"})
    current, new = password_field(body, "current_password"), password_field(body, "new_password")
    throttle_key = throttle.keys(g.user.username, request.remote_addr)[0]
    count_attempt([throttle_key])
    if not g.user.check_password(current):
        abort(400, "current_password: wrong password")
    checked_hash = g.user.password_hash
    throttle.forget(throttle_key)
    # Only while the password is still the one just checked: of changes sent at once,
    # exactly one goes through. (So hash_password(), in the statement, not set_password().)
    changed = db.session.execute(
        db.update(User)
        .filter_by(id=g.user_id, password_hash=checked_hash)
        .values(password_hash=hash_password(new))
    ).rowcount
    if not changed:
        abort(409, "current_password: the password was changed a moment ago")
    db.session.execute(db.delete(UserSession).filter_by(user_id=g.user_id))
    db.session.commit()
    response = make_response("", 204)
    return hand_out_token(start_session(g.user), secrets.token_urlsafe(32), response)
