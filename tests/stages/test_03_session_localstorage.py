import json
import urllib.error
import urllib.request

import pytest
from auth_actions import TEST_PASSWORD
from playwright.sync_api import expect

STAGE = "03_session_localstorage"


def bearer(session_id):
    return {"Authorization": f"Bearer {session_id}"}


def get_json(url, session_id):
    """A plain HTTP client, outside the browser: (status, JSON body)."""
    request = urllib.request.Request(url, headers=bearer(session_id))
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.load(error)


# --- Register, log in, log out -----------------------------------------------------------


def test_register_login_me_logout(client, auth):
    response = auth.register("alice")
    assert response.status_code == 201
    assert response.get_json() == {"id": 1, "username": "alice"}

    response = auth.login("alice")
    assert response.status_code == 200
    session_id = response.get_json()["session_id"]
    assert response.get_json()["user"] == {"id": 1, "username": "alice"}
    assert len(session_id) >= 43  # secrets.token_urlsafe(32): 256 random bits

    assert client.get("/api/me", headers=bearer(session_id)).get_json()["username"] == "alice"
    assert client.post("/api/logout", headers=bearer(session_id)).status_code == 204
    assert client.get("/api/me", headers=bearer(session_id)).status_code == 401


def test_usernames_are_one_account_whatever_the_case(auth):
    assert auth.register("Alice").get_json()["username"] == "alice"
    assert auth.register("ALICE").status_code == 409
    assert auth.login("aLiCe").status_code == 200


def test_a_taken_username_is_409(auth):
    auth.register("alice")
    response = auth.register("alice", "another password")
    assert response.status_code == 409
    assert response.get_json() == {"error": "username: already taken"}
    assert auth.login("alice", "another password").status_code == 401


def test_unknown_user_and_wrong_password_get_the_same_answer(auth):
    auth.register("alice")
    wrong_password = auth.login("alice", "not the password")
    unknown_user = auth.login("mallory")
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert wrong_password.get_json() == unknown_user.get_json()


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"username": "al", "password": TEST_PASSWORD}, "username: must be 3 to 32 of"),
        ({"username": "a" * 33, "password": TEST_PASSWORD}, "username: must be 3 to 32 of"),
        ({"username": "al ice", "password": TEST_PASSWORD}, "username: must be 3 to 32 of"),
        ({"username": "alïce", "password": TEST_PASSWORD}, "username: must be 3 to 32 of"),
        ({"username": 7, "password": TEST_PASSWORD}, "username: must be 3 to 32 of"),
        ({"username": "alice", "password": "short"}, "password: must be 8 to 128 characters"),
        ({"username": "alice", "password": "x" * 129}, "password: must be 8 to 128 characters"),
        ({"username": "alice", "password": 12345678}, "password: must be a string"),
        ({"username": "alice", "password": "\ud800" * 8}, "password: must be text"),
        ({"username": "alice"}, "password: required"),
        ({"password": TEST_PASSWORD}, "username: required"),
        ({"username": "alice", "password": TEST_PASSWORD, "admin": True}, "admin: unknown field"),
    ],
)
@pytest.mark.parametrize("route", ["/api/register", "/api/login"])
def test_bad_credentials_input_gets_a_400_and_creates_nothing(client, route, body, error, auth):
    response = client.post(route, json=body)
    assert response.status_code == 400
    assert response.get_json()["error"].startswith(error)
    assert auth.register("alice").status_code == 201  # the name was not taken


def test_an_unknown_user_costs_a_password_check_too(stage, monkeypatch, auth):
    """So that a login for an unknown user takes as long as a wrong password."""
    checks = []
    real_check = stage.models.check_password_hash
    monkeypatch.setattr(
        stage.models, "check_password_hash", lambda *args: checks.append(args) or real_check(*args)
    )
    assert auth.login("nobody").status_code == 401
    assert len(checks) == 1


def test_a_password_keeps_its_spaces(auth):
    auth.register("alice", "  spaces count  ")
    assert auth.login("alice", "  spaces count  ").status_code == 200
    assert auth.login("alice", "spaces count").status_code == 401


def test_logging_out_is_a_post(alice):
    response = alice.get("/api/logout")
    assert response.status_code == 405
    assert alice.get("/api/me").status_code == 200


@pytest.mark.parametrize(
    "authorization",
    ["", "Bearer", "Bearer ", "Bearer not-a-session", "Basic YWxpY2U6c2VjcmV0", "bearer"],
)
def test_no_valid_session_is_401(client, authorization):
    response = client.get("/api/todos", headers={"Authorization": authorization})
    assert response.status_code == 401
    assert response.get_json() == {"error": "not logged in"}


