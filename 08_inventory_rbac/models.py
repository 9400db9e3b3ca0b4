import secrets
from datetime import datetime, timezone

from flask import current_app
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from .db import db


def utcnow() -> datetime:
    """The one clock of this stage (tests move it). SQLite keeps no time zone, so every
    time is stored as naive UTC and gets its "Z" when it is sent out."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def isoformat(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds") + "Z"


ROLES = ("admin", "manager", "viewer")


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


class User(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def to_dict(self):
        return {"id": self.id, "username": self.username, "role": self.role}

    def set_password(self, password: str):
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def to_admin_dict(self):
        return {**self.to_dict(), "active": self.active, "created_at": isoformat(self.created_at)}


def new_public_id() -> str:
    return secrets.token_urlsafe(16)


class UserSession(db.Model):
    """A login. The client's token names it by its public id, signed by the server."""

    id: Mapped[int] = mapped_column(primary_key=True)
    # In the token (`sid`) and in the user's list of sessions, to revoke it: not a secret.
    public_id: Mapped[str] = mapped_column(String(22), unique=True, default=new_public_id)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    user_agent: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    # Which of its tokens is current (the token's `gen`): each renewal makes the one
    # before it old, so that a copy shows itself when it comes to be renewed.
    generation: Mapped[int] = mapped_column(default=1)
    renewed_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_elsewhere: Mapped[bool] = mapped_column(default=False)  # ended by a reused token

    def to_dict(self, current: bool):
        return {
            "id": self.public_id,
            "created_at": isoformat(self.created_at),
            "last_seen": isoformat(self.last_seen),
            "user_agent": self.user_agent,
            "current": current,
        }


class LoginFailures(db.Model):
    """Attempts counted for one username or one client address in the current window,
    for throttling."""

    key: Mapped[str] = mapped_column(String(100), primary_key=True)  # "username:alice"
    count: Mapped[int]
    window_start: Mapped[datetime]


class Product(db.Model):
    # Without AUTOINCREMENT, SQLite gives a deleted last row's id to the next new row.
    __table_args__ = (
        CheckConstraint("quantity >= 0", name="stock_never_below_zero"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    price_cents: Mapped[int]  # money as whole cents: no rounding, ever
    quantity: Mapped[int]  # in stock

    def to_dict(self):
        return {
            "id": self.id,
            "sku": self.sku,
            "name": self.name,
            "price_cents": self.price_cents,
            "quantity": self.quantity,
        }


class Order(db.Model):
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    customer: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="open")  # fulfilled, cancelled
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    created_by: Mapped[User] = relationship()
    items: Mapped[list["OrderItem"]] = relationship(order_by="OrderItem.product_id")

    def to_dict(self):
        return {
            "id": self.id,
            "customer": self.customer,
            "items": [item.to_dict() for item in self.items],
            "status": self.status,
            "created_by": self.created_by.username,
            "created_at": isoformat(self.created_at),
        }


class OrderItem(db.Model):
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), primary_key=True)
    quantity: Mapped[int]
    # The price when the order was made: a later price change does not touch old orders.
    unit_price_cents: Mapped[int]

    def to_dict(self):
        return {
            "product_id": self.product_id,
            "quantity": self.quantity,
            "unit_price_cents": self.unit_price_cents,
        }
