"""Lab: crack the key that signs the tokens, offline, from one old token; then sign a
token of your own for alice (tools/labs.py)."""

import secrets
from datetime import timedelta
from pathlib import Path

from flask import current_app

TITLE = "Crack the signing key offline, then sign a token for alice"
DIFFICULTY = "practitioner"
FILES = ["exploit.py"]
BREAK = "key-from-an-example"  # the tokens are signed with jwt.io's example key
DEFENCE_STAGE = None
DEFENCE_BREAK = None  # the stage as shipped: a random key of 32 bytes, new at each start

ALICES_TODOS = ["Buy milk", "Pay the rent", "Call the plumber"]
WORDLIST = Path(__file__).parent / "wordlist.txt"


def setup(stage):
    db, models = stage.db.db, stage.models
    alice = models.User(username="alice")
    alice.set_password(secrets.token_urlsafe(12))
    db.session.add(alice)
    db.session.flush()
    db.session.add_all([models.Todo(user_id=alice.id, title=title) for title in ALICES_TODOS])
    db.session.commit()
    # The token alice pasted into a support ticket last month: long expired, still signed.
    issued = stage.auth.unix_time(stage.models.utcnow() - timedelta(days=30))
    claims = {"sub": str(alice.id), "aud": current_app.name, "iat": issued,
              "exp": issued + 30 * 60, "csrf": secrets.token_urlsafe(32)}  # fmt: skip
    return {"old_token": stage.tokens.encode(claims, stage.auth.secret_key())}


def exploit_env(lab):
    return {"LAB_OLD_TOKEN": lab.facts["old_token"], "LAB_WORDLIST": str(WORDLIST)}


def check(stage, facts):
    db, models = stage.db.db, stage.models
    alice = db.session.execute(db.select(models.User).filter_by(username="alice")).scalar_one()
    rent = db.session.execute(
        db.select(models.Todo).filter_by(user_id=alice.id, title="Pay the rent")
    ).scalar_one_or_none()
    if rent is None:
        return 'alice\'s todo "Pay the rent" is gone: tick it off, do not delete or rename it'
    if not rent.done:
        return 'alice\'s todo "Pay the rent" is still open (done is false in the database)'
    return None  # alice never logged in during the lab: the token that did it is yours
