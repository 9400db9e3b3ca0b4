"""Lab: keep the admin role after a demotion, with a token that says the role
(tools/labs.py)."""

import secrets
from http.cookies import SimpleCookie

from flask import current_app, make_response

TITLE = "Stay an admin after your demotion to viewer"
DIFFICULTY = "practitioner"
FILES = ["exploit.py"]
BREAK = "role-from-the-token"  # the token says the role until it expires
DEFENCE_STAGE = None
DEFENCE_BREAK = None  # the stage as shipped: the role is read from the database each time

USERNAME, PASSWORD = "mallory", "mallory's password"  # yours: the exploit knows them too


def setup(stage):
    db, models, sessions = stage.db.db, stage.models, stage.sessions
    alice = models.User(username="alice", role="admin")
    alice.set_password(secrets.token_urlsafe())
    you = models.User(username=USERNAME, role="admin")
    you.set_password(PASSWORD)
    db.session.add_all([alice, you])
    db.session.commit()
    # A few minutes ago you logged in, an admin still: your browser kept the cookies.
    with current_app.test_request_context():
        response = make_response("")
        sessions.hand_out_token(sessions.start_session(you), secrets.token_urlsafe(32), response)
    cookies = SimpleCookie()
    for header in response.headers.getlist("Set-Cookie"):
        cookies.load(header)
    # Then the role sync from the HR system wrote your new role into the database: the
    # session lives on, so only the role read at each request can refuse you.
    db.session.execute(db.update(models.User).filter_by(id=you.id).values(role="viewer"))
    db.session.commit()
    return {name: cookies[name].value for name in ["access_token", "csrf_token"]}


def exploit_env(lab):
    return {f"LAB_{name.upper()}": lab.facts[name] for name in ["access_token", "csrf_token"]}


def check(stage, facts):
    db, models = stage.db.db, stage.models
    admins = db.session.scalars(db.select(models.User.username).filter_by(role="admin")).all()
    if set(admins) == {"alice"}:
        return "alice is still the shop's only admin: no admin account of yours exists"
    return None  # an admin that alice never made: yours, for good
