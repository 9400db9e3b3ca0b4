"""Login throttling: after repeated failures for a username or from a client address,
logins from there must wait, longer after each further failure. The counts live in the
database, so that every worker process sees the same ones."""

import math
from datetime import timedelta

from sqlalchemy import case
from sqlalchemy.exc import IntegrityError

from .db import db
from .models import LoginFailures, utcnow

# Failures allowed before the first wait: few for one account, more for one address,
# where many people may share a network.
FREE_FAILURES = {"username": 5, "address": 20}
FIRST_WAIT = timedelta(seconds=30)  # doubles with each further failure
LONGEST_WAIT = timedelta(minutes=15)
FORGET_AFTER = timedelta(hours=1)  # a quiet hour starts the count again


def keys(username: str, address: str) -> list[str]:
    return [f"username:{username}", f"address:{address}"]


def seconds_to_wait(keys: list[str]) -> int:
    """How long until a login may be tried for these keys (0: now)."""
    rows = db.session.execute(db.select(LoginFailures).filter(LoginFailures.key.in_(keys)))
    now = utcnow()
    longest = 0
    for row in rows.scalars():
        kind, _ = row.key.split(":", 1)
        extra_failures = row.count - FREE_FAILURES[kind]
        if extra_failures < 0 or row.last_failure < now - FORGET_AFTER:
            continue
        wait = min(FIRST_WAIT * 2**extra_failures, LONGEST_WAIT)
        longest = max(longest, math.ceil((row.last_failure + wait - now).total_seconds()))
    return longest


def record_failure(keys: list[str]):
    now = utcnow()
    for key in keys:
        # One statement, so that two workers counting at once both count.
        counted = db.session.execute(
            db.update(LoginFailures)
            .filter_by(key=key)
            .values(
                count=case(
                    (LoginFailures.last_failure < now - FORGET_AFTER, 1),
                    else_=LoginFailures.count + 1,
                ),
                last_failure=now,
            )
        ).rowcount
        if not counted:
            db.session.add(LoginFailures(key=key, count=1, last_failure=now))
        try:
            db.session.commit()
        except IntegrityError:  # another worker made the row first: count again
            db.session.rollback()
            record_failure([key])


def forget(key: str):
    db.session.execute(db.delete(LoginFailures).filter_by(key=key))
    db.session.commit()
