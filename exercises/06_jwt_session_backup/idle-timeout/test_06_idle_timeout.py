"""Your turn, stage 06: with IDLE_TIMEOUT set to a day, a session that nobody used for a
day ends, however long it had left to live. See README.md beside this file."""

from datetime import timedelta

import pytest
from helpers import set_cookies

STAGE = "06_jwt_session_backup"
A_DAY = timedelta(days=1)
A_SECOND = timedelta(seconds=1)


@pytest.fixture
def app_config(app_config):
    """Every test app here is started with FLASK_IDLE_TIMEOUT=86400, as it were."""
    return {**app_config, "IDLE_TIMEOUT": 24 * 60 * 60}


def test_a_session_unused_for_a_day_is_not_renewed(clock, alice):
    clock.shift(A_DAY)
    response = alice.get("/api/me")
    assert response.status_code == 401
    cookies = set_cookies(response)
    assert cookies["access_token"]["max-age"] == cookies["csrf_token"]["max-age"] == "0"


def test_a_session_unused_for_a_second_less_than_a_day_is_renewed(clock, alice):
    clock.shift(A_DAY - A_SECOND)
    response = alice.get("/api/me")
    assert response.status_code == 200
    assert "access_token" in set_cookies(response)  # renewed


def test_each_renewal_starts_the_day_again(clock, alice):
    """Idle means unused: a session used every 23 hours lives on (up to its 7 days)."""
    for _ in range(5):
        clock.shift(timedelta(hours=23))
        assert alice.get("/api/me").status_code == 200
    clock.shift(A_DAY)
    assert alice.get("/api/me").status_code == 401


def test_an_idle_session_is_deleted_when_it_comes_back(clock, stage, app, alice):
    clock.shift(A_DAY)
    assert alice.get("/api/me").status_code == 401
    with app.app_context():
        db, user_session = stage.db.db, stage.models.UserSession
        assert db.session.execute(db.select(user_session)).all() == []


def test_the_list_of_sessions_leaves_out_idle_ones(clock, app, auth_for):
    laptop, phone = app.test_client(), app.test_client()
    auth_for(laptop).log_in_as("alice")
    auth_for(phone).log_in_as("alice")
    assert len(phone.get("/api/sessions").get_json()) == 2
    for _ in range(2):  # the phone is used twice a day; the laptop stays in a drawer
        clock.shift(timedelta(hours=12))
        assert phone.get("/api/me").status_code == 200
    sessions = phone.get("/api/sessions").get_json()
    assert [session["current"] for session in sessions] == [True]