@pytest.mark.lesson("fix")
def test_passwords_are_hashed_with_owasp_scrypt_parameters(stage, app_config, auth_for):
    del app_config["PASSWORD_HASH_METHOD"]  # the stage's own default, as in production
    app = stage.create_app(app_config)
    assert app.config["PASSWORD_HASH_METHOD"] == "scrypt:32768:8:3"
    auth_for(app.test_client()).register("alice")
    with app.app_context():
        db, models = stage.db.db, stage.models
        stored = db.session.execute(db.select(models.User.password_hash)).scalar_one()
    assert stored.startswith("scrypt:32768:8:3$")
    assert TEST_PASSWORD not in stored


def test_session_ids_are_stored_only_as_hashes(stage, app, alice):
    session_id = alice.environ_base["HTTP_AUTHORIZATION"].removeprefix("Bearer ")
    with app.app_context():
        db = stage.db.db
        stored = db.session.execute(db.select(stage.models.UserSession.token_hash)).scalars().all()
    assert len(stored) == 1
    assert session_id not in stored[0]


# --- Todos belong to their owner ---------------------------------------------------------


def test_todos_need_a_login(client):
    assert client.get("/api/todos").status_code == 401
    assert client.post("/api/todos", json={"title": "x"}).status_code == 401


def test_each_user_sees_only_their_own_todos(alice, bob):
    alice.post("/api/todos", json={"title": "alice's"})
    bob.post("/api/todos", json={"title": "bob's"})
    assert [t["title"] for t in alice.get("/api/todos").get_json()] == ["alice's"]
    assert [t["title"] for t in bob.get("/api/todos").get_json()] == ["bob's"]


@pytest.mark.lesson("fix")
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_another_users_todo_is_not_found(alice, bob, method):
    todo_id = alice.post("/api/todos", json={"title": "alice's"}).get_json()["id"]
    response = bob.open(f"/api/todos/{todo_id}", method=method, json={"title": "bob was here"})
    assert response.status_code == 404
    assert response.get_json() == {"error": f"no todo with id {todo_id}"}
    assert alice.get(f"/api/todos/{todo_id}").get_json()["title"] == "alice's"


# --- The page ----------------------------------------------------------------------------


def log_in_on_the_page(page, live_server, username="alice", action="Register"):
    page.goto(live_server)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name=action).click()
    expect(page.locator("#username")).to_have_text(username)
    expect(page.get_by_role("button", name="Log in")).to_be_hidden()


def test_the_page_registers_logs_in_and_keeps_todos(page, live_server):
    log_in_on_the_page(page, live_server)
    page.get_by_label("New todo").fill("buy milk")
    page.get_by_role("button", name="Add").click()
    expect(page.locator("#todos .title")).to_have_text(["buy milk"])
    page.reload()
    expect(page.locator("#todos .title")).to_have_text(["buy milk"])

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    expect(page.get_by_label("New todo")).to_be_hidden()
    log_in_on_the_page(page, live_server, action="Log in")
    expect(page.locator("#todos .title")).to_have_text(["buy milk"])


def test_the_page_shows_a_wrong_password(page, live_server, auth):
    auth.register("alice")
    page.goto(live_server)
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("wrong username or password")


@pytest.mark.lesson("weakness")
def test_any_script_on_the_page_can_steal_the_session_id(page, live_server, client):
    log_in_on_the_page(page, live_server)
    page.get_by_label("New todo").fill("my secret plan")
    page.get_by_role("button", name="Add").click()
    expect(page.locator("#todos .title")).to_have_text(["my secret plan"])

    # Any script running in the page (an XSS, a compromised library, an ad) can do this:
    stolen = page.evaluate("localStorage.getItem('session_id')")
    assert stolen

    # ... and send it anywhere. From outside the browser, it opens the victim's account.
    status, todos = get_json(f"{live_server}/api/todos", stolen)
    assert status == 200
    assert [todo["title"] for todo in todos] == ["my secret plan"]


@pytest.mark.lesson("fix")
def test_logging_out_ends_the_session_on_the_server_so_a_stolen_id_stops_working(page, live_server):
    log_in_on_the_page(page, live_server)
    stolen = page.evaluate("localStorage.getItem('session_id')")
    assert get_json(f"{live_server}/api/me", stolen) == (200, {"id": 1, "username": "alice"})

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    assert get_json(f"{live_server}/api/me", stolen) == (401, {"error": "not logged in"})


@pytest.mark.parametrize(
    ("path", "body"),
    [("/api/me", None), ("/api/login", {"username": "nobody", "password": "wrong password"})],
)
def test_every_401_names_the_bearer_scheme(client, path, body):
    response = client.open(path, method="POST" if body else "GET", json=body)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.is_json
