import secrets
from datetime import datetime, timezone

from flask import current_app
from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from .db import db


def utcnow() -> datetime:
    """The one clock of this stage (tests move it). SQLite keeps no time zone, so every
    time is stored as naive UTC and gets its "Z" when it is sent out."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def isoformat(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds") + "Z"


def new_user_id() -> int:
    """A random id, never a count: a token may outlive the database it was made for
    (init-db, a restore), and must not name the next user who gets the same number."""
    return secrets.randbelow(2**53 - 1) + 1  # at most 2**53: JavaScript reads it exactly


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


class User(db.Model):
    id: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, autoincrement=False, default=new_user_id
    )
    username: Mapped[str] = mapped_column(String(32), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def to_dict(self):
        return {"id": self.id, "username": self.username}

    def set_password(self, password: str):
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


class Todo(db.Model):
    # Without AUTOINCREMENT, SQLite gives a deleted last row's id to the next new row.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("user.id"), index=True)
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
