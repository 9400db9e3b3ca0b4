"""The attacker's pages (attacker/, `make attacker`), each against its stage, in a real
browser. The stage is served on 127.0.0.1; the attacker on localhost, another site for
the browser's cookie rules, or on 127.0.0.1 with another port, the same site."""

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import threading
from datetime import timedelta

import auth_actions
import pytest
from auth_actions import TEST_PASSWORD
from course import CHEAP_HASH_METHOD
from flask import request
from harness.live_server import whole_responses
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect
from werkzeug.serving import make_server

import attacker
from tools import practise

STAGE = "04_session_cookies"
# The link a page might have to another site, added to the missile page by the console
# line of attacker/README.md; POLICY is its referrerPolicy ("" for the browser's default).
ADD_A_LINK = """([href, policy]) => document.body.append(Object.assign(
    document.createElement("a"), {href, referrerPolicy: policy, textContent: "a link"}))"""
# The cookie that logs the browser in, by stage: its name changes at 05 (README.md).
LOGIN_COOKIE = {"04": "session_id", "05": "access_token", "06": "access_token",
                "07": "access_token", "08": "access_token"}  # fmt: skip


@contextlib.contextmanager
def serve_attacker(stage_url):
    """The attacker app, attacking the stage at STAGE_URL, served on a free port of
    127.0.0.1; open it as http://localhost:PORT or http://127.0.0.1:PORT."""
    app = attacker.create_app({"TESTING": True, "STAGE_URL": stage_url})
    server = make_server("127.0.0.1", 0, whole_responses(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    thread.join()
    server.server_close()


@pytest.fixture
def attacker_port(live_server):
    with serve_attacker(live_server) as port:
        yield port


@pytest.fixture
def broken_stage_url(tmp_path):
    """Stage 04 with the break no-csrf-check applied, as `make break` applies it, in a copy
    under TMP_PATH, served by `flask run` on a free port."""
    stages = tmp_path / "stages"
    practise.copy_stage("04_session_cookies", stages)
    practise.apply_break("04_session_cookies", "no-csrf-check", stages)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "PYTHONPATH": str(stages),  # the copy, not the repository's own stage
        "FLASK_SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'stage.sqlite'}",
        "FLASK_PASSWORD_HASH_METHOD": CHEAP_HASH_METHOD,
    }
    command = ["-m", "flask", "--app", "04_session_cookies", "run", "--port", str(port)]
    server = subprocess.Popen(
        [sys.executable, *command], cwd=stages, env=env, stderr=subprocess.PIPE, text=True
    )
    started = []
    for line in server.stderr:  # the server says when it listens
        started.append(line)
        if "Running on" in line:
            break
    else:
        raise RuntimeError("the broken copy of 04 did not start:\n" + "".join(started))
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(timeout=10)
    server.stderr.close()


def log_in_as_a_new_user(page, app, username="alice"):
    """Make USERNAME and log the page's browser in, as the stage's login form does."""
    auth_actions.for_stage(app.name)(app.test_client()).register(username)
    auth_actions.log_in_the_browser(page, username)


def press(page, button, url):
    """Press BUTTON on the attacker's form page; the request it sent to URL and the answer."""
    with page.expect_response(url) as answer:
        page.get_by_role("button", name=button).click()
    return answer.value.request.all_headers(), answer.value


# The forms that reach a route of each stage: 05 keeps no sessions to end (no logout-all),
# 08 has no todos.
FORMS = {
    "04_session_cookies": ["/api/logout-all", "/api/todos"],
    "05_jwt_stateless": ["/api/todos"],
    "06_jwt_session_backup": ["/api/logout-all", "/api/todos"],
    "07_final_todo": ["/api/logout-all", "/api/todos"],
    "08_inventory_rbac": ["/api/logout-all"],
}
BUTTONS = {"/api/logout-all": "Log me out everywhere", "/api/todos": "Add a todo"}


@pytest.mark.parametrize("stage_name", FORMS)
def test_samesite_lax_stops_a_form_on_another_site_the_csrf_check_one_on_the_same_site(
    page, app, live_server, attacker_port, stage_name
):
    # What the stage answered, as it left the stage: in 07 and 08 the browser shows its
    # own error page instead, as those stages forbid other sites to frame their pages.
    answers = {}

    @app.after_request
    def keep_the_answer(response):
        answers[request.path] = response.get_json(silent=True)
        return response

    log_in_as_a_new_user(page, app)
    page.goto(f"http://localhost:{attacker_port}/csrf")
    expect(page.locator(".verdict")).to_contain_text("Another site")
    for path in FORMS[stage_name]:
        sent, answer = press(page, BUTTONS[path], f"{live_server}{path}")
        # 401: the browser sent no cookie, so the stage never got as far as its CSRF check.
        assert "cookie" not in sent
        assert answer.status == 401

    page.goto(f"http://127.0.0.1:{attacker_port}/csrf")
    expect(page.locator(".verdict")).to_contain_text("Same site")
    for path in FORMS[stage_name]:
        sent, answer = press(page, BUTTONS[path], f"{live_server}{path}")
        assert f"{LOGIN_COOKIE[stage_name[:2]]}=" in sent["cookie"]
        assert answer.status == 403
        assert answers[path] == {"error": "missing or wrong X-CSRF-Token header"}

    assert page.request.get(f"{live_server}/api/me").ok
    if "/api/todos" in FORMS[stage_name]:
        assert page.request.get(f"{live_server}/api/todos").json() == []


# A form that another site's page posts at once, to the top of the tab: a top-level answer
# may set the stage's cookies, where an answer in a frame may not.
POST_A_FORM = """(action) => {
    const form = Object.assign(document.createElement("form"), {method: "POST", action});
    document.body.append(form);
    form.submit();
}"""


@pytest.mark.lesson("fix")
@pytest.mark.parametrize(
    "stage_name", ["06_jwt_session_backup", "07_final_todo", "08_inventory_rbac"]
)
def test_a_form_another_site_posts_to_log_you_out_clears_no_cookie(
    page, app, live_server, attacker_port, stage_name
):
    """The form comes without the login cookie (SameSite=Lax): the stage answers 401, and
    an answer that cleared the cookies anyway would log the user out."""
    log_in_as_a_new_user(page, app)
    page.goto(f"http://localhost:{attacker_port}/csrf")
    with page.expect_response(f"{live_server}/api/logout") as answer:
        page.evaluate(POST_A_FORM, f"{live_server}/api/logout")
    page.wait_for_url(f"{live_server}/api/logout")  # the form's navigation, done
    assert answer.value.status == 401
    assert "set-cookie" not in answer.value.all_headers()
    assert page.request.get(f"{live_server}/api/me").ok


@pytest.mark.lesson("fix")
@pytest.mark.parametrize("stage_name", ["07_final_todo", "08_inventory_rbac"])
def test_a_link_from_another_site_carries_no_login_so_it_cannot_have_a_token_renewed(
    clock, page, app, live_server, attacker_port, stage_name
):
    """SameSite=Strict. With Lax, a page on another site that sends the browser to one of
    our addresses once the token has expired has it renewed; were the answer dropped
    (window.stop()), the browser would keep the old token, and the user's next request
    would look like a stolen copy: the session would end."""
    log_in_as_a_new_user(page, app)
    clock.shift(timedelta(minutes=11))  # the token has expired: a request with it renews it
    page.goto(f"http://localhost:{attacker_port}/csrf")
    with page.expect_response(f"{live_server}/api/me") as answer:
        page.evaluate("(url) => { location.href = url }", f"{live_server}/api/me")
    page.wait_for_url(f"{live_server}/api/me")  # the navigation, done
    assert "cookie" not in answer.value.request.all_headers()
    assert answer.value.status == 401
    # A link to the app itself still works: the page's own requests carry the login.
    page.goto(f"http://localhost:{attacker_port}/csrf")
    with page.expect_response(f"{live_server}/api/me") as answer:
        page.evaluate("(url) => { location.href = url }", f"{live_server}/account")
    assert answer.value.status == 200


@pytest.mark.lesson("fix")
@pytest.mark.parametrize("stage_name", ["07_final_todo", "08_inventory_rbac"])
def test_a_site_that_opens_our_page_keeps_no_hold_on_its_window(
    page, app, live_server, attacker_port, stage_name
):
    """Cross-Origin-Opener-Policy: same-origin. Without it, another site that opens our
    page in a window could send the window away while the page's own requests renew an
    expired token: the browser would keep the old one, and the user's next request would
    look like a stolen copy (the session ends)."""
    log_in_as_a_new_user(page, app)
    page.goto(f"http://localhost:{attacker_port}/csrf")
    with page.context.expect_page() as opened:
        page.evaluate("(url) => { window.ours = window.open(url) }", f"{live_server}/account")
    ours = opened.value
    ours.wait_for_load_state()
    # The handle that window.open() gave the other site reaches nothing any more (the
    # other site's tab learns it a moment after our page has loaded).
    try:
        page.wait_for_function("window.ours.closed", timeout=3_000)
    except PlaywrightTimeoutError:
        pytest.fail("the other site still holds our window: it can send it away")
    page.evaluate("window.ours.location = '/csrf'")
    expect(ours).to_have_url(f"{live_server}/account")


def test_the_answer_frame_shows_what_the_stage_answered(page, app, live_server, attacker_port):
    log_in_as_a_new_user(page, app)
    answer_frame = page.frame_locator("iframe[name=answer]").locator("body")
    page.goto(f"http://localhost:{attacker_port}/csrf")
    press(page, "Log me out everywhere", f"{live_server}/api/logout-all")
    expect(answer_frame).to_contain_text('{"error": "not logged in"}')
    page.goto(f"http://127.0.0.1:{attacker_port}/csrf")
    press(page, "Log me out everywhere", f"{live_server}/api/logout-all")
    expect(answer_frame).to_contain_text('{"error": "missing or wrong X-CSRF-Token header"}')


def test_with_the_csrf_check_broken_a_same_site_form_logs_you_out_everywhere(
    page, browser, broken_stage_url
):
    stage = broken_stage_url
    body = {"username": "alice", "password": TEST_PASSWORD}
    assert page.request.post(f"{stage}/api/register", data=body).ok
    assert page.request.post(f"{stage}/api/login", data=body).ok
    with (
        contextlib.closing(browser.new_context()) as phone,  # alice on another device
        serve_attacker(stage) as attacker_port,
    ):
        assert phone.request.post(f"{stage}/api/login", data=body).ok

        # From another site the browser still sends no cookie: SameSite=Lax needs no check.
        page.goto(f"http://localhost:{attacker_port}/csrf")
        sent, answer = press(page, "Log me out everywhere", f"{stage}/api/logout-all")
        assert ("cookie" in sent, answer.status) == (False, 401)

        page.goto(f"http://127.0.0.1:{attacker_port}/csrf")
        answer_frame = page.frame_locator("iframe[name=answer]").locator("body")

        # A form cannot send JSON: with no CSRF check, the JSON-only body still refuses it.
        _, answer = press(page, "Add a todo", f"{stage}/api/todos")
        assert answer.status == 400
        expect(answer_frame).to_contain_text("the body must be a JSON object")
        assert phone.request.get(f"{stage}/api/todos").json() == []

        # The blank frame after the 400 is a new one (an answer of 204 changes no frame).
        _, answer = press(page, "Log me out everywhere", f"{stage}/api/logout-all")
        assert answer.status == 204
        expect(answer_frame).to_have_text("")
        assert phone.request.get(f"{stage}/api/me").status == 401
        assert page.request.get(f"{stage}/api/me").status == 401


@pytest.mark.parametrize("stage_name", ["01_missile_button"])
def test_todays_browser_sends_another_site_only_the_origin_of_the_missile_page(
    page, live_server, runner, attacker_port
):
    token = re.search(
        r"Token for alice: (\S+)", runner.invoke(args=["create-token", "alice"]).output
    )
    page.goto(f"/?token={token.group(1)}")
    page.evaluate(ADD_A_LINK, [f"http://localhost:{attacker_port}/referer", ""])
    page.get_by_role("link", name="a link").click()
    expect(page.locator(".verdict")).to_have_text(
        "No token: the browser sent only where you came from."
    )
    expect(page.locator(".evidence")).to_have_text(f"{live_server}/")


@pytest.mark.parametrize("stage_name", ["01_missile_button"])
def test_a_link_with_the_old_default_policy_hands_another_site_a_working_token(
    page, live_server, runner, attacker_port, stage
):
    token = re.search(
        r"Token for alice: (\S+)", runner.invoke(args=["create-token", "alice"]).output
    )
    missile_page = f"{live_server}/?token={token.group(1)}"
    page.goto(missile_page)
    # no-referrer-when-downgrade: every browser's default until 2020 (http to http is no
    # downgrade, so the whole address goes).
    page.evaluate(
        ADD_A_LINK, [f"http://localhost:{attacker_port}/referer", "no-referrer-when-downgrade"]
    )
    page.get_by_role("link", name="a link").click()
    expect(page.locator(".verdict")).to_have_text("Stolen: the token came with the link.")
    expect(page.locator(".evidence").first).to_have_text(missile_page)
    expect(page.locator(".evidence").nth(1)).to_have_text(token.group(1))

    page.get_by_role("button", name="Launch a missile with it").click()
    expect(page.locator(".verdict")).to_have_text("Launched, with the stolen token.")
    expect(page.locator(".evidence")).to_contain_text('"launched_by":"alice"')


@pytest.mark.parametrize("stage_name", ["05_jwt_stateless"])
def test_a_token_copied_before_logout_replayed_from_another_site_reads_the_todos(
    page, app, live_server, attacker_port
):
    log_in_as_a_new_user(page, app)
    csrf = {
        "X-CSRF-Token": next(
            c["value"] for c in page.context.cookies() if c["name"] == "csrf_token"
        )
    }
    page.request.post(f"{live_server}/api/todos", data={"title": "my secret plan"}, headers=csrf)
    copied = next(c["value"] for c in page.context.cookies() if c["name"] == "access_token")
    assert page.request.post(f"{live_server}/api/logout", headers=csrf).status == 204
    assert page.context.cookies() == []  # logged out: the browser forgot the token

    page.goto(f"http://localhost:{attacker_port}/replay")
    page.get_by_role("textbox", name="The copied token").fill(copied)
    page.get_by_role("button", name="Replay it").click()
    expect(page.locator(".verdict")).to_have_text(
        "The copied token still works: here are the todos."
    )
    expect(page.locator(".evidence")).to_contain_text('"title":"my secret plan"')


@pytest.mark.parametrize("stage_name", ["05_jwt_stateless"])
def test_a_pasted_value_that_is_no_token_is_refused_with_400(page, attacker_port):
    page.goto(f"http://localhost:{attacker_port}/replay")
    page.get_by_role("textbox", name="The copied token").fill("not a token; Path=/")
    with page.expect_response(f"http://localhost:{attacker_port}/replay") as answer:
        page.get_by_role("button", name="Replay it").click()
    assert answer.value.status == 400
    expect(page.get_by_role("alert")).to_contain_text("Paste the value of the access_token cookie")


# --- Cookies planted from another port (a site is not an origin) ---------------------------

MALLORY_PASSWORD = attacker.create_app().config["MALLORY_PASSWORD"]
# Where each stage's page lists the todos, and the box that adds one.
STAGE_PAGE = {"04": "/", "05": "/", "06": "/", "07": "/app", "08": "/products"}
ADD_A_TODO = {"04": "New todo", "05": "New todo", "06": "New todo", "07": "New to-do"}


def make_mallory(app):
    """The attacker's own account at the stage (the attacker's page signs her up where the
    stage lets anyone sign up; 08 has no sign-up)."""
    auth_actions.for_stage(app.name)(app.test_client()).register("mallory", MALLORY_PASSWORD)


def mallorys_login(app):
    """Mallory's two cookies, as the neighbour holds them once she has logged in."""
    make_mallory(app)
    mallory = app.test_client()
    auth_actions.for_stage(app.name)(mallory).login("mallory", MALLORY_PASSWORD)
    return [mallory.get_cookie(name).value for name in ["access_token", "csrf_token"]]


def todos_of(app, username, password=TEST_PASSWORD):
    client = app.test_client()
    assert auth_actions.for_stage(app.name)(client).login(username, password).status_code == 200
    return [todo["title"] for todo in client.get("/api/todos").get_json()]


def plant(page, attacker_port, button):
    """Press BUTTON on the attacker's cookie page, opened on 127.0.0.1: the same site as
    the stage, another origin."""
    page.goto(f"http://127.0.0.1:{attacker_port}/plant")
    expect(page.locator(".verdict")).to_contain_text("Same site")
    page.get_by_role("button", name=button).click()
    expect(page.locator(".verdict")).to_contain_text("Planted")


def fetch_status(page, method, path, body=None):
    """The status of a request that the stage's page, open in PAGE, sends with fetch()."""
    script = """([method, path, body]) => fetch(path, {method, body,
        headers: {"Content-Type": "application/json"}}).then((response) => response.status)"""
    return page.evaluate(script, [method, path, body and json.dumps(body)])


WEAK_STAGES = ["04_session_cookies", "05_jwt_stateless", "06_jwt_session_backup"]


@pytest.mark.lesson("weakness")
@pytest.mark.parametrize("stage_name", WEAK_STAGES)
def test_a_page_on_another_port_plants_its_login_and_your_todo_lands_in_its_account(
    page, app, live_server, attacker_port, stage_name
):
    """Mallory's login cookie for /api goes first, before alice's for /; her csrf_token
    replaced alice's, so the page's CSRF header matches the session it now speaks for."""
    log_in_as_a_new_user(page, app)
    alices_csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrf_token")
    page.goto(f"http://127.0.0.1:{attacker_port}/plant")
    # Cookies ignore the port: the neighbour reads the cookie that scripts may read.
    assert f"csrf_token={alices_csrf}" in page.evaluate("document.cookie")
    plant(page, attacker_port, "Plant mallory's login")
    page.goto(f"{live_server}/")
    expect(page.locator("#username")).to_have_text("mallory")
    page.get_by_role("textbox", name=ADD_A_TODO[stage_name[:2]]).fill("alice's secret plan")
    page.get_by_role("button", name="Add").click()
    expect(page.locator("#todos")).to_contain_text("alice's secret plan")
    assert todos_of(app, "mallory", MALLORY_PASSWORD) == ["alice's secret plan"]
    assert todos_of(app, "alice") == []
    page.goto(f"http://127.0.0.1:{attacker_port}/plant/mallory")  # the attacker reads it
    expect(page.locator(".evidence")).to_contain_text("alice's secret plan")


@pytest.mark.lesson("weakness")
@pytest.mark.parametrize("stage_name", WEAK_STAGES)
def test_a_junk_login_cookie_from_another_port_keeps_you_logged_out(
    page, app, live_server, attacker_port
):
    log_in_as_a_new_user(page, app)
    plant(page, attacker_port, "Plant a junk login cookie")
    page.goto(f"{live_server}/")
    assert fetch_status(page, "GET", "/api/me") == 401
    login = {"username": "alice", "password": TEST_PASSWORD}
    assert fetch_status(page, "POST", "/api/login", login) == 200  # the login works...
    assert fetch_status(page, "GET", "/api/me") == 401  # ...and the junk still goes first


FIXED_STAGES = ["07_final_todo", "08_inventory_rbac"]
PLANTED_NOTICE = "put cookies of its own in your browser"


def log_in_again_on_the_page(page, app, stage_name):
    """Log in through the stage's login form, where the refused login has sent the page
    already; the page the login leads to loads."""
    expect(page).to_have_url(re.compile("/login$"))
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(re.escape(STAGE_PAGE[stage_name[:2]]) + "$"))
    expect(page.get_by_role("banner")).to_contain_text("alice")


