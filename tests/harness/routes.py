"""Walking every /api/ route of a stage, found from the app's url_map (the contract,
sweep and attack tests): the routes, a concrete URL for a route with an id, a client of a
user of its own, and the check that an answer is a JSON client error, never a 500."""

import itertools
import re

import auth_actions

WRITE_METHODS = {"POST", "PUT", "PATCH"}
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
    if auth_actions.for_stage(app.name) is not None:
        auth_actions.for_client(client).log_in_as(f"user{next(user_numbers)}")
    return client


def assert_json_client_error(response):
    assert response.status_code < 500, response.get_data(as_text=True)
    if response.status_code == 204:
        return
    assert response.is_json, response.get_data(as_text=True)
    if response.status_code >= 400:
        assert isinstance(response.get_json().get("error"), str)
