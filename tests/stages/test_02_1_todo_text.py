import json
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import expect

STAGE = "02_1_todo_text"


def add(client, *texts):
    for text in texts:
        assert client.post("/api/todos", json={"text": text}).status_code == 201


def test_add_list_replace_delete(client):
    response = client.post("/api/todos", json={"text": "  buy milk  "})
    assert response.status_code == 201
    assert response.get_json() == {"index": 0, "text": "buy milk"}
    add(client, "call mom")
    assert client.get("/api/todos").get_json() == ["buy milk", "call mom"]

    response = client.put("/api/todos/1", json={"text": "call dad"})
    assert response.get_json() == {"index": 1, "text": "call dad"}
    assert client.delete("/api/todos/0").status_code == 204
    assert client.get("/api/todos").get_json() == ["call dad"]


def test_todos_are_lines_of_a_text_file(client, app_config):
    add(client, "buy milk", "café ☕")
    with open(app_config["TODO_FILE"], encoding="utf-8") as file:
        assert file.read() == "buy milk\ncafé ☕\n"


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_no_such_index_is_404(client, method):
    add(client, "only one")
    response = client.open("/api/todos/1", method=method, json={"text": "x"})
    assert response.status_code == 404
    assert response.get_json() == {"error": "no todo at index 1"}


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({}, "text: required"),
        ({"text": 5}, "text: must be a string"),
        ({"text": "   "}, "text: must be 1 to 200 characters"),
        ({"text": "x" * 201}, "text: must be 1 to 200 characters"),
        ({"text": "tab\there"}, "text: must not contain line breaks or other control characters"),
        ({"text": "x", "done": True}, "done: unknown field"),
        (["x"], "the body must be a JSON object, sent as Content-Type: application/json"),
    ],
)
def test_bad_text_gets_a_400_that_names_the_field(client, body, error):
    response = client.post("/api/todos", json=body)
    assert response.status_code == 400
    assert response.get_json() == {"error": error}
    assert client.get("/api/todos").get_json() == []


def test_200_characters_is_the_longest_text(client):
    add(client, "x" * 200)


@pytest.mark.lesson("fix")
def test_a_text_with_a_line_break_is_refused_and_the_file_is_not_split(client):
    add(client, "buy milk")
    for line_break in ["\n", "\r", "\r\n", "\u2028", "\x85"]:
        response = client.post("/api/todos", json={"text": f"first{line_break}second"})
        assert response.status_code == 400
        assert "line breaks" in response.get_json()["error"]
        assert client.put("/api/todos/0", json={"text": f"a{line_break}b"}).status_code == 400
    assert client.get("/api/todos").get_json() == ["buy milk"]


@pytest.mark.parametrize("text", ["a \ud800 lone surrogate", "\udfff", "nul \x00 byte"])
def test_what_is_not_text_is_refused(client, text):
    response = client.post("/api/todos", json={"text": text})
    assert response.status_code == 400
    assert client.get("/api/todos").get_json() == []


@pytest.mark.lesson("weakness")
def test_a_position_is_not_an_identity_an_edit_after_a_delete_hits_another_todo(client):
    add(client, "buy milk", "call mom", "walk the dog")
    # Tab A shows the list and its user starts editing "call mom", todo 1.
    # Meanwhile, tab B deletes todo 0: every todo after it moves up one place.
    assert client.delete("/api/todos/0").status_code == 204
    # Tab A saves its edit of "todo 1", which is now "walk the dog".
    assert client.put("/api/todos/1", json={"text": "call mom tonight"}).status_code == 200
    assert client.get("/api/todos").get_json() == ["call mom", "call mom tonight"]
    # "walk the dog" is gone, overwritten, and "call mom" was never changed.


def test_the_page_adds_edits_and_deletes(page, live_server):
    page.goto(live_server)
    expect(page.get_by_text("Nothing to do.")).to_be_visible()
    page.get_by_label("New todo").fill("buy milk")
    page.get_by_role("button", name="Add").click()
    expect(page.locator("#todos li")).to_have_count(1)

    page.get_by_role("button", name="Edit").click()
    page.get_by_label("Edit todo").fill("buy oat milk")
    page.get_by_label("Edit todo").press("Enter")
    expect(page.locator("#todos .title")).to_have_text(["buy oat milk"])

    page.get_by_role("button", name="Delete").click()
    expect(page.locator("#todos li")).to_have_count(0)
    expect(page.get_by_text("Nothing to do.")).to_be_visible()


def test_the_page_shows_the_servers_error(page, live_server):
    page.goto(live_server)
    page.get_by_label("New todo").evaluate("input => input.removeAttribute('maxlength')")
    page.get_by_label("New todo").fill("x" * 201)
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_role("alert")).to_have_text("text: must be 1 to 200 characters")


def test_init_db_empties_the_file(client, runner):
    add(client, "buy milk")
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0
    assert client.get("/api/todos").get_json() == []


def test_many_writers_at_once_lose_nothing(live_server):
    """The dev server answers requests in threads; the lock keeps their writes apart."""

    def post(number):
        request = urllib.request.Request(
            f"{live_server}/api/todos",
            data=json.dumps({"text": f"todo {number}"}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request) as response:
            return response.status

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(post, range(200)))
    assert statuses == [201] * 200
    with urllib.request.urlopen(f"{live_server}/api/todos") as response:
        todos = json.load(response)
    assert sorted(todos) == sorted(f"todo {number}" for number in range(200))