@pytest.mark.lesson("fix")
@pytest.mark.parametrize("stage_name", FIXED_STAGES)
def test_a_login_planted_by_a_page_on_another_port_is_refused_and_the_page_says_so(
    page, app, live_server, attacker_port, stage_name
):
    make_mallory(app)
    log_in_as_a_new_user(page, app)
    plant(page, attacker_port, "Plant mallory's login")
    page.goto(STAGE_PAGE[stage_name[:2]])
    expect(page).to_have_url(re.compile("/login$"))
    expect(page.locator(".notice")).to_contain_text(PLANTED_NOTICE)
    # The answer told the browser to forget the site's cookies, the planted ones too.
    assert page.context.cookies(live_server) == []
    log_in_again_on_the_page(page, app, stage_name)
    if stage_name[:2] == "07":
        page.get_by_label(ADD_A_TODO["07"]).fill("alice's secret plan")
        page.get_by_role("button", name="Add").click()
        expect(page.locator(".todo-title")).to_have_text(["alice's secret plan"])
        assert todos_of(app, "mallory", MALLORY_PASSWORD) == []


@pytest.mark.lesson("fix")
@pytest.mark.parametrize("stage_name", FIXED_STAGES)
def test_a_junk_login_cookie_planted_by_a_page_on_another_port_keeps_nobody_out(
    page, app, live_server, attacker_port, stage_name
):
    make_mallory(app)
    log_in_as_a_new_user(page, app)
    plant(page, attacker_port, "Plant a junk login cookie")
    page.goto(STAGE_PAGE[stage_name[:2]])
    expect(page.locator(".notice")).to_contain_text(PLANTED_NOTICE)
    log_in_again_on_the_page(page, app, stage_name)
    assert fetch_status(page, "GET", "/api/me") == 200


