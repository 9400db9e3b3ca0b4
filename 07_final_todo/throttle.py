"""Throttling: a failed login counts against the username and the client's address, a
sign-up against the address. Past its limit within a window, a key must wait until the
window ends. The counts live in the database, so that every worker process sees them.

An attempt counts until its password proves right, and it is counted in the statement
that checks the limit: attempts sent at once cannot pass the limit together."""

import math
from datetime import timedelta

from sqlalchemy.exc import IntegrityError

from .db import db
from .models import LoginFailures, utcnow

# Attempts allowed per window: few for one account, more for one address, where many
# people may share a network (a classroom signing up fits in 50 an hour).
LIMITS = {"username": 5, "address": 20, "sign-up": 50}
WINDOWS = {
    "username": timedelta(minutes=15),
    "address": timedelta(minutes=15),
    "sign-up": timedelta(hours=1),
}


LONGEST_WINDOW = max(WINDOWS.values())


def keys(username: str, address: str) -> list[str]:
    return [f"username:{username}", f"address:{address}"]


def sign_up_key(address: str) -> str:
    return f"sign-up:{address}"


def kind(key: str) -> str:
    return key.split(":", 1)[0]


def attempt(keys: list[str]) -> int:
    """Count an attempt against each of KEYS and return 0; or, when a key has reached its
    limit, count nothing and return the seconds until its window ends."""
    now = utcnow()
    for key in keys:
        start_window_if_over(key, now)
    for key in keys:
        if not count_one(key):
            db.session.rollback()  # nothing counted for this attempt
            return seconds_left(key, now)
    db.session.commit()
    return 0


def start_window_if_over(key: str, now):
    """Make KEY's row, or start its count again when its window is over."""
    row = LoginFailures
    window_over = row.window_start <= now - WINDOWS[kind(key)]
    db.session.execute(
        db.update(row).where(row.key == key, window_over).values(count=0, window_start=now)
    )
    if db.session.get(LoginFailures, key) is None:
        # Rows whose window is over count for nothing: delete them as new ones come.
        db.session.execute(db.delete(row).where(row.window_start <= now - LONGEST_WINDOW))
        db.session.add(LoginFailures(key=key, count=0, window_start=now))
        try:
            db.session.commit()
        except IntegrityError:  # another attempt made it at the same moment: use theirs
            db.session.rollback()


def count_one(key: str) -> bool:
    """Count one more for KEY, unless it has reached its limit (then False)."""
    row = LoginFailures
    under_limit = row.count < LIMITS[kind(key)]
    counted = db.session.execute(
        db.update(row).where(row.key == key, under_limit).values(count=row.count + 1)
    )
    return counted.rowcount == 1


def seconds_left(key: str, now) -> int:
    row = db.session.get(LoginFailures, key)
    if row is None:  # forgotten a moment ago by a successful login
        return 1
    return max(1, math.ceil((row.window_start + WINDOWS[kind(key)] - now).total_seconds()))


def forget(key: str):
    """The password was right: the failures counted for KEY are forgotten."""
    db.session.execute(db.delete(LoginFailures).filter_by(key=key))
    db.session.commit()


def take_back(key: str):
    """The password was right: this attempt was no failure after all (for a key whose
    other failures stay counted, such as an address that many people share)."""
    row = LoginFailures
    db.session.execute(
        db.update(row).where(row.key == key, row.count > 0).values(count=row.count - 1)
    )
    db.session.commit()
