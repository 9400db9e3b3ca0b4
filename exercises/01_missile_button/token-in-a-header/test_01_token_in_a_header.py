import logging
import re
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

STAGE = "01_missile_button"


@pytest.fixture
def token(runner):
    result = runner.invoke(args=["create-token", "alice"])
    return re.search(r"Token for alice: (\S+)", result.output).group(1)


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_the_token_in_an_authorization_header_launches_and_nothing_else_does(client, token):
    response = client.post("/api/launch", headers=bearer(token))
    assert response.status_code == 200
    assert response.get_json()["launched_by"] == "alice"
    for wrong in ["", "Bearer", "Bearer guess", f"Basic {token}", token]:
        response = client.post("/api/launch", headers={"Authorization": wrong})
        assert response.status_code == 401, wrong
        assert "token" in response.get_json()["error"]
    launches = client.get("/api/launches", headers=bearer(token)).get_json()
    assert [launch["launch_id"] for launch in launches] == [1]


def test_the_token_in_the_url_opens_nothing_any_more(client, token):
    assert client.post(f"/api/launch?token={token}").status_code == 401
    assert client.get(f"/api/launches?token={token}").status_code == 401
    assert client.get("/api/launches", headers=bearer(token)).get_json() == []


def test_a_copy_of_the_database_opens_nothing_in_the_header_either(stage, app, client, token):
    """The stage's lesson of the same name sends the stored hashes in the URL, which the
    API no longer reads: here they go where a token now goes."""
    with app.app_context():
        db = stage.db.db
        stored = db.session.execute(db.select(stage.models.ApiToken.token_hash)).scalars().all()
    for value in stored:
        assert client.post("/api/launch", headers=bearer(value)).status_code == 401
    assert client.post("/api/launch", headers=bearer(token)).status_code == 200


def post(url, headers):
    """A plain HTTP client: the status of a POST to URL."""
    request = urllib.request.Request(url, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status
    except urllib.error.HTTPError as error:
        with error:
            return error.code


def test_a_token_in_a_header_is_not_written_to_the_access_log_the_pages_address_still_is(
    live_server, token, caplog
):
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        assert post(f"{live_server}/api/launch", bearer(token)) == 200
        with urllib.request.urlopen(f"{live_server}/?token={token}") as response:
            assert response.status == 200
    lines = [record.getMessage() for record in caplog.records]
    (launch,) = [line for line in lines if "POST /api/launch" in line]
    assert token not in launch
    # What the header cannot fix: the page's own address holds the token, and is logged.
    assert any(f"GET /?token={token}" in line for line in lines)


def test_the_page_sends_the_token_in_a_header_not_in_the_url(page, token):
    with page.expect_request(lambda request: "/api/launches" in request.url) as listing:
        page.goto(f"/?token={token}")
    assert token not in listing.value.url
    assert listing.value.all_headers()["authorization"] == f"Bearer {token}"
    page.get_by_role("button", name="Launch").click()
    expect(page.get_by_role("status")).to_have_text("Launched! Launch #1 by alice.")
