import re

from playwright.sync_api import expect

STAGE = "02_1_todo_text"


def add(client, *texts):
    for text in texts:
        assert client.post("/api/todos", json={"text": text}).status_code == 201


def test_an_edit_after_a_delete_is_409_and_changes_nothing(client):
    add(client, "buy milk", "call mom", "walk the dog")
    # Tab A starts editing "call mom", todo 1; tab B deletes todo 0 meanwhile.
    assert client.delete("/api/todos/0").status_code == 204
    response = client.put("/api/todos/1", json={"text": "call mom tonight", "was": "call mom"})
    assert response.status_code == 409
    assert "reload" in response.get_json()["error"].lower()  # the task: tell the user to reload
    assert client.get("/api/todos").get_json() == ["call mom", "walk the dog"]


def test_an_edit_of_the_text_that_is_there_goes_through(client):
    add(client, "buy milk", "call mom")
    response = client.put("/api/todos/1", json={"text": " call dad ", "was": "call mom"})
    assert response.status_code == 200
    assert response.get_json() == {"index": 1, "text": "call dad"}
    assert client.get("/api/todos").get_json() == ["buy milk", "call dad"]


def test_an_edit_must_say_what_it_replaces(client):
    add(client, "buy milk")
    for body in [{"text": "buy oat milk"}, {"text": "buy oat milk", "was": 0}]:
        response = client.put("/api/todos/0", json=body)
        assert response.status_code == 400
        assert "was" in response.get_json()["error"]  # a 400 says which field is wrong
    assert client.get("/api/todos").get_json() == ["buy milk"]


def test_two_todos_with_the_same_text_still_cannot_be_told_apart(client):
    add(client, "buy milk", "buy milk")
    # Tab A edits the first "buy milk", todo 0; tab B deletes that one meanwhile.
    assert client.delete("/api/todos/0").status_code == 204
    response = client.put("/api/todos/0", json={"text": "buy oat milk", "was": "buy milk"})
    assert response.status_code == 200  # it hit the other one: a text is not an identity
    assert client.get("/api/todos").get_json() == ["buy oat milk"]


def test_the_page_refuses_an_edit_after_a_delete_in_another_tab(client, new_page):
    add(client, "first", "second", "third")
    tab_a, tab_b = new_page(), new_page()
    tab_a.goto("/")
    tab_b.goto("/")
    tab_a.get_by_role("button", name="Edit").nth(1).click()
    tab_a.get_by_label("Edit todo").fill("second, edited")
    tab_b.get_by_role("button", name="Delete").first.click()
    expect(tab_b.locator("#todos .title")).to_have_text(["second", "third"])

    tab_a.get_by_label("Edit todo").press("Enter")
    expect(tab_a.get_by_role("alert")).to_contain_text(re.compile("reload", re.IGNORECASE))
    expect(tab_a.locator("#todos .title")).to_have_text(["second", "third"])
