"""Lab: plant mallory's login cookies from another port; alice's todo lands in mallory's
account (tools/labs.py)."""

TITLE = "Make alice's new todo land in mallory's account (planted cookies)"
DIFFICULTY = "practitioner"
FILES = ["exploit.py", "attack.html"]
BREAK = None
DEFENCE_STAGE = None
DEFENCE_BREAK = "planted-cookies-refused"  # 07's fix in small: two login cookies refused

USERNAME, PASSWORD = "alice", "correct horse battery"
ALICES_TODO = "Send the tax return"

alices_browser = None  # her browser, open from victim() to victim_after()


def victim(browser, lab):
    """Alice registers and logs in on the stage."""
    global alices_browser
    alices_browser = browser.new_context()
    page = alices_browser.new_page()
    page.goto(lab.stage_url)
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Register", exact=True).click()
    page.locator("#username", has_text=USERNAME).wait_for()
    page.close()


def victim_after(browser, lab):
    """After your script ran, alice opens your page (a link in a mail), then goes back to
    the stage's page and adds a todo."""
    page = alices_browser.new_page()
    page.goto(lab.page("attack.html"), wait_until="networkidle")
    page.goto(lab.stage_url)
    page.get_by_label("New todo").fill(ALICES_TODO)
    with page.expect_response(lambda response: response.request.method == "POST"):
        page.get_by_role("button", name="Add").click()
    alices_browser.close()


def check(stage, facts):
    db, models = stage.db.db, stage.models
    todo = db.session.scalars(db.select(models.Todo).filter_by(title=ALICES_TODO)).first()
    if todo is None:
        return f'alice\'s todo "{ALICES_TODO}" is in no account (her add was refused)'
    owner = db.session.get(models.User, todo.user_id).username
    if owner != "mallory":
        return f"alice's todo \"{ALICES_TODO}\" landed in {owner}'s account, not mallory's"
    return None  # alice added it on her own page, logged in as herself, she thought
