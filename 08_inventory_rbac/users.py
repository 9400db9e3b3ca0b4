from flask import Blueprint, abort, url_for
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from .auth import roles_required
from .db import db
from .models import ROLES, User, UserSession
from .validation import bool_field, choice_field, json_object, password_field, username_field

bp = Blueprint("users", __name__, url_prefix="/api")


def create_user(username: str, password: str, role: str) -> User | None:
    """The new user, or None when the username is taken (even when two admins race)."""
    user = User(username=username, role=role)
    user.set_password(password)
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return user


def change_role_or_active(user: User, role: str, active: bool):
    """Give USER a new role or active state; 409 if that would leave no active admin."""
    # On PostgreSQL, lock the active admins' rows first: a second change to admins waits
    # here until the first is done, then sees its result.
    db.session.execute(
        db.select(User.id).filter_by(role="admin", active=True).with_for_update()
    ).all()
    change = db.update(User).filter_by(id=user.id).values(role=role, active=active)
    if not (role == "admin" and active):
        # Only if another active admin remains, checked in the same statement (SQLite
        # runs one writing statement at a time, so no other change slips in between).
        other = aliased(User)
        another_admin = db.select(other.id).filter_by(role="admin", active=True)
        change = change.where(another_admin.where(other.id != user.id).exists())
    if db.session.execute(change).rowcount == 0:
        db.session.rollback()
        abort(409, "the last active admin cannot be demoted or deactivated")
    # A new role or a deactivation ends the user's sessions: they log in again as what
    # they are now. (Their role counts from their very next request anyway.)
    db.session.execute(db.delete(UserSession).filter_by(user_id=user.id))
    db.session.commit()


@bp.get("/users")
@roles_required("admin")
def list_users():
    users = db.session.execute(db.select(User).order_by(User.username)).scalars()
    return [user.to_admin_dict() for user in users]


@bp.post("/users")
@roles_required("admin")
def add_user():
    body = json_object({"username", "password", "role"})
    user = create_user(
        username_field(body), password_field(body), choice_field(body, "role", ROLES)
    )
    if user is None:
        abort(409, "username: already taken")
    return user.to_admin_dict(), 201, {"Location": url_for(".list_users")}


@bp.patch("/users/<id:user_id>")
@roles_required("admin")
def update_user(user_id):
    user = db.get_or_404(User, user_id, description=f"no user with id {user_id}")
    body = json_object({"role", "active"})
    role = choice_field(body, "role", ROLES) if "role" in body else user.role
    active = bool_field(body, "active") if "active" in body else user.active
    if (role, active) != (user.role, user.active):
        change_role_or_active(user, role, active)
    return user.to_admin_dict()
