"""Lab: an unsigned token, "alg": "none", accepted by a decoder that lets the token
choose its algorithm (tools/labs.py)."""

import secrets
from datetime import timedelta

from flask import current_app

TITLE = 'Delete alice\'s todo with an unsigned token ("alg": "none")'
DIFFICULTY = "practitioner"
FILES = ["exploit.py"]
BREAK = "alg-chosen-by-the-token"  # a token that says "alg": "none" needs no signature
DEFENCE_STAGE = None
DEFENCE_BREAK = None  # the stage as shipped: the algorithm is HS256, whatever the token says

ALICES_TODOS = ["Buy milk", "Pay the rent", "Call the plumber"]


def setup(stage):
    db, models = stage.db.db, stage.models
    alice = models.User(username="alice")
    alice.set_password(secrets.token_urlsafe(12))
    db.session.add(alice)
    db.session.flush()
    db.session.add_all([models.Todo(user_id=alice.id, title=title) for title in ALICES_TODOS])
    db.session.commit()
    # The token alice pasted into a support ticket last month: long expired.
    issued = stage.auth.unix_time(stage.models.utcnow() - timedelta(days=30))
    claims = {"sub": str(alice.id), "aud": current_app.name, "iat": issued,
              "exp": issued + 30 * 60, "csrf": secrets.token_urlsafe(32)}  # fmt: skip
    return {"old_token": stage.tokens.encode(claims, stage.auth.secret_key())}


def exploit_env(lab):
    return {"LAB_OLD_TOKEN": lab.facts["old_token"]}


def check(stage, facts):
    db, models = stage.db.db, stage.models
    alice = db.session.execute(db.select(models.User).filter_by(username="alice")).scalar_one()
    titles = db.session.scalars(db.select(models.Todo.title).filter_by(user_id=alice.id)).all()
    if "Pay the rent" in titles:
        return 'alice\'s todo "Pay the rent" is still in her list'
    return None  # alice never logged in during the lab: your unsigned token did it
