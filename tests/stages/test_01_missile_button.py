import logging
import re
import subprocess
import urllib.request

import pytest
from course import ROOT
from playwright.sync_api import expect

STAGE = "01_missile_button"


@pytest.fixture
def token(runner):
    result = runner.invoke(args=["create-token", "alice"])
    return re.search(r"Token for alice: (\S+)", result.output).group(1)


def test_create_token_prints_a_token_for_the_page(runner):
    result = runner.invoke(args=["create-token", "alice"])
    assert result.exit_code == 0
    assert re.search(r"Open: http://127\.0\.0\.1:5000/\?token=\S{43}", result.output)


def test_create_token_refuses_a_bad_owner_name(runner):
    result = runner.invoke(args=["create-token", "no spaces please"])
    assert result.exit_code != 0
    assert "OWNER" in result.output


def test_starting_the_app_makes_no_token_and_prints_nothing(stage, app_config, capsys):
    """Tokens are made by a command, as flaskr makes its database, never on the side."""
    app = stage.create_app(app_config)
    assert capsys.readouterr().out == ""
    with app.app_context():
        assert (
            stage.db.db.session.execute(stage.db.db.select(stage.models.ApiToken)).first() is None
        )


def test_make_run_prints_a_working_link_for_stage_01_every_time(stage, app_config):
    """Following the README (`make run STAGE=01_missile_button`) gives a token each time."""
    recipe = subprocess.run(
        ["make", "-n", "run", "STAGE=01_missile_button"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "--app 01_missile_button create-token demo" in recipe
    assert recipe.index("create-token demo") < recipe.index("--app 01_missile_button run")


def test_launch_with_a_valid_token(client, token):
    response = client.post(f"/api/launch?token={token}")
    assert response.status_code == 200
    assert response.get_json() == {
        "launched": True,
        "launch_id": 1,
        "launched_by": "alice",
        "launched_at": response.get_json()["launched_at"],
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", response.get_json()["launched_at"])


@pytest.mark.parametrize("query", ["", "?token=", "?token=guess", "?other=1"])
def test_launch_without_a_valid_token_is_401(client, query):
    response = client.post(f"/api/launch{query}")
    assert response.status_code == 401
    assert "token" in response.get_json()["error"]


def test_launch_log_lists_launches_in_order(client, token):
    client.post(f"/api/launch?token={token}")
    client.post(f"/api/launch?token={token}")
    log = client.get(f"/api/launches?token={token}").get_json()
    assert [launch["launch_id"] for launch in log] == [1, 2]
    assert client.get("/api/launches").status_code == 401


@pytest.mark.lesson("fix")
def test_a_copy_of_the_database_holds_no_working_token(stage, app, client, token):
    with app.app_context():
        db = stage.db.db
        stored = db.session.execute(db.select(stage.models.ApiToken.token_hash)).scalars().all()
    assert token not in stored
    assert all(re.fullmatch(r"[0-9a-f]{64}", value) for value in stored)  # SHA-256 hashes
    # Whoever copies the table gets hashes, and a hash does not open the button.
    for value in stored:
        assert client.post(f"/api/launch?token={value}").status_code == 401


@pytest.mark.lesson("weakness")
def test_token_in_the_url_is_written_to_the_server_access_log(live_server, token, caplog):
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        request = urllib.request.Request(f"{live_server}/api/launch?token={token}", method="POST")
        with urllib.request.urlopen(request) as response:
            assert response.status == 200
    access_log = "\n".join(record.getMessage() for record in caplog.records)
    assert f"POST /api/launch?token={token}" in access_log


@pytest.mark.lesson("weakness")
def test_token_in_the_url_is_sent_onward_in_the_referer_header(page, live_server, token):
    with page.expect_request("**/launch.js") as script_request:
        page.goto(f"{live_server}/?token={token}")
    assert token in script_request.value.all_headers().get("referer", "")


def test_the_button_launches_and_shows_the_log(page, live_server, token):
    page.goto(f"{live_server}/?token={token}")
    page.get_by_role("button", name="Launch").click()
    expect(page.get_by_role("status")).to_have_text("Launched! Launch #1 by alice.")
    expect(page.locator("#log li")).to_have_count(1)
    expect(page.locator("#log li").first).to_contain_text("#1 by alice")


def test_the_page_without_a_token_explains_what_to_do(page, live_server):
    page.goto(live_server)
    expect(page.locator("#who")).to_contain_text("Add ?token=...")
    expect(page.get_by_role("button", name="Launch")).to_be_disabled()
