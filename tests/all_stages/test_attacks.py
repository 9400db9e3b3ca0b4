"""The attacks every stage with users must stop, tried on every route the stage has
(found from its url_map): another user's objects by id, a change without the CSRF
header (from stage 04 on), and the flags of every cookie it sets."""

import re
from datetime import timedelta
from http.cookies import SimpleCookie

import pytest
from course import ROOT, STAGES
from harness.routes import api_urls, concrete_url, new_user_client

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
NO_SESSION_YET = {"/api/login", "/api/register"}  # 04's README: JSON bodies stop login CSRF


# Found from the stages' files, as every stage folder is: those with users (an auth.py),
# and of those, the ones whose cookies authenticate (they hand out a CSRF token).
USER_STAGES = [stage for stage in STAGES if (ROOT / stage / "auth.py").is_file()]
COOKIE_STAGES = [s for s in USER_STAGES if "csrf_token" in (ROOT / s / "auth.py").read_text()]


def owned_routes(app):
    """Routes with an id of something a user owns: their todos and their sessions."""
    return [
        (method, route)
        for route, methods in api_urls(app).items()
        if re.match(r"/api/(todos|sessions)/<", route)
        for method in sorted(methods & STATE_CHANGING | methods & {"GET"})
    ]


@pytest.mark.parametrize("stage_name", USER_STAGES)
def test_another_users_objects_are_not_found_on_every_route_with_an_id(app):
    victim, attacker = new_user_client(app), new_user_client(app)
    checked = 0
    for method, route in owned_routes(app):
        url = concrete_url(victim, route)  # the victim's todo or session
        before = victim.get(url.rsplit("/", 1)[0]).get_json()
        response = attacker.open(url, method=method, json={"title": "mine now", "done": True})
        assert response.status_code == 404, (method, url)
        assert victim.get(url.rsplit("/", 1)[0]).get_json() == before
        checked += 1
    assert checked >= 1


@pytest.mark.parametrize("stage_name", COOKIE_STAGES)
def test_every_change_without_the_csrf_header_is_refused(app):
    checked = 0
    for route, methods in sorted(api_urls(app).items()):
        if route in NO_SESSION_YET:
            continue
        for method in sorted(methods & STATE_CHANGING):
            client = new_user_client(app)  # each on its own: logout must not end the next
            url = concrete_url(client, route)
            csrf_token = client.environ_base.pop("HTTP_X_CSRF_TOKEN")
            for header in [{}, {"X-CSRF-Token": ""}, {"X-CSRF-Token": csrf_token + "x"}]:
                response = client.open(url, method=method, json={}, headers=header)
                assert response.status_code == 403, (method, url, header)
                assert response.get_json() == {"error": "missing or wrong X-CSRF-Token header"}
            checked += 1
    assert checked >= 4


def set_cookie_headers(response):
    return response.headers.getlist("Set-Cookie")


def cookie_flags(header):
    cookie = SimpleCookie()
    cookie.load(header)
    ((name, morsel),) = cookie.items()
    return name, morsel


# The finished stages send no login with a request that another site starts, not even a
# link (test_attacker.py); 04 to 06 with none but a link.
SAMESITE = {"07_final_todo": "Strict", "08_inventory_rbac": "Strict"}


@pytest.mark.parametrize("secure", [False, True], ids=["http", "https"])
@pytest.mark.parametrize("stage_name", COOKIE_STAGES)
def test_every_cookie_set_carries_the_right_flags(
    clock, stage, stage_name, app_config, secure, auth_for
):
    app = stage.create_app({**app_config, "AUTH_COOKIE_SECURE": secure})
    client, headers = app.test_client(), []
    headers += set_cookie_headers(auth_for(client).log_in_as("alice"))
    clock.shift(timedelta(minutes=31))  # past any token's lifetime: renewed where it can be
    headers += set_cookie_headers(client.get("/api/me"))
    auth_for(client).log_in_as("alice")
    headers += set_cookie_headers(client.post("/api/logout"))
    assert len(headers) >= 4
    for header in headers:
        name, morsel = cookie_flags(header)
        assert morsel["samesite"] == SAMESITE.get(stage_name, "Lax"), header
        assert morsel["path"] == "/", header
        assert bool(morsel["secure"]) is secure, header
        if not name.endswith("csrf_token"):  # the one the page must read
            assert morsel["httponly"] is True, header
    with app.app_context():
        app.extensions["sqlalchemy"].engine.dispose()


