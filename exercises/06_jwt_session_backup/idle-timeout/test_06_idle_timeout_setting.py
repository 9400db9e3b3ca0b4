"""Your turn, stage 06: the idle timeout comes from the app's settings. See README.md
beside this file."""

from datetime import timedelta

import pytest

STAGE = "06_jwt_session_backup"


@pytest.fixture
def app_config(app_config):
    """The test app, with IDLE_TIMEOUT set to an hour: the setting decides."""
    return {**app_config, "IDLE_TIMEOUT": 60 * 60}


def test_the_idle_timeout_is_a_setting(clock, app, auth_for):
    client = app.test_client()
    auth_for(client).log_in_as("alice")
    clock.shift(timedelta(minutes=59))
    assert client.get("/api/me").status_code == 200
    clock.shift(timedelta(hours=1))
    assert client.get("/api/me").status_code == 401