# A page on another port has the stage's answer to an <img> wipe the user's cookies
# (Clear-Site-Data), then plants mallory's login: no second cookie would be left to see.
WIPE_THEN_PLANT = """async ([stage, token, csrf]) => {
    document.cookie = "access_token=junk; path=/api/me; max-age=60";
    await new Promise((done) => {
        const image = new Image();
        image.onload = image.onerror = done;
        image.src = `${stage}/api/me`;
    });
    document.cookie = `access_token=${token}; path=/api; max-age=3600`;
    document.cookie = `csrf_token=${csrf}; path=/; max-age=3600`;
}"""


@pytest.mark.lesson("fix")
@pytest.mark.parametrize("stage_name", FIXED_STAGES)
def test_a_page_on_another_port_cannot_have_the_stage_wipe_your_login_to_plant_its_own(
    page, app, live_server, attacker_port, stage_name
):
    planted = mallorys_login(app)
    log_in_as_a_new_user(page, app)
    page.goto(f"http://127.0.0.1:{attacker_port}/plant")
    page.evaluate(WIPE_THEN_PLANT, [live_server, *planted])
    page.goto(STAGE_PAGE[stage_name[:2]])
    expect(page).to_have_url(re.compile("/login$"))  # alice's cookie was still there
    expect(page.locator(".notice")).to_contain_text(PLANTED_NOTICE)


