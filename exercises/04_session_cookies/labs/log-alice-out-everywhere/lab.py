"""Lab: cross-site request forgery against 04 with its CSRF check broken (tools/labs.py)."""

TITLE = "Log alice out of every device from a page of yours (CSRF)"
DIFFICULTY = "apprentice"
FILES = ["attack.html"]
BREAK = "no-csrf-check"  # as `make run-broken STAGE=04_session_cookies BREAK=no-csrf-check`
DEFENCE_STAGE = None  # the defence: the stage as shipped, its CSRF check in place
DEFENCE_BREAK = None

USERNAME, PASSWORD = "alice", "correct horse battery"


def victim(browser, lab):
    """Alice logs in on her laptop and on her phone; then, on her laptop, she opens a
    page of yours (a link in a mail) and reads it. She clicks nothing."""
    laptop, phone = browser.new_context(), browser.new_context()
    for device, button in [(laptop, "Register"), (phone, "Log in")]:
        page = device.new_page()
        page.goto(lab.stage_url)
        page.get_by_label("Username").fill(USERNAME)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name=button, exact=True).click()
        page.locator("#username", has_text=USERNAME).wait_for()
    page = laptop.new_page()
    page.goto(lab.page("attack.html"), wait_until="networkidle")
    laptop.close()
    phone.close()


def check(stage, facts):
    db, models = stage.db.db, stage.models
    alice = db.session.scalars(db.select(models.User).filter_by(username=USERNAME)).one()
    sessions = db.session.scalars(db.select(models.UserSession).filter_by(user_id=alice.id))
    left = len(sessions.all())
    if left:
        return f"alice is still logged in: sessions of hers alive in the database: {left}"
    return None  # she logged in on two devices, and never pressed "Log out everywhere"
