import functools
import hashlib
import secrets
from typing import NoReturn

from flask import Blueprint, abort, current_app, g, request
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized
from werkzeug.security import generate_password_hash

from .db import db
from .models import User, UserSession
from .validation import json_object, password_field, username_field

bp = Blueprint("auth", __name__, url_prefix="/api")


def hash_token(token: str) -> str:
    # Only a hash is stored and looked up: no timing leak from comparing the secret
    # itself, and a copy of the database holds no working session id.
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User) -> str:
    session_id = secrets.token_urlsafe(32)
    db.session.add(UserSession(token_hash=hash_token(session_id), user_id=user.id))
    db.session.commit()
    return session_id


def session_from_request() -> UserSession | None:
    """The session named by the request's `Authorization: Bearer <session id>` header."""
    scheme, _, session_id = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not session_id:
        return None
    return db.session.execute(
        db.select(UserSession).filter_by(token_hash=hash_token(session_id))
    ).scalar_one_or_none()


def unauthorized(reason: str) -> NoReturn:
    """401, naming the scheme to log in with, as HTTP wants of every 401 (RFC 6750)."""
    raise Unauthorized(reason, www_authenticate=WWWAuthenticate("bearer"))


def login_required(view):
    """Answer 401 unless the request belongs to a session; else set g.user_id and
    g.session_public_id."""

    @functools.wraps(view)
    def wrapped_view(**kwargs):
        user_session = session_from_request()
        if user_session is None:
            unauthorized("not logged in")
        g.user_id = user_session.user_id
        g.session_public_id = user_session.public_id
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
    body = json_object({"username", "password"})
    user = find_user_by_password(username_field(body), password_field(body))
    if user is None:
        # The same answer for an unknown user and a wrong password.
        unauthorized("wrong username or password")
    return {"session_id": start_session(user), "user": user.to_dict()}


@bp.get("/me")
@login_required
def me():
    return db.get_or_404(User, g.user_id).to_dict()


@bp.post("/logout")
@login_required
def logout():
    db.session.execute(db.delete(UserSession).filter_by(public_id=g.session_public_id))
    db.session.commit()
    return "", 204
