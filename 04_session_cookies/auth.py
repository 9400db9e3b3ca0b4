import functools
import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import Blueprint, abort, current_app, g, make_response, request
from sqlalchemy.exc import IntegrityError
from werkzeug.security import generate_password_hash

from .cookies import LOGIN_COOKIE, set_auth_cookies, unset_auth_cookies
from .db import db
from .models import User, UserSession, utcnow
from .validation import json_object, password_field, username_field

bp = Blueprint("auth", __name__, url_prefix="/api")

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def hash_token(token: str) -> str:
    # Only a hash is stored and looked up: no timing leak from comparing the secret
    # itself, and a copy of the database holds no working session id.
    return hashlib.sha256(token.encode()).hexdigest()


def printable(text: str) -> str:
    """TEXT without control characters (a NUL byte, say: PostgreSQL refuses to store it)."""
    return "".join(char for char in text if char.isprintable())


def start_session(user: User, response):
    """Create a session for USER and hand it to the browser."""
    session_id = secrets.token_urlsafe(32)
    lifetime = current_app.config["SESSION_LIFETIME"]
    user_session = UserSession(
        token_hash=hash_token(session_id),
        csrf_token=secrets.token_urlsafe(32),
        user_id=user.id,
        user_agent=printable(request.user_agent.string)[:200],
        expires_at=utcnow() + timedelta(seconds=lifetime),
    )
    db.session.add(user_session)
    db.session.commit()
    return set_auth_cookies(response, session_id, user_session.csrf_token, lifetime)


def session_from_request() -> UserSession | None:
    """The live session named by the request's session_id cookie."""
    session_id = request.cookies.get(LOGIN_COOKIE)
    if not session_id:
        return None
    user_session = db.session.execute(
        db.select(UserSession).filter_by(token_hash=hash_token(session_id))
    ).scalar_one_or_none()
    if user_session is not None and user_session.expires_at <= utcnow():
        # By id, not db.session.delete(): two requests may delete it at once.
        db.session.execute(db.delete(UserSession).filter_by(id=user_session.id))
        db.session.commit()
        return None
    return user_session


def check_csrf(csrf_token: str):
    # The browser attaches cookies to requests that other sites start, too. Only this
    # site's pages can read the csrf_token cookie and send it back as a header.
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get("X-CSRF-Token", "")
    if not hmac.compare_digest(sent.encode(), csrf_token.encode()):
        abort(403, "missing or wrong X-CSRF-Token header")


def note_last_seen(user_session: UserSession):
    # At most one write a minute per session, not one per request. A statement, not an
    # attribute: it finds nothing, rather than fail, if a logout deleted the row meanwhile.
    if utcnow() - user_session.last_seen > timedelta(minutes=1):
        seen = db.update(UserSession).filter_by(id=user_session.id).values(last_seen=utcnow())
        db.session.execute(seen)
        db.session.commit()


def login_required(view):
    """Answer 401 unless the request belongs to a live session (and 403 when a change
    comes without the session's CSRF token); else set g.user_id and g.session_public_id."""

    @functools.wraps(view)
    def wrapped_view(**kwargs):
        user_session = session_from_request()
        if user_session is None:
            abort(401, "not logged in")
        check_csrf(user_session.csrf_token)
        g.user_id = user_session.user_id
        g.session_public_id = user_session.public_id
        note_last_seen(user_session)
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


def end_this_browsers_session():
    """A browser that logs in again ends its earlier session, rather than leave it to
    linger in the list of sessions."""
    previous = session_from_request()
    if previous is not None:
        db.session.execute(db.delete(UserSession).filter_by(id=previous.id))


@bp.post("/login")
def login():
    # No CSRF token yet, but a JSON body: another site's form cannot send one.
    body = json_object({"username", "password"})
    user = find_user_by_password(username_field(body), password_field(body))
    if user is None:
        # The same answer for an unknown user and a wrong password.
        abort(401, "wrong username or password")
    end_this_browsers_session()
    return start_session(user, make_response(user.to_dict()))


@bp.get("/me")
@login_required
def me():
    return db.get_or_404(User, g.user_id).to_dict()


@bp.post("/logout")
@login_required
def logout():
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