# Stages whose tokens are signed with the app's key (a tokens.py beside auth.py).
SIGNING_STAGES = [s for s in USER_STAGES if (ROOT / s / "tokens.py").is_file()]


@pytest.mark.parametrize("stage_name", SIGNING_STAGES)
@pytest.mark.parametrize("key", ["", "31 bytes: one short of enough.."])
def test_an_empty_or_short_secret_key_is_refused_at_start(stage, app_config, key, capsys):
    with pytest.raises(SystemExit) as refused:
        stage.create_app({**app_config, "SECRET_KEY": key})
    assert refused.value.code == 3  # gunicorn stops on it, rather than retry the worker
    message = capsys.readouterr().err
    assert "FLASK_SECRET_KEY is set but shorter than 32 bytes" in message
    assert 'python -c "import secrets; print(secrets.token_hex(32))"' in message


@pytest.mark.parametrize("stage_name", [s for s in SIGNING_STAGES if s != "08_inventory_rbac"])
def test_a_token_made_before_init_db_reads_and_writes_nobodys_todos_after_it(app, runner):
    """A token outlives the database it was made for. After init-db, the next user to sign
    up must not be the user that an old token names. (08 reads the session at every
    request: its own test shows an old token refused.)"""
    before = new_user_client(app)
    before.post("/api/todos", json={"title": "from before"})
    assert runner.invoke(args=["init-db"]).exit_code == 0
    after = new_user_client(app)
    after.post("/api/todos", json={"title": "mine"})
    assert before.get("/api/todos").get_json() in ([], None)
    assert before.post("/api/todos", json={"title": "planted"}).status_code == 401
    assert [todo["title"] for todo in after.get("/api/todos").get_json()] == ["mine"]


@pytest.mark.parametrize("stage_name", USER_STAGES)
def test_the_auth_fixture_logs_in_and_out_as_the_page_does(auth, client):
    """The harness's AuthActions, one class for each way a stage carries a login."""
    auth.register("carol")
    assert auth.login("carol").status_code == 200
    assert client.get("/api/me").get_json()["username"] == "carol"
    assert auth.logout().status_code == 204
    assert client.get("/api/me").status_code == 401


# Stages whose todos live in a database (from 02_2 on).
TODO_STAGES = [
    s for s in STAGES if {"todos.py", "models.py"} <= {p.name for p in (ROOT / s).iterdir()}
]


@pytest.mark.parametrize("stage_name", TODO_STAGES)
def test_an_edit_racing_a_delete_of_the_same_todo_is_404_not_500(stage, app, monkeypatch):
    """Another request deletes the todo between this edit's look-up and its write."""
    client = new_user_client(app)
    todo_id = client.post("/api/todos", json={"title": "to be deleted"}).get_json()["id"]
    read_title = stage.todos.text_field

    def read_title_while_another_request_deletes_it(*args):
        title = read_title(*args)
        with stage.db.db.engine.begin() as elsewhere:
            elsewhere.execute(stage.db.db.delete(stage.models.Todo))
        return title

    monkeypatch.setattr(stage.todos, "text_field", read_title_while_another_request_deletes_it)
    response = client.patch(f"/api/todos/{todo_id}", json={"title": "edited"})
    assert response.status_code == 404
    assert response.get_json() == {"error": f"no todo with id {todo_id}"}
