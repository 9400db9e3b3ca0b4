from auth_actions import TEST_PASSWORD

STAGE = "03_session_localstorage"
NEW_PASSWORD = "a brand new password"


def change_password(client, current=TEST_PASSWORD, new=NEW_PASSWORD):
    return client.post("/api/password", json={"current_password": current, "new_password": new})


def login_status(app, password):
    body = {"username": "alice", "password": password}
    return app.test_client().post("/api/login", json=body).status_code


def test_after_a_change_only_the_new_password_logs_in(app, alice):
    response = change_password(alice)
    assert response.status_code == 204
    assert login_status(app, TEST_PASSWORD) == 401
    assert login_status(app, NEW_PASSWORD) == 200


def test_a_change_ends_every_other_session_so_a_stolen_id_stops_working(app, alice, bob, auth_for):
    thief = app.test_client()  # holds a copy of alice's session id, read from localStorage
    thief.environ_base["HTTP_AUTHORIZATION"] = alice.environ_base["HTTP_AUTHORIZATION"]
    phone = app.test_client()
    auth_for(phone).log_in_as("alice")
    assert change_password(phone).status_code == 204
    assert thief.get("/api/me").status_code == 401
    assert alice.get("/api/me").status_code == 401
    assert phone.get("/api/me").get_json()["username"] == "alice"  # this session stays
    assert bob.get("/api/me").status_code == 200  # other users' sessions too


def test_a_wrong_current_password_changes_nothing(app, alice, auth_for):
    phone = app.test_client()
    auth_for(phone).log_in_as("alice")
    response = change_password(alice, current="not the password")
    assert response.status_code == 400
    assert response.get_json() == {"error": "current_password: wrong password"}
    assert phone.get("/api/me").status_code == 200
    assert login_status(app, TEST_PASSWORD) == 200
    assert login_status(app, NEW_PASSWORD) == 401


def test_the_new_password_follows_the_rules_of_every_password(app, alice):
    for body, error in [
        ({"current_password": TEST_PASSWORD, "new_password": "short"},
         "new_password: must be 8 to 128 characters"),
        ({"new_password": NEW_PASSWORD}, "current_password: required"),
        ({"current_password": TEST_PASSWORD}, "new_password: required"),
        ({"password": NEW_PASSWORD}, "password: unknown field"),
    ]:  # fmt: skip
        response = alice.post("/api/password", json=body)
        assert response.status_code == 400
        assert response.get_json() == {"error": error}
    assert login_status(app, TEST_PASSWORD) == 200


def test_changing_the_password_needs_a_login(client):
    response = change_password(client)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
