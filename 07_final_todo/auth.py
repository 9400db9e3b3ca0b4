import functools
import hmac
import secrets

from flask import Blueprint, abort, current_app, g, make_response, request
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import TooManyRequests
from werkzeug.security import generate_password_hash

from . import throttle
from .cookies import from_own_page, refuse_planted_cookies, unset_auth_cookies
from .db import db
from .models import User, UserSession, hash_password, utcnow
from .sessions import claims_from_request, end_this_browsers_session, hand_out_token, start_session
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


def login_required(view):
    """Answer 401 (and clear the cookies) unless the request carries a valid or renewable
    token, and 403 when a change comes without the token's CSRF value; else set
    g.user_id and g.session_public_id."""

    @functools.wraps(view)
    def wrapped_view(**kwargs):
        claims = claims_from_request()
        check_csrf(claims["csrf"])
        g.user_id = int(claims["sub"])
        g.session_public_id = claims["sid"]
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


def count_attempt(keys: list[str], what: str = "failed logins"):
    """Count an attempt against KEYS (a login is a failure until its password proves
    right), or 429."""
    wait = throttle.attempt(keys)
    if wait:
        raise TooManyRequests(f"too many {what}: try again in {wait} s", retry_after=wait)


@bp.post("/register")
def register():
    body = json_object({"username", "password"})
    username, password = username_field(body), password_field(body)
    count_attempt([throttle.sign_up_key(request.remote_addr)], "sign-ups from your address")
    # Before hashing: a taken name costs the server no slow hash.
    if db.session.execute(db.select(User.id).filter_by(username=username)).first():
        abort(409, "username: already taken")
    user = User(username=username)
    user.set_password(password)
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:  # the unique username, when two sign-ups race
        abort(409, "username: already taken")
    return user.to_dict(), 201


@bp.post("/login")
def login():
    # No CSRF token yet, but a JSON body: another site's form cannot send one.
    body = json_object({"username", "password"})
    username, password = username_field(body), password_field(body)
    throttle_keys = throttle.keys(username, request.remote_addr)
    count_attempt(throttle_keys)
    user = find_user_by_password(username, password)
    if user is None:
        # The same answer for an unknown user and a wrong password.
        abort(401, "wrong username or password")
    throttle.forget(throttle_keys[0])  # the username's failures
    throttle.take_back(throttle_keys[1])  # the address keeps its other failures
    end_this_browsers_session()
    response = make_response(user.to_dict())
    return hand_out_token(start_session(user), secrets.token_urlsafe(32), response)


@bp.get("/me")
@login_required
def me():
    return db.get_or_404(User, g.user_id).to_dict()


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
    whoever knew the old password, or copied a token, can renew nothing (a copy that is
    still valid works until it expires, at most TOKEN_LIFETIME later, as in 06)."""
    body = json_object({"current_password", "new_password"})
    current, new = password_field(body, "current_password"), password_field(body, "new_password")
    user = db.get_or_404(User, g.user_id)
    throttle_key = throttle.keys(user.username, request.remote_addr)[0]
    count_attempt([throttle_key])
    if not user.check_password(current):
        abort(400, "current_password: wrong password")
    checked_hash = user.password_hash
    throttle.forget(throttle_key)
    # Only while the password is still the one just checked: of changes sent at once,
    # exactly one goes through. (So hash_password(), in the statement, not set_password().)
    changed = db.session.execute(
        db.update(User)
        .filter_by(id=user.id, password_hash=checked_hash)
        .values(password_hash=hash_password(new))
    ).rowcount
    if not changed:
        abort(409, "current_password: the password was changed a moment ago")
    db.session.execute(db.delete(UserSession).filter_by(user_id=user.id))
    db.session.commit()
    response = make_response("", 204)
    return hand_out_token(start_session(user), secrets.token_urlsafe(32), response)
