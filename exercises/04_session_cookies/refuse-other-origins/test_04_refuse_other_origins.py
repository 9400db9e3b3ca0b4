import pytest
from auth_actions import TEST_PASSWORD
from playwright.sync_api import expect

STAGE = "04_session_cookies"

# The test client's requests go to http://localhost: this is the stage's own origin.
OTHER_ORIGINS = [
    "http://evil.example",  # another site
    "http://localhost:8001",  # another port of this host: the same site, another origin
    "https://localhost",  # another scheme
    "null",  # what a browser sends from a sandboxed frame or a file
]


def titles(client):
    return [todo["title"] for todo in client.get("/api/todos").get_json()]


@pytest.mark.parametrize("origin", OTHER_ORIGINS)
def test_a_change_from_another_origin_is_403_even_with_the_csrf_header(alice, origin):
    response = alice.post("/api/todos", json={"title": "planted"}, headers={"Origin": origin})
    assert response.status_code == 403
    assert "origin" in response.get_json()["error"].lower()
    assert titles(alice) == []
    response = alice.post("/api/logout-all", headers={"Origin": origin})
    assert response.status_code == 403
    assert alice.get("/api/me").status_code == 200


def test_a_sign_up_or_a_login_from_another_origin_is_refused(client):
    """No session yet, so no CSRF token to check: the origin is checked all the same."""
    body = {"username": "alice", "password": TEST_PASSWORD}
    other = {"Origin": "http://localhost:8001"}
    assert client.post("/api/register", json=body, headers=other).status_code == 403
    assert client.post("/api/register", json=body).status_code == 201
    response = client.post("/api/login", json=body, headers=other)
    assert response.status_code == 403
    assert "Set-Cookie" not in response.headers
    assert client.get("/api/me").status_code == 401


def test_this_origin_no_origin_and_reads_go_through(alice):
    """The page's own requests name this origin; curl sends no Origin at all (the CSRF
    header still guards it); a read changes nothing, whoever asks."""
    own = {"Origin": "http://localhost"}
    assert alice.post("/api/todos", json={"title": "mine"}, headers=own).status_code == 201
    assert alice.post("/api/todos", json={"title": "from curl"}).status_code == 201
    response = alice.get("/api/todos", headers={"Origin": "http://evil.example"})
    assert response.status_code == 200
    assert [todo["title"] for todo in response.get_json()] == ["mine", "from curl"]


def test_the_page_works_and_another_origins_form_is_refused_for_its_origin(page, live_server):
    """Chromium names the origin of every POST, the page's own too. The attack of the
    stage's lesson again: a form on another port of this host posts to /api/logout-all."""
    page.goto("/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Register").click()
    expect(page.locator("#username")).to_have_text("alice")
    page.get_by_label("New todo").fill("buy milk")
    page.get_by_role("button", name="Add").click()
    expect(page.locator("#todos .title")).to_have_text(["buy milk"])

    attacker = "http://127.0.0.1:1/prize.html"  # served by the test, not by a server
    page.route(
        attacker,
        lambda route: route.fulfill(
            content_type="text/html",
            body=f"""<form method="post" action="{live_server}/api/logout-all"></form>
                <script>document.forms[0].submit()</script>""",
        ),
    )
    with page.expect_response(f"{live_server}/api/logout-all") as attack:
        page.goto(attacker)
    assert attack.value.status == 403
    assert "origin" in attack.value.json()["error"].lower()
    page.goto("/")
    expect(page.locator("#username")).to_have_text("alice")
