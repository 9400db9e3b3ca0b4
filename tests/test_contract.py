"""What every stage promises, tested against every stage folder found.

A new stage is covered the day its folder appears.
"""

import importlib
import itertools
import json
import os
import re

import pytest
from conftest import STAGES, log_in
from flask import Flask

pytestmark = pytest.mark.parametrize("stage_name", STAGES)

WRITE_METHODS = {"POST", "PUT", "PATCH"}
# Every field name the course's APIs take: each is sent with hostile values below.
FIELDS = [
    "text", "title", "done", "username", "password", "current_password", "new_password",
    "sku", "name", "price_cents", "quantity", "customer", "items", "role", "active",
]  # fmt: skip
WRONG_TYPES = [None, True, 0, -1, 2**70, 1.5, "", " ", "x" * 20_000, [], {}, ["x"], {"x": 1}]
NOT_AN_OBJECT = [None, 1, "text", [], [{"title": "x"}], True]
# Bodies that create an object in one stage or another, so that routes with an id have
# a real object to work on and get as far as reading the body.
SAMPLE_BODIES = [
    {"title": "sample"},
    {"text": "sample"},
    {"sku": "SAMPLE", "name": "sample", "price_cents": 100, "quantity": 10},
]
user_numbers = itertools.count()


def api_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")]


def api_urls(app):
    """{route: allowed methods} for every /api/ route."""
    routes = {}
    for rule in api_rules(app):
        routes[rule.rule] = routes.get(rule.rule, set()) | rule.methods
    return routes


def write_routes(app):
    return [
        (method, route)
        for route, methods in api_urls(app).items()
        for method in sorted(methods & WRITE_METHODS)
    ]


def concrete_url(client, route):
    """ROUTE with its path parameter filled in: /api/todos/<id:todo_id> becomes
    /api/todos/<the id of a todo this client owns>, made with a sample body if needed."""
    collection, rest = re.fullmatch(r"([^<]*)(?:/<[^>]+>(.*))?", route).groups()
    if rest is None:
        return route
    items = client.get(collection).get_json(silent=True)
    for body in SAMPLE_BODIES:
        if not items:
            client.post(collection, json=body)
            items = client.get(collection).get_json(silent=True)
    if not isinstance(items, list) or not items:
        return f"{collection}/1{rest}"
    first = items[0]
    return f"{collection}/{first['id'] if isinstance(first, dict) else 0}{rest}"


def new_user_client(app):
    """A client logged in as a user of its own (where the stage has users), so that a
    route which logs out ends no other test's session."""
    client = app.test_client()
    if "/api/login" in {rule.rule for rule in app.url_map.iter_rules()}:
        log_in(client, f"user{next(user_numbers)}")
    return client


def assert_json_client_error(response):
    assert response.status_code < 500, response.get_data(as_text=True)
    if response.status_code == 204:
        return
    assert response.is_json, response.get_data(as_text=True)
    if response.status_code >= 400:
        assert isinstance(response.get_json().get("error"), str)


def reads_a_json_body(client, method, url):
    """A route that answers an empty body with 400 is one that needs a JSON body."""
    return client.open(url, method=method).status_code == 400


def test_stage_imports_and_has_an_app_factory(stage_name):
    module = importlib.import_module(stage_name)
    assert callable(module.create_app)


def test_app_starts_with_its_defaults(stage_name, tmp_path, monkeypatch):
    """create_app() with no test config, as `flask --app NAME run` calls it. (Its
    instance/ folder, where the data goes, is moved to a temporary one.)"""
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda app: str(tmp_path))
    for name in list(os.environ):
        if name.startswith("FLASK_"):
            monkeypatch.delenv(name)
    app = importlib.import_module(stage_name).create_app()
    assert app.config["MAX_CONTENT_LENGTH"] == 64 * 1024
    with app.test_client().get("/") as response:  # a page may be a file: close it
        assert response.status_code == 200


def test_index_serves_a_page(client):
    with client.get("/") as response:
        assert response.status_code == 200
        assert response.mimetype == "text/html"


def test_unknown_api_route_is_a_json_404(client):
    response = client.get("/api/no-such-route")
    assert response.status_code == 404
    assert response.is_json
    assert response.get_json()["error"]


def test_wrong_method_is_a_json_405(app, client):
    for route, methods in api_urls(app).items():
        method = next(m for m in ["DELETE", "PUT", "PATCH", "POST", "GET"] if m not in methods)
        response = client.open(re.sub(r"<[^>]+>", "1", route), method=method)
        assert response.status_code == 405, (method, route)
        assert response.is_json
        assert "Allow" in response.headers


def test_hostile_bodies_get_json_errors_never_500(app):
    for method, route in write_routes(app):
        client = new_user_client(app)
        url = concrete_url(client, route)
        bodies = [
            {"data": b"{not json", "content_type": "application/json"},
            {"data": b"\xff\xfe\xfa", "content_type": "application/json"},
            {"data": json.dumps({"title": "x"}), "content_type": "text/plain"},
            {"data": "[" * 5000 + "]" * 5000, "content_type": "application/json"},
            *({"json": body} for body in NOT_AN_OBJECT),
            {"json": {"unknown_field": "x"}},
            *({"json": {field: value}} for field in FIELDS for value in WRONG_TYPES),
        ]
        for body in bodies:
            assert_json_client_error(client.open(url, method=method, **body))


def test_bodies_over_64_kib_get_413(app):
    too_big = json.dumps({"title": "x" * 70_000})
    for method, route in write_routes(app):
        client = new_user_client(app)
        url = concrete_url(client, route)
        if reads_a_json_body(client, method, url):
            response = client.open(
                url, method=method, data=too_big, content_type="application/json"
            )
            assert response.status_code == 413, (method, url)
            assert response.is_json


def test_logging_out_is_a_post(app, client):
    """A GET that changes state can be triggered by an image tag on any site."""
    routes = {rule.rule for rule in app.url_map.iter_rules()}
    for route in sorted({"/api/logout", "/api/logout-all"} & routes):
        response = client.get(route)
        assert response.status_code == 405, route
        assert response.is_json
