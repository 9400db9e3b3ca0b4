"""Lab: a position is not an identity; alice's edit lands on another todo (tools/labs.py)."""

TITLE = 'Make alice\'s edit of "Pay the rent" overwrite her "Call the plumber"'
DIFFICULTY = "apprentice"
FILES = ["exploit.py"]
BREAK = None
DEFENCE_STAGE = None
DEFENCE_BREAK = "positions-never-move"  # 02_2's idea in small: a position never moves

ALICES_TODOS = ["Buy milk", "Pay the rent", "Call the plumber"]
ALICES_EDIT = "Pay the rent by Friday"

alices_page = None  # her page, open from victim() to victim_after()


def setup(stage):
    stage.todos.write_todos(ALICES_TODOS)
    return {}


def victim(browser, lab):
    """Alice loads her list and starts editing "Pay the rent" (position 1)."""
    global alices_page
    alices_page = browser.new_page()
    alices_page.goto(lab.stage_url)
    item = alices_page.get_by_role("listitem").filter(has_text="Pay the rent")
    item.get_by_role("button", name="Edit").click()
    alices_page.get_by_label("Edit todo").fill(ALICES_EDIT)


def victim_after(browser, lab):
    """After your script ran, alice presses Enter: her page saves by the position it read."""
    with alices_page.expect_response(lambda response: response.request.method == "PUT"):
        alices_page.get_by_label("Edit todo").press("Enter")
    alices_page.close()


def check(stage, facts):
    todos = stage.todos.read_todos()
    if "Call the plumber" in todos:
        return 'alice\'s "Call the plumber" is still in the todo file'
    if ALICES_EDIT not in todos:
        return f'alice\'s edit "{ALICES_EDIT}" is not in the todo file'
    if "Pay the rent" not in todos:
        return 'alice\'s "Pay the rent" is gone: her edit should miss it, and land elsewhere'
    return None  # her edit replaced another todo: "Pay the rent" is unchanged