# What no check can see (07's README): a neighbour opens the stage's page in a pop-up after
# planting a second csrf_token for its path; the page has the browser forget the site's
# cookies, ours too, and the neighbour plants mallory's login into the empty jar.
EMPTY_THE_JAR = """async (page) => {
    document.cookie = `csrf_token=junk; path=${new URL(page).pathname}; max-age=60`;
    window.open(page);
    while (document.cookie.includes("csrf_token=")) {
        await new Promise((done) => setTimeout(done, 50));
    }
}"""
PLANT = """([token, csrf]) => {
    document.cookie = `access_token=${token}; path=/api; max-age=3600`;
    document.cookie = `csrf_token=${csrf}; path=/; max-age=3600`;
}"""


@pytest.mark.parametrize("stage_name", FIXED_STAGES)
def test_a_neighbour_can_have_our_page_empty_the_jar_then_plant_its_own_login(
    page, app, live_server, attacker_port, stage_name
):
    planted = mallorys_login(app)
    log_in_as_a_new_user(page, app)
    page.goto(f"http://127.0.0.1:{attacker_port}/plant")
    stage_page = f"{live_server}{STAGE_PAGE[stage_name[:2]]}"
    with page.context.expect_page() as opened:
        page.evaluate(EMPTY_THE_JAR, stage_page)
    # Our page in the pop-up ends on the login page; the neighbour waits for that (it
    # cannot close the window: the opener policy), then plants its login in the empty jar.
    opened.value.wait_for_url(f"{live_server}/login*")
    opened.value.wait_for_load_state("networkidle")
    page.evaluate(PLANT, planted)
    page.goto(stage_page)
    expect(page.get_by_role("banner")).to_contain_text("mallory")  # the page shows whose


