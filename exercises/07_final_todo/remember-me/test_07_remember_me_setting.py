"""Your turn, stage 07: how long "Remember me" keeps a session comes from the app's
settings. See README.md beside this file."""

from datetime import timedelta

import pytest
from auth_actions import TEST_PASSWORD
from helpers import set_cookies

STAGE = "07_final_todo"


@pytest.fixture
def app_config(app_config):
    """The test app, with REMEMBER_ME_LIFETIME set to two days: the setting decides."""
    return {**app_config, "REMEMBER_ME_LIFETIME": 2 * 24 * 60 * 60}


def test_remember_me_keeps_a_session_as_long_as_the_setting_says(clock, client):
    credentials = {"username": "alice", "password": TEST_PASSWORD}
    client.post("/api/register", json=credentials)
    response = client.post("/api/login", json={**credentials, "remember": True})
    assert response.status_code == 200, response.get_json()
    assert set_cookies(response)["access_token"]["max-age"] == str(2 * 24 * 60 * 60)
    clock.shift(timedelta(days=2) - timedelta(minutes=1))
    assert client.get("/api/me").status_code == 200
    clock.shift(timedelta(minutes=1))
    assert client.get("/api/me").status_code == 401
