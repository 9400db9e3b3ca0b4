"""Lab: a copy of alice's token, taken before she logged out, writes in her list after
it (tools/labs.py)."""

import secrets

TITLE = "Write in alice's to-do list after she logged out"
DIFFICULTY = "apprentice"
FILES = ["exploit.py"]
BREAK = None
DEFENCE_STAGE = None
DEFENCE_BREAK = "logout-refuses-the-token"  # 06's idea in miniature: logout remembers

ALICES_TODOS = ["Buy milk", "Pay the rent", "Call the plumber"]


def setup(stage):
    db, models = stage.db.db, stage.models
    password = secrets.token_urlsafe(12)
    alice = models.User(username="alice")
    alice.set_password(password)
    db.session.add(alice)
    db.session.flush()
    db.session.add_all([models.Todo(user_id=alice.id, title=title) for title in ALICES_TODOS])
    db.session.commit()
    return {"password": password}


def victim(browser, lab):
    """Alice logs in on the library's computer. While she fetches a coffee, you copy her
    access_token cookie; she comes back, and logs out, as she was taught."""
    page = browser.new_page()
    page.goto(lab.stage_url)
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(lab.facts["password"])
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("Pay the rent").wait_for()
    cookies = {cookie["name"]: cookie["value"] for cookie in page.context.cookies()}
    lab.facts["copy"] = cookies["access_token"]
    page.get_by_role("button", name="Log out").click()
    page.get_by_role("button", name="Log in").wait_for()
    page.close()


def exploit_env(lab):
    return {"LAB_COPIED_TOKEN": lab.facts["copy"]}


def check(stage, facts):
    db, models = stage.db.db, stage.models
    alice = db.session.execute(db.select(models.User).filter_by(username="alice")).scalar_one()
    titles = db.session.scalars(db.select(models.Todo.title).filter_by(user_id=alice.id)).all()
    if set(titles) <= set(ALICES_TODOS):
        return "alice's list holds only her own three todos: nothing was written after her logout"
    return None  # she logged out before your script ran: the new todo is yours
