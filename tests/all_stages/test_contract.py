"""What every stage promises, tested against every stage folder found.

A new stage is covered the day its folder appears.
"""

import importlib
import json
import os
import re

import pytest
from course import STAGES
from flask import Flask
from harness.routes import (
    api_urls,
    assert_json_client_error,
    concrete_url,
    new_user_client,
    write_routes,
)
from werkzeug.test import EnvironBuilder, run_wsgi_app

pytestmark = pytest.mark.parametrize("stage_name", STAGES)

# Every field name the course's APIs take: each is sent with hostile values below.
FIELDS = [
    "text", "title", "done", "username", "password", "current_password", "new_password",
    "sku", "name", "price_cents", "quantity", "customer", "items", "role", "active",
]  # fmt: skip
WRONG_TYPES = [None, True, 0, -1, 2**70, 1.5, "", " ", "x" * 20_000, [], {}, ["x"], {"x": 1}]
NOT_AN_OBJECT = [None, 1, "text", [], [{"title": "x"}], True]


def reads_a_json_body(client, method, url):
    """A route that answers an empty body with 400 is one that needs a JSON body."""
    return client.open(url, method=method).status_code == 400


def sample_url(route):
    """ROUTE with a value of the right shape for each path parameter."""
    samples = {"public_id": "x" * 22}  # a session's public id; ids and positions: 1
    return re.sub(r"<(?:(\w+):)?[^>]+>", lambda m: samples.get(m.group(1), "1"), route)


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
        response = client.open(sample_url(route), method=method)
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
        ]
        for body in bodies:
            assert_json_client_error(client.open(url, method=method, **body))
        for field in FIELDS:
            for value in WRONG_TYPES:
                response = client.open(url, method=method, json={field: value})
                assert_json_client_error(response)
                if is_refused_by_name(response, field):
                    # A field the route does not take is refused by its name before its
                    # value is read: every other value of it takes the same path.
                    break


def is_refused_by_name(response, field):
    return response.status_code == 400 and response.get_json()["error"] == f"{field}: unknown field"


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


def test_a_body_over_64_kib_sent_in_chunks_gets_413_too(app, client):
    """With no Content-Length, the server only learns the size by reading (Werkzeug cuts
    such a body at the limit rather than refusing it). A real server hands the app a
    chunked body as this does: a stream that ends by itself (wsgi.input_terminated) and
    no Content-Length. (Sent through a real socket, the server's 413 races the rest of
    the upload, and the client may see its connection reset instead of the answer.)"""
    public_body_routes = [
        url
        for method, url in write_routes(app)
        if method == "POST" and "<" not in url and reads_a_json_body(client, "POST", url)
    ]  # 01 has none: its API reads no bodies
    for url in public_body_routes:
        body = b" " * 70 * 1024  # JSON allows any amount of white space
        builder = EnvironBuilder(url, method="POST", data=body, content_type="application/json")
        environ = builder.get_environ()
        del environ["CONTENT_LENGTH"]
        environ["wsgi.input_terminated"] = True
        chunks, status, headers = run_wsgi_app(app, environ, buffered=True)
        assert status.startswith("413"), url
        assert json.loads(b"".join(chunks))["error"]


@pytest.mark.parametrize("char", ["\u200b", "\u202e", "\u2066"])
def test_invisible_and_direction_changing_characters_are_refused_in_text(app, char):
    """Unicode's format characters (category Cf) make one text look like another: a
    zero-width space, a right-to-left override, an isolate."""
    client = new_user_client(app)
    routes = {rule.rule for rule in app.url_map.iter_rules()}
    bodies = [
        ("/api/todos", {"title": f"a{char}b"}),
        ("/api/todos", {"text": f"a{char}b"}),
        ("/api/register", {"username": f"a{char}b", "password": "a good password"}),
    ]
    checked = 0
    for route, body in bodies:
        if route not in routes:
            continue
        response = client.post(route, json=body)
        field = next(iter(body))
        if response.get_json()["error"] == f"{field}: unknown field":
            continue  # this stage's todos have the other field
        assert response.status_code == 400, (route, body)
        assert response.get_json()["error"].startswith(f"{field}:")
        checked += 1
    assert checked >= 1 or not {"/api/todos", "/api/register"} & routes
