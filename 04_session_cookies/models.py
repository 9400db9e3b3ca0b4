import secrets
from datetime import datetime, timezone

from flask import current_app
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from .db import db


def utcnow() -> datetime:
    """The one clock of this stage (tests move it). SQLite keeps no time zone, so every
    time is stored as naive UTC and gets its "Z" when it is sent out."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def isoformat(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds") + "Z"


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


class User(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def to_dict(self):
        return {"id": self.id, "username": self.username}

    def set_password(self, password: str):
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


def new_public_id() -> str:
    return secrets.token_urlsafe(16)


class UserSession(db.Model):
    """A login. The client holds the session id; the server keeps only its hash."""

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Names the session without its secret (to end it at logout, or in the user's list
    # of sessions, to revoke it): not a secret.
    public_id: Mapped[str] = mapped_column(String(22), unique=True, default=new_public_id)
    csrf_token: Mapped[str] = mapped_column(String(43))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    user_agent: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]

    def to_dict(self, current: bool):
        return {
            "id": self.public_id,
            "created_at": isoformat(self.created_at),
            "last_seen": isoformat(self.last_seen),
            "user_agent": self.user_agent,
            "current": current,
        }


class Todo(db.Model):
    # Without AUTOINCREMENT, SQLite gives a deleted last row's id to the next new row.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    done: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def to_dict(self):
        return {
            "id": self.id,
            "title": self.title,
            "done": self.done,
            "created_at": isoformat(self.created_at),
        }
