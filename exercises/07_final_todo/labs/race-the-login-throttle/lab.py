"""Lab: guesses sent at once race a login throttle that checks before it counts
(tools/labs.py)."""

import random
from pathlib import Path

from werkzeug.security import generate_password_hash

TITLE = "Log in as alice and as bob with one failed login left"
DIFFICULTY = "expert"
FILES = ["exploit.py"]
BREAK = "throttle-checks-before-it-counts"  # the count comes after the password check
DEFENCE_STAGE = None
DEFENCE_BREAK = None  # the stage as shipped: each attempt counted where it is checked

WORDLIST = Path(__file__).parent / "passwords.txt"
VICTIMS = ["alice", "bob"]


def setup(stage):
    db, models = stage.db.db, stage.models
    passwords = random.sample(WORDLIST.read_text().split(), len(VICTIMS))
    for username, password in zip(VICTIMS, passwords, strict=True):
        # A third of the stage's work (scrypt:32768:8:3), so that the lab runs in seconds:
        # the server checks a password with the method that its stored hash names.
        password_hash = generate_password_hash(password, "scrypt:32768:8:1")
        db.session.add(models.User(username=username, password_hash=password_hash))
    # The library's network: one address for everyone, and the others have used 19 of
    # the 20 failed logins that an address gets in 15 minutes.
    address = stage.throttle.keys("alice", "127.0.0.1")[1]
    db.session.add(models.LoginFailures(key=address, count=19, window_start=models.utcnow()))
    db.session.commit()
    return {}


def exploit_env(lab):
    return {"LAB_WORDLIST": str(WORDLIST)}


def check(stage, facts):
    db, models = stage.db.db, stage.models
    logged_in = db.session.scalars(
        db.select(models.User.username).join(models.UserSession).distinct()
    ).all()
    missing = [username for username in VICTIMS if username not in logged_in]
    if missing:
        return f"nobody logged in as {' or '.join(missing)}"
    return None  # neither of them logged in during the lab: both sessions are yours