# The paths of each stage's own pages, where a junk csrf_token planted for one comes before
# the user's own in document.cookie, and the API, under /api, never sees it.
PAGE_PATHS = {
    "07": ["/app", "/account", "/login"],
    "08": ["/products", "/orders", "/users", "/account", "/login"],
}
PLANT_FOR_PAGES = """(paths) => {
    for (const path of paths) document.cookie = `csrf_token=junk; path=${path}; max-age=3600`;
}"""


@pytest.mark.lesson("fix")
@pytest.mark.parametrize("stage_name", FIXED_STAGES)
def test_a_csrf_cookie_planted_for_the_pages_own_paths_is_seen_and_forgotten_by_the_page(
    page, app, live_server, attacker_port, stage_name
):
    log_in_as_a_new_user(page, app)
    page.goto(f"http://127.0.0.1:{attacker_port}/plant")
    page.evaluate(PLANT_FOR_PAGES, PAGE_PATHS[stage_name[:2]])
    page.goto(STAGE_PAGE[stage_name[:2]])
    expect(page).to_have_url(re.compile("/login$"))
    expect(page.locator(".notice")).to_contain_text(PLANTED_NOTICE)
    assert page.context.cookies(live_server) == []  # the page had the browser forget them
    log_in_again_on_the_page(page, app, stage_name)
    page.get_by_role("button", name="Log out").click()  # a change: the CSRF value is right
    expect(page).to_have_url(re.compile("/login$"))
    expect(page.locator(".notice")).to_contain_text("logged out")


