from playwright.sync_api import expect

STAGE = "02_2_todo_objects"


def add(client, *titles):
    responses = [client.post("/api/todos", json={"title": title}) for title in titles]
    assert all(response.status_code == 201 for response in responses)
    return [response.get_json()["id"] for response in responses]


def titles(client):
    return [todo["title"] for todo in client.get("/api/todos").get_json()]


def test_undo_brings_a_deleted_todo_back_with_its_id_and_fields(client):
    milk, mom = add(client, "buy milk", "call mom")
    before = client.patch(f"/api/todos/{milk}", json={"done": True}).get_json()
    assert client.delete(f"/api/todos/{milk}").status_code == 204
    assert client.get(f"/api/todos/{milk}").status_code == 404
    assert titles(client) == ["call mom"]

    response = client.post(f"/api/todos/{milk}/restore")
    assert response.status_code == 200
    assert response.get_json() == before
    assert client.get(f"/api/todos/{milk}").get_json() == before
    assert titles(client) == ["buy milk", "call mom"]  # in its place: the list is by id


def test_a_deleted_todo_is_not_found_until_undo_then_edits_by_its_id_reach_it(client):
    (mom,) = add(client, "call mom")
    client.delete(f"/api/todos/{mom}")
    assert client.patch(f"/api/todos/{mom}", json={"title": "stale edit"}).status_code == 404
    assert client.delete(f"/api/todos/{mom}").status_code == 404
    assert client.post(f"/api/todos/{mom}/restore").status_code == 200
    response = client.patch(f"/api/todos/{mom}", json={"title": "call mom tonight"})
    assert response.status_code == 200
    assert titles(client) == ["call mom tonight"]


def test_a_new_todo_never_takes_the_id_of_a_deleted_one(client):
    milk, mom = add(client, "buy milk", "call mom")
    client.delete(f"/api/todos/{mom}")
    (new,) = add(client, "new todo")
    assert new != mom
    assert client.post(f"/api/todos/{mom}/restore").status_code == 200
    assert titles(client) == ["buy milk", "call mom", "new todo"]


def test_only_a_deleted_todo_can_be_restored(client):
    (milk,) = add(client, "buy milk")
    for todo_id in [milk, milk + 1]:  # not deleted; never made
        response = client.post(f"/api/todos/{todo_id}/restore")
        assert response.status_code == 404
        assert response.get_json() == {"error": f"no deleted todo with id {todo_id}"}
    assert titles(client) == ["buy milk"]


def test_the_page_offers_undo_after_a_delete(client, page):
    add(client, "buy milk", "call mom")
    page.goto("/")
    page.get_by_role("button", name="Delete").first.click()
    expect(page.locator("#todos .title")).to_have_text(["call mom"])
    expect(page.get_by_role("status")).to_contain_text('Deleted "buy milk"')

    page.get_by_role("button", name="Undo").click()
    expect(page.locator("#todos .title")).to_have_text(["buy milk", "call mom"])
    expect(page.get_by_role("button", name="Undo")).to_have_count(0)
    page.reload()
    expect(page.locator("#todos .title")).to_have_text(["buy milk", "call mom"])
