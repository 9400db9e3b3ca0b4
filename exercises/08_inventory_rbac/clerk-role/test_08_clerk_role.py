"""Your turn, stage 08: a fourth role, the clerk, who fulfils orders but may not place
or cancel them. See README.md beside this file."""

import pytest
from auth_actions import TEST_PASSWORD

STAGE = "08_inventory_rbac"
FULFIL = "POST /api/orders/<id:order_id>/fulfil"


@pytest.fixture
def client_as(app, auth_for):
    """`client_as("clerk", "cleo")`: a new client, logged in as a new user with that role."""

    def log_in(role, username):
        client = app.test_client()
        # register() makes the user on the command line, as the stage does; it must work.
        result = auth_for(client).register(username, TEST_PASSWORD, role=role)
        assert result.exit_code == 0, result.output
        auth_for(client).log_in_as(username, role=role)
        return client

    return log_in


@pytest.fixture
def admin(client_as):
    return client_as("admin", "ada")


@pytest.fixture
def manager(client_as):
    return client_as("manager", "max")


@pytest.fixture
def clerk(client_as):
    return client_as("clerk", "cleo")


@pytest.fixture
def mugs(admin):
    """A product with 5 in stock."""
    body = {"sku": "MUG-01", "name": "Coffee mug", "price_cents": 890, "quantity": 5}
    return admin.post("/api/products", json=body).get_json()["id"]


@pytest.fixture
def open_order(manager, mugs):
    """An open order for 2 of the 5 mugs."""
    body = {"customer": "Grace", "items": [{"product_id": mugs, "quantity": 2}]}
    return manager.post("/api/orders", json=body).get_json()["id"]


def stock(client, product_id):
    return client.get(f"/api/products/{product_id}").get_json()["quantity"]


def test_an_admin_can_make_a_clerk(admin):
    body = {"username": "cleo", "password": TEST_PASSWORD, "role": "clerk"}
    response = admin.post("/api/users", json=body)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["role"] == "clerk"


def test_a_clerk_fulfils_an_open_order(clerk, open_order):
    response = clerk.post(f"/api/orders/{open_order}/fulfil")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "fulfilled"


def test_a_clerk_may_not_place_an_order(clerk, mugs):
    body = {"customer": "Grace", "items": [{"product_id": mugs, "quantity": 1}]}
    response = clerk.post("/api/orders", json=body)
    assert response.status_code == 403
    assert response.get_json() == {"error": "not allowed for the role clerk"}
    assert stock(clerk, mugs) == 5
    assert clerk.get("/api/orders").get_json() == []


def test_a_clerk_may_not_cancel_an_order(clerk, mugs, open_order):
    response = clerk.post(f"/api/orders/{open_order}/cancel")
    assert response.status_code == 403
    assert clerk.get(f"/api/orders/{open_order}").get_json()["status"] == "open"
    assert stock(clerk, mugs) == 3


def test_a_clerk_changes_no_products_and_no_users(clerk, mugs):
    assert clerk.patch(f"/api/products/{mugs}", json={"quantity": 999}).status_code == 403
    assert clerk.get("/api/users").status_code == 403
    body = {"username": "mallory", "password": TEST_PASSWORD, "role": "admin"}
    assert clerk.post("/api/users", json=body).status_code == 403
    assert stock(clerk, mugs) == 5


def test_managers_still_fulfil_and_the_others_still_may_not(app, manager, admin, mugs, client_as):
    viewer = client_as("viewer", "vic")
    body = {"customer": "Grace", "items": [{"product_id": mugs, "quantity": 1}]}
    orders = [manager.post("/api/orders", json=body).get_json()["id"] for _ in range(2)]
    assert viewer.post(f"/api/orders/{orders[0]}/fulfil").status_code == 403
    assert admin.post(f"/api/orders/{orders[0]}/fulfil").status_code == 403
    assert manager.post(f"/api/orders/{orders[1]}/fulfil").status_code == 200


def allowed_routes(app, role):
    """The routes ("METHOD /path") that ROLE may use, as the code says."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        roles = app.view_functions[rule.endpoint].allowed_roles
        if roles == "public" or role in roles:
            routes |= {f"{method} {rule.rule}" for method in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def test_a_clerk_may_use_every_route_a_viewer_may_and_fulfil_nothing_more(app):
    assert FULFIL not in allowed_routes(app, "viewer")
    assert allowed_routes(app, "clerk") == allowed_routes(app, "viewer") | {FULFIL}
