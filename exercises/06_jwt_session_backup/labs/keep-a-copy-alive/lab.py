"""Lab: an expired copy of alice's token, renewed from her session as often as its
owner's (tools/labs.py). The same script against 07: the copy dies, and alice is told."""

import secrets
from datetime import timedelta

from flask import current_app

TITLE = "Keep a copy of alice's token alive through renewals"
DIFFICULTY = "practitioner"
FILES = ["exploit.py"]
BREAK = None
DEFENCE_STAGE = "07_final_todo"  # each renewal rotates the token: a copy shows itself
DEFENCE_BREAK = None

ALICES_TODOS = ["Buy milk", "Pay the rent", "Call the plumber"]


def setup(stage):
    """The world of twenty minutes after alice's login on the library's computer: your
    copy of her token expired ten minutes ago, and her own page has renewed its token
    since (in 07, that renewal made the copy old)."""
    db, models = stage.db.db, stage.models
    alice = models.User(username="alice")
    alice.set_password(secrets.token_urlsafe(12))
    db.session.add(alice)
    db.session.flush()
    db.session.add_all([models.Todo(user_id=alice.id, title=title) for title in ALICES_TODOS])
    now = models.utcnow()
    login = now - timedelta(minutes=20)
    lifetime = timedelta(seconds=current_app.config["SESSION_LIFETIME"])
    user_session = models.UserSession(
        user_id=alice.id, user_agent="alice's browser", created_at=login, last_seen=now,
        expires_at=login + lifetime,
    )  # fmt: skip
    claims = {"sub": str(alice.id), "aud": current_app.name, "csrf": secrets.token_urlsafe(32),
              "iat": stage.sessions.unix_time(login),
              "exp": stage.sessions.unix_time(login + timedelta(minutes=10))}  # fmt: skip
    if hasattr(models.UserSession, "generation"):  # 07: her renewal made the copy old
        user_session.generation, user_session.renewed_at = 2, now - timedelta(minutes=10)
        claims["gen"] = 1
    db.session.add(user_session)
    db.session.commit()
    claims["sid"] = user_session.public_id
    return {"copy": stage.tokens.encode(claims, stage.sessions.secret_key())}


def exploit_env(lab):
    return {"LAB_COPIED_TOKEN": lab.facts["copy"]}


def check(stage, facts):
    db, models = stage.db.db, stage.models
    alice = db.session.execute(db.select(models.User).filter_by(username="alice")).scalar_one()
    titles = db.session.scalars(db.select(models.Todo.title).filter_by(user_id=alice.id)).all()
    if set(titles) - set(ALICES_TODOS):
        return None  # written with a copy that expired ten minutes before your script ran
    if ended_as_used_elsewhere(stage, alice):
        return (
            "alice's list holds only her own three todos; your copy ended her session, and "
            "her page tells her that it was used from somewhere else"
        )
    return "alice's list holds only her own three todos"


def ended_as_used_elsewhere(stage, alice):
    """07: a token renewed once already came back, and ended the session."""
    db, user_session = stage.db.db, stage.models.UserSession
    if not hasattr(user_session, "used_elsewhere"):
        return False
    ended = db.select(user_session).filter_by(user_id=alice.id, used_elsewhere=True)
    return db.session.execute(ended).first() is not None
