"""Login throttling: after repeated failures for a username or from a client address,
logins from there must wait, longer after each further failure. The counts live in the
database, so that every worker process sees the same ones.

An attempt counts as a failure until its password proves right, and it is counted in the
same statement that checks whether it may go ahead: attempts sent at once are all
counted, so a burst cannot slip more guesses through than one at a time."""

import math
from datetime import timedelta

from sqlalchemy import case, or_
from sqlalchemy.exc import IntegrityError

from .db import db
from .models import LoginFailures, utcnow

# Failures allowed before the first wait: few for one account, more for one address,
# where many people may share a network.
FREE_FAILURES = {"username": 5, "address": 20}
FIRST_WAIT = timedelta(seconds=30)  # doubles with each further failure
LONGEST_WAIT = timedelta(minutes=15)
DOUBLINGS = 5  # 30 s, 1, 2, 4, 8 min; after that, the longest wait
FORGET_AFTER = timedelta(hours=1)  # a quiet hour starts the count again


def keys(username: str, address: str) -> list[str]:
    return [f"username:{username}", f"address:{address}"]


def free_failures(key: str) -> int:
    kind, _ = key.split(":", 1)
    return FREE_FAILURES[kind]


def wait_after(failures: int, free: int) -> timedelta:
    """How long an attempt must wait after the last of FAILURES failures."""
    if failures < free:
        return timedelta(0)
    return min(FIRST_WAIT * 2 ** (failures - free), LONGEST_WAIT)


def may_try_now(free: int, now):
    """SQL, true for a key's row when an attempt may go ahead NOW (as wait_after says)."""
    row = LoginFailures
    last_failure_at_the_latest = case(
        *((row.count == n, now - wait_after(n, free)) for n in range(free, free + DOUBLINGS)),
        else_=now - LONGEST_WAIT,
    )
    return or_(
        row.count < free,
        row.last_failure <= now - FORGET_AFTER,
        row.last_failure <= last_failure_at_the_latest,
    )


def attempt(keys: list[str]) -> int:
    """Count a login attempt against each key, if it may go ahead now, and return 0;
    else count nothing and return the seconds it must wait."""
    now = utcnow()
    try:
        for key in keys:
            if not count_now(key, now):
                db.session.rollback()  # nothing counted for this attempt
                wait = seconds_to_wait(keys)
                if wait == 0:  # no wait after all: another attempt made the row just now
                    return attempt(keys)
                return wait
        db.session.commit()
    except IntegrityError:  # another worker made a key's first row at the same moment
        db.session.rollback()
        return attempt(keys)
    return 0


def count_now(key: str, now) -> bool:
    """Count one more failure for KEY, unless it must wait (then False)."""
    counted = db.session.execute(
        db.update(LoginFailures)
        .filter(LoginFailures.key == key, may_try_now(free_failures(key), now))
        .values(
            count=case((LoginFailures.last_failure <= now - FORGET_AFTER, 1),
                       else_=LoginFailures.count + 1),
            last_failure=now,
        )
    ).rowcount  # fmt: skip
    if counted:
        return True
    if db.session.get(LoginFailures, key) is not None:  # there, but it must wait
        return False
    # Rows quiet for longer than FORGET_AFTER count for nothing: keep the table small.
    db.session.execute(
        db.delete(LoginFailures).filter(LoginFailures.last_failure <= now - FORGET_AFTER)
    )
    db.session.add(LoginFailures(key=key, count=1, last_failure=now))
    db.session.flush()  # now, so that a row made at the same moment fails here
    return True


def seconds_to_wait(keys: list[str]) -> int:
    """How long until a login may be tried for these keys (0: now)."""
    rows = db.session.execute(db.select(LoginFailures).filter(LoginFailures.key.in_(keys)))
    now = utcnow()
    longest = 0
    for row in rows.scalars():
        if row.last_failure <= now - FORGET_AFTER:
            continue
        wait = wait_after(row.count, free_failures(row.key))
        longest = max(longest, math.ceil((row.last_failure + wait - now).total_seconds()))
    return longest


def forget(key: str):
    """The password was right: the failures counted for KEY are forgotten."""
    db.session.execute(db.delete(LoginFailures).filter_by(key=key))
    db.session.commit()


def take_back(key: str):
    """The password was right: this attempt was no failure after all (for a key whose
    other failures stay counted, such as an address that many people share)."""
    db.session.execute(
        db.update(LoginFailures).filter_by(key=key).values(count=LoginFailures.count - 1)
    )
    db.session.commit()
