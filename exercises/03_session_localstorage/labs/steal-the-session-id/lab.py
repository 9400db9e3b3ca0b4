"""Lab: a script on alice's page sends her session id home; your machine uses it
(tools/labs.py)."""

import json
import time
import urllib.request
from datetime import datetime, timezone

TITLE = "Steal alice's session id with a script on her page, and write a todo into her list"
DIFFICULTY = "practitioner"
FILES = ["payload.js", "exploit.py"]
BREAK = None
DEFENCE_STAGE = "04_session_cookies"  # the session id in an HttpOnly cookie
DEFENCE_BREAK = None

USERNAME, PASSWORD = "alice", "correct horse battery"


def victim(browser, lab):
    """Alice registers and logs in; then a script of yours runs on her page (the lab plays
    the hole that let it in: a compromised library, a stored XSS). She closes her tab
    without logging out."""
    page = browser.new_page()
    page.goto(lab.stage_url)
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Register").click()
    page.locator("#username", has_text=USERNAME).wait_for()
    page.add_script_tag(url=lab.page("payload.js"))
    wait_for_something_sent_home(lab.attacker_url, seconds=3)
    page.close()
    lab.facts["left_at"] = datetime.now(timezone.utc).replace(tzinfo=None).isoformat()


def wait_for_something_sent_home(attacker_url, seconds):
    """Until the attacker site has received something, or SECONDS have passed."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{attacker_url}/lab/collected", timeout=2) as response:
            if json.load(response):
                return
        time.sleep(0.05)


def check(stage, facts):
    db, models = stage.db.db, stage.models
    alice = db.session.scalars(db.select(models.User).filter_by(username=USERNAME)).one()
    left_at = datetime.fromisoformat(facts["left_at"])
    written = db.session.scalars(
        db.select(models.Todo).filter_by(user_id=alice.id).where(models.Todo.created_at > left_at)
    ).all()
    if not written:
        return "alice's list has no todo written after she closed her tab"
    return None  # her browser was closed: the todo came from your machine