# --- The stage in a frame of a same-site page ------------------------------------------------

# The button that a framed click presses, and what it must have ended, by stage: 04 and 06
# end every session of the user (the other device too); 05 can only forget its cookie.
FRAMED_CLICK = {
    "04_session_cookies": "Log out everywhere",
    "05_jwt_stateless": "Log out",
    "06_jwt_session_backup": "Log out everywhere",
}


@pytest.mark.lesson("weakness")
@pytest.mark.parametrize("stage_name", FRAMED_CLICK)
def test_a_page_on_another_port_frames_the_stage_logged_in_and_a_click_in_it_counts(
    page, app, live_server, attacker_port, stage, stage_name
):
    log_in_as_a_new_user(page, app)
    phone = app.test_client()  # alice on another device
    auth_actions.for_stage(app.name)(phone).login("alice", TEST_PASSWORD)
    framed = page.frame_locator("iframe[name=stage]")
    page.goto(f"http://localhost:{attacker_port}/frame")  # another site: no cookie goes
    expect(framed.get_by_role("button", name="Log in")).to_be_visible()
    page.goto(f"http://127.0.0.1:{attacker_port}/frame")
    expect(framed.locator("#username")).to_have_text("alice")  # the frame is logged in
    with page.expect_response(re.compile(r"/api/logout")) as answer:
        framed.get_by_role("button", name=FRAMED_CLICK[stage_name], exact=True).click()
    assert answer.value.status == 204
    assert page.context.cookies(live_server) == []
    if stage_name[:2] != "05":  # every session of alice's has ended, the phone's too
        with app.app_context():
            db = stage.db.db
            assert db.session.scalar(db.select(db.func.count(stage.models.UserSession.id))) == 0


@pytest.mark.lesson("fix")
@pytest.mark.parametrize("stage_name", FIXED_STAGES)
def test_no_page_can_frame_the_stage_so_no_click_lands_in_it(page, app, live_server, attacker_port):
    log_in_as_a_new_user(page, app)
    with page.expect_response(f"{live_server}/") as answer:
        page.goto(f"http://127.0.0.1:{attacker_port}/frame")
    assert "frame-ancestors 'none'" in answer.value.headers["content-security-policy"]
    page.wait_for_load_state("load")
    stage_frame = page.frame("stage")
    assert not stage_frame.url.startswith(live_server)  # the browser showed its error page
    assert stage_frame.locator("button, a").count() == 0
