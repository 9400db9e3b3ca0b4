"""Stage 01's leak, tried again on every stage with users: a secret in a URL lands in
access logs, Referer headers and the browser's history. From 03 on, no password, session
id, token or CSRF value may appear in any URL the page asks for, nor in the access log."""

import json
import logging
from urllib.parse import quote, quote_plus

import pytest
from auth_actions import TEST_PASSWORD
from course import STAGES
from helpers import at
from playwright.sync_api import expect

USER_STAGES = [stage for stage in STAGES if stage >= "03"]


def journey_of_a_todo_stage(page):
    """Stages 03 to 06: one page, its login form and its todo list."""
    page.goto("/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Register").click()
    expect(page.locator("#username")).to_have_text("alice")
    page.get_by_label("New todo").fill("buy milk")
    page.get_by_role("button", name="Add").click()
    expect(page.locator("#todos .title")).to_have_text(["buy milk"])
    yield  # logged in, with a todo: the secrets are all handed out
    page.get_by_role("button", name="Log out", exact=True).click()
    expect(page.get_by_role("button", name="Log in")).to_be_visible()


def journey_of_07(page):
    page.goto("/register")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(at("/app"))
    page.get_by_label("New to-do").fill("buy milk")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator(".todo-title")).to_have_text(["buy milk"])
    yield
    page.get_by_role("button", name="Log out", exact=True).click()
    expect(page).to_have_url(at("/login"))


def journey_of_08(page):
    """08 has no sign-up: the admin is made on the command line, by the auth fixture."""
    page.goto("/login")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(at("/products"))
    page.get_by_role("button", name="Add product").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("SKU").fill("TAPE-01")
    dialog.get_by_label("Name").fill("Packing tape")
    dialog.get_by_label("Price").fill("3.50")
    dialog.get_by_label("In stock").fill("30")
    dialog.get_by_role("button", name="Save").click()
    expect(page.get_by_role("row").filter(has_text="TAPE-01")).to_have_count(1)
    yield
    page.get_by_role("button", name="Log out", exact=True).click()
    expect(page).to_have_url(at("/login"))


JOURNEYS = {"07_final_todo": journey_of_07, "08_inventory_rbac": journey_of_08}


def secrets_held_by(page):
    """{where it is kept: value} for every cookie and every stored value of the page long
    enough to be a secret (session ids, tokens, CSRF values)."""
    held = {f"cookie {c['name']}": c["value"] for c in page.context.cookies()}
    for storage in ["localStorage", "sessionStorage"]:
        values = json.loads(page.evaluate(f"JSON.stringify({{...{storage}}})"))
        held |= {f"{storage} {name}": value for name, value in values.items()}
    return {where: value for where, value in held.items() if len(value) >= 16}


def found_in(secret, lines):
    """The lines that hold SECRET, as it is or encoded for a URL."""
    forms = {secret, quote(secret, safe=""), quote_plus(secret)}
    return [line for line in lines if any(form in line for form in forms)]


@pytest.mark.lesson("fix")
@pytest.mark.parametrize("stage_name", USER_STAGES)
def test_no_secret_ever_appears_in_a_url_or_the_access_log(stage_name, auth, own_page, caplog):
    page = own_page  # it listens to every request: a tab of its own
    if stage_name == "08_inventory_rbac":
        assert auth.register("alice", role="admin").exit_code == 0
    urls = []
    page.context.on("request", lambda request: urls.append(request.url))
    secrets = {"the password": TEST_PASSWORD}
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        for _ in JOURNEYS.get(stage_name, journey_of_a_todo_stage)(page):
            secrets |= secrets_held_by(page)
    access_log = [record.getMessage() for record in caplog.records if record.name == "werkzeug"]
    assert len(secrets) >= 2, secrets  # the password, and what the login handed out
    assert any("/api/login" in line for line in access_log)  # the log was captured
    leaks = [
        f"{where} in {line}"
        for where, value in secrets.items()
        for line in found_in(value, urls + access_log)
    ]
    assert leaks == []
