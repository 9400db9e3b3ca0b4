import functools
import hmac
import secrets

from flask import Blueprint, abort, after_this_request, current_app, g, make_response, request
from sqlalchemy.exc import IntegrityError
from werkzeug.security import generate_password_hash

from .cookies import unset_auth_cookies, unset_sent_auth_cookies
from .db import db
from .models import User, UserSession, utcnow
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
        abort(403, "missing or wrong X-CSRF-Token header")


def login_required(view):
    """Answer 401 (and clear the cookies) unless the request carries a valid or renewable
    token, and 403 when a change comes without the token's CSRF value; else set
    g.user_id and g.session_public_id."""

    @functools.wraps(view)
    def wrapped_view(**kwargs):
        claims = claims_from_request()
        if claims is None:
            after_this_request(unset_sent_auth_cookies)
            abort(401, "not logged in")
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
