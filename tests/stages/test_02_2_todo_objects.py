import re

import pytest
from flask import Flask
from playwright.sync_api import expect

STAGE = "02_2_todo_objects"


def add(client, *titles):
    responses = [client.post("/api/todos", json={"title": title}) for title in titles]
    assert all(response.status_code == 201 for response in responses)
    return [response.get_json()["id"] for response in responses]


def titles(client):
    return [todo["title"] for todo in client.get("/api/todos").get_json()]


def test_create_returns_the_todo_and_its_location(client):
    response = client.post("/api/todos", json={"title": "  buy milk "})
    assert response.status_code == 201
    todo = response.get_json()
    assert todo == {"id": 1, "title": "buy milk", "done": False, "created_at": todo["created_at"]}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", todo["created_at"])
    assert response.headers["Location"] == "/api/todos/1"
    assert client.get("/api/todos/1").get_json() == todo


def test_patch_changes_only_what_it_names(client):
    (todo_id,) = add(client, "buy milk")
    response = client.patch(f"/api/todos/{todo_id}", json={"done": True})
    assert response.get_json()["done"] is True
    assert response.get_json()["title"] == "buy milk"
    response = client.patch(f"/api/todos/{todo_id}", json={"title": "buy oat milk"})
    assert response.get_json()["done"] is True
    assert response.get_json()["title"] == "buy oat milk"


def test_delete(client):
    (todo_id,) = add(client, "buy milk")
    assert client.delete(f"/api/todos/{todo_id}").status_code == 204
    assert client.get(f"/api/todos/{todo_id}").status_code == 404
    assert client.get("/api/todos").get_json() == []


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
@pytest.mark.parametrize("todo_id", ["2", "0", "-1", "99999999999999999999999", "abc"])
def test_no_such_todo_is_404(client, method, todo_id):
    add(client, "buy milk")
    response = client.open(f"/api/todos/{todo_id}", method=method, json={"done": True})
    assert response.status_code == 404
    assert response.is_json
    assert titles(client) == ["buy milk"]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"title": 5}, "title: must be a string"),
        ({"title": ""}, "title: must be 1 to 200 characters"),
        ({"title": "x" * 201}, "title: must be 1 to 200 characters"),
        ({"title": "a\nb"}, "title: must not contain line breaks or other control characters"),
        ({"title": "a\ud800"}, "title: must not contain line breaks or other control characters"),
        ({"done": "yes"}, "done: must be true or false"),
        ({"done": 1}, "done: must be true or false"),
        ({"done": None}, "done: must be true or false"),
        ({"title": "ok", "done": "no"}, "done: must be true or false"),
        ({"id": 7}, "id: unknown field"),
        ("done", "the body must be a JSON object, sent as Content-Type: application/json"),
    ],
)
def test_bad_patch_gets_a_400_and_changes_nothing(client, body, error):
    (todo_id,) = add(client, "buy milk")
    before = client.get(f"/api/todos/{todo_id}").get_json()
    response = client.patch(f"/api/todos/{todo_id}", json=body)
    assert response.status_code == 400
    assert response.get_json() == {"error": error}
    assert client.get(f"/api/todos/{todo_id}").get_json() == before


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({}, "title: required"),
        ({"text": "x"}, "text: unknown field"),
        ({"title": "x", "done": True}, "done: unknown field"),
    ],
)
def test_bad_create_gets_a_400_and_creates_nothing(client, body, error):
    response = client.post("/api/todos", json=body)
    assert response.status_code == 400
    assert response.get_json() == {"error": error}
    assert client.get("/api/todos").get_json() == []


def test_todos_live_in_the_stages_own_database_file(stage, tmp_path, monkeypatch):
    """`flask --app 02_2_todo_objects run` keeps its data in instance/02_2_todo_objects.sqlite."""
    monkeypatch.delenv("FLASK_SQLALCHEMY_DATABASE_URI", raising=False)
    # The repository's instance/ folder, moved here so the test leaves no file behind.
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda app: str(tmp_path / "instance"))
    app = stage.create_app()
    with app.app_context():
        database = stage.db.db.engine.url.database
    assert database == str(tmp_path / "instance" / "02_2_todo_objects.sqlite")
    assert (tmp_path / "instance" / "02_2_todo_objects.sqlite").is_file()


@pytest.mark.lesson("fix")
def test_an_id_is_an_identity_an_edit_after_a_delete_hits_the_intended_todo(client):
    milk, mom, dog = add(client, "buy milk", "call mom", "walk the dog")
    # Tab A shows the list and its user starts editing "call mom".
    # Meanwhile, tab B deletes "buy milk".
    assert client.delete(f"/api/todos/{milk}").status_code == 204
    # Tab A saves its edit of "call mom", by its id.
    assert client.patch(f"/api/todos/{mom}", json={"title": "call mom tonight"}).status_code == 200
    assert titles(client) == ["call mom tonight", "walk the dog"]


@pytest.mark.lesson("fix")
def test_ids_are_never_reused_so_a_stale_edit_cannot_hit_a_new_todo(client):
    milk, mom = add(client, "buy milk", "call mom")
    client.delete(f"/api/todos/{mom}")
    (new,) = add(client, "new todo")
    assert new != mom
    assert client.patch(f"/api/todos/{mom}", json={"title": "stale edit"}).status_code == 404
    assert titles(client) == ["buy milk", "new todo"]


@pytest.mark.lesson("weakness")
def test_anyone_can_read_and_change_every_todo_there_are_no_users(app, client):
    (todo_id,) = add(client, "my secret plan")
    stranger = app.test_client()  # another person, in another browser: nothing shared
    assert [todo["title"] for todo in stranger.get("/api/todos").get_json()] == ["my secret plan"]
    response = stranger.patch(f"/api/todos/{todo_id}", json={"title": "a stranger was here"})
    assert response.status_code == 200
    assert titles(client) == ["a stranger was here"]


def test_the_page_adds_completes_edits_and_deletes(page, live_server):
    page.goto(live_server)
    expect(page.get_by_text("Nothing to do.")).to_be_visible()
    for title in ["buy milk", "call mom"]:
        page.get_by_label("New todo").fill(title)
        page.get_by_role("button", name="Add").click()
        expect(page.locator("#todos .title").last).to_have_text(title)

    page.get_by_label("Done: buy milk").check()
    expect(page.locator("#todos li.done .title")).to_have_text(["buy milk"])

    page.get_by_role("button", name="Edit").nth(1).click()
    page.get_by_label("Edit todo").fill("call mom tonight")
    page.get_by_label("Edit todo").press("Enter")
    expect(page.locator("#todos .title")).to_have_text(["buy milk", "call mom tonight"])

    page.get_by_role("button", name="Delete").first.click()
    expect(page.locator("#todos .title")).to_have_text(["call mom tonight"])
    page.reload()
    expect(page.locator("#todos .title")).to_have_text(["call mom tonight"])
