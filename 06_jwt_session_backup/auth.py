import functools
import hmac
import secrets
from datetime import datetime, timedelta, timezone

import jwt
from flask import Blueprint, abort, after_this_request, current_app, g, make_response, request
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from . import tokens
from .db import db
from .models import User, UserSession, utcnow
from .validation import json_object, password_field, username_field

bp = Blueprint("auth", __name__, url_prefix="/api")

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


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
    claims = tokens.decode(expired_token, secret_key(), current_app.name, verify_exp=False)
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
    token = request.cookies.get("access_token", "")
    try:
        return tokens.decode(token, secret_key(), current_app.name)
    except jwt.ExpiredSignatureError:
        return renew(token)
    except jwt.InvalidTokenError:
        return None


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
            after_this_request(clear_token_cookies)
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
    password_hash = user.password_hash if user else dummy_password_hash(method)
    if check_password_hash(password_hash, password) and user:
        return user
    return None


@bp.post("/register")
def register():
    body = json_object({"username", "password"})
    user = User(
        username=username_field(body),
        password_hash=generate_password_hash(
            password_field(body), method=current_app.config["PASSWORD_HASH_METHOD"]
        ),
    )
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:  # the unique username, even when two sign-ups race
        abort(409, "username: already taken")
    return user.to_dict(), 201


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
    return clear_token_cookies(make_response("", 204))


@bp.post("/logout-all")
@login_required
def logout_all():
    """End every session of this user, on every device ("my phone was stolen")."""
    db.session.execute(db.delete(UserSession).filter_by(user_id=g.user_id))
    db.session.commit()
    return clear_token_cookies(make_response("", 204))


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
