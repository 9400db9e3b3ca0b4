"""Lab: change another person's todo, by its id (tools/labs.py)."""

TITLE = 'Tick off alice\'s todo "Pay the rent" from your own machine'
DIFFICULTY = "apprentice"
FILES = ["exploit.py"]
BREAK = None
DEFENCE_STAGE = None
DEFENCE_BREAK = "each-browser-owns-its-todos"  # a first taste of 03: todos have an owner

ALICES_TODOS = ["Buy milk", "Pay the rent", "Call the plumber"]


def victim(browser, lab):
    """Alice writes her list in her browser, and leaves every todo open."""
    page = browser.new_page()
    page.goto(lab.stage_url)
    for title in ALICES_TODOS:
        page.get_by_label("New todo").fill(title)
        with page.expect_response(lambda response: response.request.method == "POST") as added:
            page.get_by_role("button", name="Add").click()
        if title == "Pay the rent":
            lab.facts["todo_id"] = added.value.json()["id"]
    page.get_by_text(ALICES_TODOS[-1]).wait_for()
    page.close()


def check(stage, facts):
    db, todo = stage.db.db, stage.models.Todo
    rent = db.session.get(todo, facts["todo_id"])
    if rent is None:
        return 'alice\'s todo "Pay the rent" is gone: tick it off, do not delete it'
    if not rent.done:
        return 'alice\'s todo "Pay the rent" is still open (done is false in the database)'
    return None  # alice never ticked it: you did
