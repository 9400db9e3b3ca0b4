"""Stage 08's back end: roles on every route, products, orders with stock, users.
Every test that uses the app runs twice: on SQLite and on PostgreSQL. The screens are
tested in a real browser in test_08_inventory_rbac_browser.py."""

import itertools
import json
import re
import threading
import urllib.error
import urllib.request
from datetime import timedelta

import jwt
import pytest
from auth_actions import TEST_PASSWORD
from course import CHEAP_HASH_METHOD, ROOT
from helpers import at_once, set_cookies, sql_statements, with_token
from werkzeug.exceptions import Conflict

STAGE = "08_inventory_rbac"
ROLES = ["admin", "manager", "viewer"]
ALL = "admin, manager, viewer"
user_numbers = itertools.count()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite'}"
    return request.getfixturevalue("postgresql_url")


@pytest.fixture
def app_config(app_config, database_url):
    return {**app_config, "SQLALCHEMY_DATABASE_URI": database_url}


@pytest.fixture
def client_as(app, auth_for):
    """`client_as("manager")`: a new client, logged in as a new user with that role (or as
    USERNAME: `client_as("admin", "ada")`)."""

    def log_in(role, username=None):
        client = app.test_client()
        auth_for(client).log_in_as(username or f"{role}{next(user_numbers)}", role=role)
        return client

    return log_in


@pytest.fixture
def admin(client_as):
    return client_as("admin", "ada")


@pytest.fixture
def manager(client_as):
    return client_as("manager", "max")


@pytest.fixture
def viewer(client_as):
    return client_as("viewer", "vic")


def add_product(admin, sku="MUG-01", price_cents=890, quantity=5, name="Coffee mug"):
    response = admin.post(
        "/api/products",
        json={"sku": sku, "name": name, "price_cents": price_cents, "quantity": quantity},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def order(manager, *items, customer="Grace"):
    body = {"customer": customer, "items": [{"product_id": p, "quantity": q} for p, q in items]}
    return manager.post("/api/orders", json=body)


def stock(client, product_id):
    return client.get(f"/api/products/{product_id}").get_json()["quantity"]


# --- Every route states its roles -----------------------------------------------------------


def route_roles(app):
    """{"METHOD /path": "roles"} as the code says, for every route but static files."""
    table = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        roles = app.view_functions[rule.endpoint].allowed_roles  # AttributeError: no rule
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            table[f"{method} {rule.rule}"] = roles if roles == "public" else ", ".join(roles)
    return table


def test_every_route_states_which_roles_it_allows(app):
    missing = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        and not hasattr(app.view_functions[rule.endpoint], "allowed_roles")
    ]
    assert not missing, f"routes without @login_required, @roles_required or @public: {missing}"


def test_the_readme_table_is_the_code(app):
    readme = (ROOT / STAGE / "README.md").read_text()
    rows = re.findall(r"^\| `(\w+ /\S*)` \| ([^|]+?) \|", readme, flags=re.MULTILINE)
    documented = {route: roles.strip() for route, roles in rows}
    assert documented == route_roles(app)


# --- The matrix: every route, every role and anonymous, the exact status ---------------------


class Fresh:
    """New objects for each call of the matrix, made by an admin and a manager of its own."""

    def __init__(self, client_as):
        self.client_as = client_as
        self.admin, self.manager = client_as("admin"), client_as("manager")

    def product(self):
        return add_product(self.admin, sku=f"P-{next(user_numbers)}")["id"]

    def order(self):
        return order(self.manager, (self.product(), 1)).get_json()["id"]

    def session(self, client):
        """The id of a second session of CLIENT's user."""
        username = client.get("/api/me").get_json()["username"]
        self.client_as("viewer", username)  # the user exists: this only logs in again
        return next(s["id"] for s in client.get("/api/sessions").get_json() if not s["current"])

    def user(self):
        body = {"username": f"new{next(user_numbers)}", "password": TEST_PASSWORD, "role": "viewer"}
        return self.admin.post("/api/users", json=body).get_json()


PRODUCT = {"sku": "NEW-1", "name": "New product", "price_cents": 100, "quantity": 1}
# (method, path with its ids made fresh for each call, body, the roles allowed, success)
MATRIX = [
    ("GET", "/", None, "public", 200),
    ("GET", "/{page}", None, "public", 200),
    ("POST", "/api/login", {"username": "{someone}", "password": TEST_PASSWORD}, "public", 200),
    ("GET", "/api/me", None, ALL, 200),
    ("GET", "/api/products", None, ALL, 200),
    ("GET", "/api/products/{product}", None, ALL, 200),
    ("POST", "/api/products", PRODUCT, "admin", 201),
    ("PATCH", "/api/products/{product}", {"price_cents": 250}, "admin", 200),
    ("DELETE", "/api/products/{product}", None, "admin", 204),
    ("GET", "/api/orders", None, ALL, 200),
    ("GET", "/api/orders/{order}", None, ALL, 200),
    ("POST", "/api/orders", {"customer": "Grace", "items": "{items}"}, "manager", 201),
    ("POST", "/api/orders/{order}/fulfil", None, "manager", 200),
    ("POST", "/api/orders/{order}/cancel", None, "manager", 200),
    ("GET", "/api/users", None, "admin", 200),
    ("POST", "/api/users", {"username": "{username}", "password": TEST_PASSWORD,
                            "role": "viewer"}, "admin", 201),
    ("PATCH", "/api/users/{user}", {"role": "manager"}, "admin", 200),
    ("GET", "/api/sessions", None, ALL, 200),
    ("DELETE", "/api/sessions/{session}", None, ALL, 204),
    ("POST", "/api/password", {"current_password": TEST_PASSWORD,
                               "new_password": TEST_PASSWORD}, ALL, 204),
    ("POST", "/api/logout", None, ALL, 204),
    ("POST", "/api/logout-all", None, ALL, 204),
]  # fmt: skip


def fill(value, fresh, app, client):
    """Put fresh ids into a path or a body."""
    if isinstance(value, dict):
        return {key: fill(item, fresh, app, client) for key, item in value.items()}
    if value == "{items}":
        return [{"product_id": fresh.product(), "quantity": 1}]
    if not isinstance(value, str):
        return value
    makers = {
        "{product}": fresh.product,
        "{order}": fresh.order,
        "{user}": lambda: fresh.user()["id"],
        "{someone}": lambda: fresh.user()["username"],
        "{session}": lambda: fresh.session(client),
        "{username}": lambda: f"new{next(user_numbers)}",
        "{page}": lambda: "products",
    }
    for placeholder, make in makers.items():
        if placeholder in value:
            value = value.replace(placeholder, str(make()))
    return value


@pytest.mark.parametrize(("method", "path", "body", "allowed", "success"), MATRIX)
def test_route_role_matrix(app, method, path, body, allowed, success, client_as):
    fresh = Fresh(client_as)
    for role in [None, *ROLES]:
        client = client_as(role) if role else app.test_client()
        if role is None and "{session}" in path:
            url = path.replace("{session}", "x" * 22)  # no such session, but its shape
        else:
            url = fill(path, fresh, app, client)
        with client.open(url, method=method, json=fill(body, fresh, app, client)) as response:
            if allowed == "public" or role in allowed.split(", "):
                expected = success
            else:
                expected = 403 if role else 401
            assert response.status_code == expected, (role, method, url, response.get_data())


def test_the_matrix_covers_every_route(app):
    def shape(route):
        return re.sub(r"<[^>]+>|\{\w+\}", "<>", route)

    assert {shape(f"{method} {path}") for method, path, *_ in MATRIX} == {
        shape(route) for route in route_roles(app)
    }


# --- The token says who; the database says what they may do -------------------------------


@pytest.mark.lesson("fix")
def test_hiding_a_button_is_not_access_control_a_viewer_calling_the_api_gets_403(
    app, viewer, client_as
):
    product = add_product(client_as("admin"))
    # The viewer's page shows no "New order" button; the viewer sends the request anyway.
    response = order(viewer, (product["id"], 1))
    assert response.status_code == 403
    assert response.get_json() == {"error": "not allowed for the role viewer"}
    assert viewer.post(f"/api/products/{product['id']}", json={}).status_code == 405
    assert viewer.patch(f"/api/products/{product['id']}", json={"quantity": 999}).status_code == 403
    assert viewer.get("/api/users").status_code == 403
    assert stock(viewer, product["id"]) == 5


@pytest.mark.lesson("fix")
def test_a_demotion_counts_from_the_next_request_not_when_the_token_expires(
    stage, app, admin, manager
):
    """The token says who the user is, never what they may do: the role is read from
    the database at every request. (An admin's demotion also ends the user's sessions,
    test_a_role_change_ends_the_users_sessions; here only the role changes, the session
    lives on, so that only the role read from the database can refuse the order.)"""
    product = add_product(admin)
    assert order(manager, (product["id"], 1)).status_code == 201
    with app.app_context():
        db, users = stage.db.db, stage.models.User
        db.session.execute(db.update(users).filter_by(username="max").values(role="viewer"))
        db.session.commit()
    # The same token, still valid for minutes, from a session still alive:
    response = order(manager, (product["id"], 1))
    assert response.status_code == 403
    assert response.get_json() == {"error": "not allowed for the role viewer"}
    assert stock(admin, product["id"]) == 4


def test_a_deactivated_user_is_out_at_the_next_request(app, admin, manager):
    manager_id = manager.get("/api/me").get_json()["id"]
    admin.patch(f"/api/users/{manager_id}", json={"active": False})
    response = manager.get("/api/me")
    assert response.status_code == 401
    assert error_of(response).startswith("your session has ended")


def test_a_deactivated_accounts_login_gets_exactly_the_wrong_password_answer(app, admin, manager):
    """Whoever tries a deactivated account's password learns nothing: not even that the
    password was right."""
    manager_id = manager.get("/api/me").get_json()["id"]
    admin.patch(f"/api/users/{manager_id}", json={"active": False})
    right = app.test_client().post(
        "/api/login", json={"username": "max", "password": TEST_PASSWORD}
    )
    wrong = app.test_client().post(
        "/api/login", json={"username": "max", "password": "not the password"}
    )
    assert right.status_code == wrong.status_code == 401
    assert right.get_data() == wrong.get_data()


def test_a_role_change_ends_the_users_sessions(clock, app, admin, manager):
    manager_id = manager.get("/api/me").get_json()["id"]
    admin.patch(f"/api/users/{manager_id}", json={"role": "viewer"})
    assert admin.get("/api/users").get_json()  # the admin's own sessions stay
    clock.shift(timedelta(minutes=10))
    assert manager.get("/api/me").status_code == 401  # the token could not be renewed
    assert admin.get("/api/me").status_code == 200


def test_me_says_the_role(admin, viewer):
    assert admin.get("/api/me").get_json() == {"id": 1, "username": "ada", "role": "admin"}
    assert viewer.get("/api/me").get_json()["role"] == "viewer"


def test_an_authenticated_request_loads_the_user_once_by_design(app, viewer):
    statements = sql_statements(app, lambda: viewer.get("/api/me"))
    assert len(statements) == 1
    assert 'FROM "user"' in statements[0] or "FROM user" in statements[0]


# --- Users and the last admin ------------------------------------------------------------


def test_admins_create_users_with_a_role(app, admin, auth_for):
    response = admin.post(
        "/api/users", json={"username": "Grace", "password": TEST_PASSWORD, "role": "manager"}
    )
    assert response.status_code == 201
    assert response.get_json()["username"] == "grace"
    assert response.get_json()["role"] == "manager"
    grace = app.test_client()
    assert auth_for(grace).login("grace").get_json()["role"] == "manager"


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"username": "ada", "role": "viewer"}, 409, "username: already taken"),
        ({"username": "grace", "role": "root"}, 400, "role: must be one of"),
        ({"username": "grace", "password": "short", "role": "viewer"}, 400, "password: must be"),
        ({"username": "grace"}, 400, "role: required"),
    ],
)  # fmt: skip
def test_bad_new_users_are_refused(admin, body, status, error):
    response = admin.post("/api/users", json={"password": TEST_PASSWORD, **body})
    assert response.status_code == status
    assert response.get_json()["error"].startswith(error)
    assert [u["username"] for u in admin.get("/api/users").get_json()] == ["ada"]


@pytest.mark.parametrize("change", [{"role": "manager"}, {"active": False}])
def test_the_last_active_admin_cannot_be_demoted_or_deactivated(admin, change):
    response = admin.patch("/api/users/1", json=change)
    assert response.status_code == 409
    assert response.get_json() == {
        "error": "the last active admin cannot be demoted or deactivated"
    }
    assert admin.get("/api/me").get_json()["role"] == "admin"


def test_with_another_admin_an_admin_may_step_down(app, admin, client_as):
    client_as("admin", "bea")
    assert admin.patch("/api/users/1", json={"role": "viewer"}).status_code == 200
    assert admin.get("/api/users").status_code == 401  # logged out, to come back a viewer


def test_a_deactivated_admin_does_not_count(app, admin, client_as):
    bea = client_as("admin", "bea")
    bea_id = bea.get("/api/me").get_json()["id"]
    assert admin.patch(f"/api/users/{bea_id}", json={"active": False}).status_code == 200
    assert admin.patch("/api/users/1", json={"role": "manager"}).status_code == 409


def test_two_admins_demoting_each_other_at_once_leave_one_admin(app, live_server, client_as):
    ada, bea = client_as("admin", "ada"), client_as("admin", "bea")
    ids = {"ada": 1, "bea": 2}
    results = {}
    start = threading.Barrier(2)

    def demote(name, client, other):
        start.wait()
        results[name] = http_json(
            live_server, "PATCH", f"/api/users/{ids[other]}", {"role": "viewer"}, client
        )[0]

    threads = [
        threading.Thread(target=demote, args=("ada", ada, "bea")),
        threading.Thread(target=demote, args=("bea", bea, "ada")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # One demotion wins; the other finds its sender demoted and logged out (401) or
    # finds the last admin (409). Never both.
    assert sorted(results.values()) in ([200, 401], [200, 409])
    survivor = ada if results["ada"] == 200 else bea
    roles = [user["role"] for user in survivor.get("/api/users").get_json()]
    assert sorted(roles) == ["admin", "viewer"]


@pytest.mark.parametrize("body", [{"role": "root"}, {"active": "no"}, {"name": "x"}, {}])
def test_bad_user_changes_get_400_or_nothing(admin, body):
    response = admin.patch("/api/users/1", json=body)
    assert response.status_code == (200 if body == {} else 400)
    assert admin.get("/api/me").get_json()["role"] == "admin"


def test_no_such_user_is_404(admin):
    assert admin.patch("/api/users/99", json={"role": "viewer"}).status_code == 404


def test_there_is_no_public_sign_up(client):
    body = {"username": "mallory", "password": TEST_PASSWORD}
    assert client.post("/api/register", json=body).status_code == 404


# --- Products ----------------------------------------------------------------------------


def test_products_are_created_read_changed_and_deleted_by_admins(admin, viewer):
    product = add_product(admin, sku="mug-01")
    assert product == {
        "id": 1, "sku": "MUG-01", "name": "Coffee mug", "price_cents": 890, "quantity": 5,
    }  # fmt: skip
    assert viewer.get("/api/products").get_json() == [product]
    changed = admin.patch("/api/products/1", json={"price_cents": 990, "quantity": 7})
    assert changed.get_json()["price_cents"] == 990 and changed.get_json()["quantity"] == 7
    assert admin.delete("/api/products/1").status_code == 204
    assert viewer.get("/api/products/1").status_code == 404


def test_skus_are_unique_whatever_the_case(admin):
    add_product(admin, sku="MUG-01")
    response = admin.post(
        "/api/products", json={"sku": "mug-01", "name": "x", "price_cents": 1, "quantity": 1}
    )
    assert response.status_code == 409
    assert response.get_json() == {"error": "sku: MUG-01 is taken by another product"}
    other = add_product(admin, sku="LAMP-01")
    response = admin.patch(f"/api/products/{other['id']}", json={"sku": "mug-01"})
    assert response.status_code == 409
    assert response.get_json() == {"error": "sku: MUG-01 is taken by another product"}
    assert admin.get(f"/api/products/{other['id']}").get_json()["sku"] == "LAMP-01"


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("sku", "", "sku: must be 1 to 32"),
        ("sku", "has space", "sku: must be 1 to 32"),
        ("sku", "X" * 33, "sku: must be 1 to 32"),
        ("name", "", "name: must be 1 to 200"),
        ("price_cents", -1, "price_cents: must be a whole number from 0 to 100000000"),
        ("price_cents", 1.5, "price_cents: must be a whole number"),
        ("price_cents", "100", "price_cents: must be a whole number"),
        ("price_cents", True, "price_cents: must be a whole number"),
        ("price_cents", 10**9, "price_cents: must be a whole number"),
        ("quantity", -1, "quantity: must be a whole number from 0 to 1000000"),
        ("quantity", 10**7, "quantity: must be a whole number"),
    ],
)
def test_bad_products_are_refused(admin, field, value, error):
    body = {"sku": "MUG-01", "name": "Coffee mug", "price_cents": 890, "quantity": 5, field: value}
    response = admin.post("/api/products", json=body)
    assert response.status_code == 400
    assert response.get_json()["error"].startswith(error)
    assert admin.get("/api/products").get_json() == []


def test_a_product_in_an_order_cannot_be_deleted(admin, manager):
    product = add_product(admin)
    order(manager, (product["id"], 1))
    response = admin.delete(f"/api/products/{product['id']}")
    assert response.status_code == 409
    assert response.get_json() == {
        "error": "MUG-01 is in orders and cannot be deleted; set its stock to 0"
    }


# --- Orders and stock --------------------------------------------------------------------


def test_an_order_takes_stock_and_freezes_prices(admin, manager, viewer):
    mug, lamp = add_product(admin), add_product(admin, sku="LAMP-01", price_cents=3450)
    response = order(manager, (mug["id"], 2), (lamp["id"], 1))
    assert response.status_code == 201
    created = response.get_json()
    assert response.headers["Location"] == f"/api/orders/{created['id']}"
    assert created["items"] == [
        {"product_id": mug["id"], "quantity": 2, "unit_price_cents": 890},
        {"product_id": lamp["id"], "quantity": 1, "unit_price_cents": 3450},
    ]
    assert created["status"] == "open" and created["created_by"] == "max"
    assert stock(viewer, mug["id"]) == 3
    admin.patch(f"/api/products/{mug['id']}", json={"price_cents": 1})
    assert (
        viewer.get(f"/api/orders/{created['id']}").get_json()["items"][0]["unit_price_cents"] == 890
    )


def test_an_order_for_more_than_the_stock_is_409_and_takes_nothing(admin, manager):
    mug, lamp = add_product(admin, quantity=5), add_product(admin, sku="LAMP-01", quantity=1)
    response = order(manager, (mug["id"], 2), (lamp["id"], 3))
    assert response.status_code == 409
    assert response.get_json() == {"error": "not enough LAMP-01 (Coffee mug): 1 left, 3 wanted"}
    assert stock(admin, mug["id"]) == 5
    assert manager.get("/api/orders").get_json() == []


def test_cancel_gives_the_stock_back_once(admin, manager):
    mug = add_product(admin)
    order_id = order(manager, (mug["id"], 3)).get_json()["id"]
    assert manager.post(f"/api/orders/{order_id}/cancel").get_json()["status"] == "cancelled"
    assert stock(admin, mug["id"]) == 5
    response = manager.post(f"/api/orders/{order_id}/cancel")
    assert response.status_code == 409
    assert response.get_json() == {"error": f"order {order_id} is cancelled, not open"}
    assert stock(admin, mug["id"]) == 5


def test_a_fulfilled_order_keeps_its_stock_and_cannot_be_cancelled(admin, manager):
    mug = add_product(admin)
    order_id = order(manager, (mug["id"], 3)).get_json()["id"]
    assert manager.post(f"/api/orders/{order_id}/fulfil").get_json()["status"] == "fulfilled"
    assert manager.post(f"/api/orders/{order_id}/cancel").status_code == 409
    assert manager.post(f"/api/orders/{order_id}/fulfil").status_code == 409
    assert stock(admin, mug["id"]) == 2


@pytest.mark.parametrize(
    ("items", "error"),
    [
        ([], "items: must be a list of 1 to 50 items"),
        ("MUG-01", "items: must be a list of 1 to 50 items"),
        ([{"product_id": 1}], 'items: each item must be {"product_id": ..., "quantity": ...}'),
        ([{"product_id": 1, "quantity": 0}], "quantity: must be a whole number from 1 to 10000"),
        ([{"product_id": 1, "quantity": True}], "quantity: must be a whole number"),
        ([{"product_id": "1", "quantity": 1}], "product_id: must be a whole number"),
        ([{"product_id": 1, "quantity": 1}] * 2, "items: product 1 is listed twice"),
        ([{"product_id": 99, "quantity": 1}], "items: no product with id 99"),
        ([{"product_id": n, "quantity": 1} for n in range(1, 52)],
         "items: must be a list of 1 to 50 items"),
    ],
)  # fmt: skip
def test_bad_orders_are_refused_and_take_nothing(admin, manager, items, error):
    add_product(admin)
    response = manager.post("/api/orders", json={"customer": "Grace", "items": items})
    assert response.status_code == 400
    assert response.get_json()["error"].startswith(error)
    assert stock(admin, 1) == 5
    assert manager.get("/api/orders").get_json() == []


def http_json(base_url, method, path, body, client):
    """Send a request with CLIENT's cookies and CSRF header through a real HTTP server."""
    cookies = "; ".join(
        f"{name}={client.get_cookie(name).value}" for name in ("access_token", "csrf_token")
    )
    request = urllib.request.Request(
        base_url + path,
        data=json.dumps(body).encode() if body is not None else None,
        headers={
            "Content-Type": "application/json",
            "Cookie": cookies,
            "X-CSRF-Token": client.get_cookie("csrf_token").value,
        },
        method=method,
    )
    try:
        with urllib.request.urlopen(request) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.load(error)


@pytest.mark.lesson("fix")
def test_twenty_managers_ordering_the_last_five_units_at_once_get_exactly_five_orders(
    app, live_server, client_as
):
    product = add_product(client_as("admin"), quantity=5)
    managers = [client_as("manager") for _ in range(20)]
    start = threading.Barrier(20)
    statuses = []

    def place_order(manager):
        start.wait()  # all twenty at once
        body = {"customer": "Grace", "items": [{"product_id": product["id"], "quantity": 1}]}
        statuses.append(http_json(live_server, "POST", "/api/orders", body, manager)[0])

    threads = [threading.Thread(target=place_order, args=(m,)) for m in managers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201] * 5 + [409] * 15
    assert stock(managers[0], product["id"]) == 0
    assert len(managers[0].get("/api/orders").get_json()) == 5


# --- The command line --------------------------------------------------------------------


def test_create_user_makes_the_first_admin(app, runner, auth_for):
    result = runner.invoke(
        args=["create-user", "Root", "--role", "admin", "--password", TEST_PASSWORD]
    )
    assert result.exit_code == 0, result.output
    assert "Created the admin root." in result.output
    client = app.test_client()
    response = auth_for(client).login("root")
    assert response.get_json()["role"] == "admin"


def test_create_user_asks_for_the_password_twice_when_not_given(app, runner):
    answers = f"{TEST_PASSWORD}\n{TEST_PASSWORD}\n"
    result = runner.invoke(args=["create-user", "root", "--role", "admin"], input=answers)
    assert result.exit_code == 0, result.output
    assert TEST_PASSWORD not in result.output  # the prompt hides what is typed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no spaces", "--role", "admin", "--password", TEST_PASSWORD], "USERNAME"),
        (["root", "--role", "root", "--password", TEST_PASSWORD], "--role"),
        (["root", "--role", "admin", "--password", "short"], "--password"),
    ],
)
def test_create_user_refuses_bad_input(runner, args, message):
    result = runner.invoke(args=["create-user", *args])
    assert result.exit_code != 0
    assert message in result.output


def test_create_user_refuses_a_taken_name(runner):
    runner.invoke(args=["create-user", "root", "--role", "admin", "--password", TEST_PASSWORD])
    result = runner.invoke(
        args=["create-user", "root", "--role", "viewer", "--password", TEST_PASSWORD]
    )
    assert result.exit_code != 0
    assert "taken" in result.output


def test_seed_demo_prints_working_credentials_and_adds_products_once(app, runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    credentials = dict(re.findall(r"^(admin|manager|viewer)\s+\w+\s+(\S+)$", first.output, re.M))
    assert set(credentials) == set(ROLES)
    for role, password in credentials.items():
        response = app.test_client().post(
            "/api/login", json={"username": role, "password": password}
        )
        assert response.get_json()["role"] == role
    second = runner.invoke(args=["seed-demo"])
    again = dict(re.findall(r"^(admin|manager|viewer)\s+\w+\s+(\S+)$", second.output, re.M))
    assert again["admin"] != credentials["admin"]
    viewer = app.test_client()
    viewer.post("/api/login", json={"username": "viewer", "password": again["viewer"]})
    assert len(viewer.get("/api/products").get_json()) == 5


def test_seeding_again_ends_the_sessions_of_every_user_it_seeds(app, runner, auth_for):
    """Seeding again is what an instructor does after demo.txt leaked: whoever logged in
    with the old passwords is out at once, as after a password change."""
    first = runner.invoke(args=["seed-demo"])
    credentials = dict(re.findall(r"^(admin|manager|viewer)\s+\w+\s+(\S+)$", first.output, re.M))
    browsers = {}
    for role, password in credentials.items():
        browsers[role] = app.test_client()
        auth_for(browsers[role]).login(role, password)
        assert browsers[role].get("/api/me").status_code == 200
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    for role, browser in browsers.items():
        assert browser.get("/api/me").status_code == 401, f"{role}'s old login still works"


def test_the_last_admin_rule_reads_the_database_not_what_the_request_saw(stage, app, client_as):
    """What a race looks like, made slow: this request saw two admins; meanwhile the other
    was demoted. The check inside the changing statement sees the truth."""
    client_as("admin", "ada")
    client_as("admin", "bea")
    with app.test_request_context():
        db, users = stage.db.db, stage.models.User
        ada = db.session.get(users, 1)
        with db.engine.begin() as elsewhere:
            elsewhere.execute(db.update(users).filter_by(id=2).values(role="viewer"))
        with pytest.raises(Conflict):
            stage.users.change_role_or_active(ada, "viewer", True)
        db.session.rollback()
        assert db.session.get(users, 1).role == "admin"


def test_under_gunicorn_with_two_workers_twenty_orders_for_five_units_make_five(
    app, gunicorn_server, database_url, client_as
):
    """The same race across two worker processes: the database, not Python, decides."""
    product = add_product(client_as("admin"), quantity=5)
    managers = [client_as("manager") for _ in range(20)]
    with app.app_context():  # the server process reads the same database
        app.extensions["sqlalchemy"].engine.dispose()
    server = gunicorn_server(database_url)
    tokens = [
        (m, jwt.encode(claims_of(m, app), server.secret_key), m.get_cookie("csrf_token").value)
        for m in managers
    ]
    start = threading.Barrier(20)
    statuses = []

    def place_order(token, csrf):
        start.wait()
        request = urllib.request.Request(
            f"{server.url}/api/orders",
            data=json.dumps(
                {"customer": "Grace", "items": [{"product_id": product["id"], "quantity": 1}]}
            ).encode(),
            headers={
                "Content-Type": "application/json",
                "Cookie": f"access_token={token}; csrf_token={csrf}",
                "X-CSRF-Token": csrf,
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request) as response:
                statuses.append(response.status)
        except urllib.error.HTTPError as error:
            with error:
                statuses.append(error.code)

    threads = [threading.Thread(target=place_order, args=(t, c)) for _, t, c in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201] * 5 + [409] * 15
    assert stock(managers[0], product["id"]) == 0


def claims_of(client, app):
    """The claims of the client's token, to sign them again with another server's key."""
    token = client.get_cookie("access_token").value
    return jwt.decode(token, app.config["SECRET_KEY"], algorithms=["HS256"], audience=STAGE)


@pytest.mark.lesson("fix")
def test_a_token_of_stage_07_opens_nothing_here(tmp_path, monkeypatch, auth_for):
    """Stages on one address get the same cookies from the browser (cookies ignore the
    port). Each stage signs with a key of its own (a file named after it in instance/),
    so a token that 07 signed is nothing to 08: even one that says all that 08's tokens
    say, for a live session of 08's admin, is refused for its key alone. (A token of 07
    also names 07 in `aud`; the next test shows that defence on its own.)"""
    import importlib

    from flask import Flask

    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda app: str(tmp_path / "instance"))
    todo = importlib.import_module("07_final_todo").create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / '07.sqlite'}",
         "PASSWORD_HASH_METHOD": CHEAP_HASH_METHOD})  # fmt: skip
    inventory = importlib.import_module(STAGE).create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / '08.sqlite'}",
         "PASSWORD_HASH_METHOD": CHEAP_HASH_METHOD})  # fmt: skip
    browser = todo.test_client()
    auth_for(browser).log_in_as("alice")  # user 1 of 07
    ada = inventory.test_client()
    auth_for(ada).log_in_as("ada", role="admin")  # user 1 of 08
    thief = inventory.test_client()
    thief.set_cookie("access_token", browser.get_cookie("access_token").value)
    thief.set_cookie("csrf_token", browser.get_cookie("csrf_token").value)
    assert thief.get("/api/users").status_code == 401

    # Ada's own claims, signed with 08's key, open the admin's list; with 07's, nothing.
    claims = claims_of(ada, inventory)
    for key, status in [(inventory.config["SECRET_KEY"], 200), (todo.config["SECRET_KEY"], 401)]:
        thief = with_token(inventory, jwt.encode(claims, key))
        assert thief.get("/api/users").status_code == status
    for app in (todo, inventory):
        with app.app_context():
            app.extensions["sqlalchemy"].engine.dispose()


@pytest.mark.lesson("fix")
def test_a_token_signed_with_the_same_key_for_another_app_is_refused(app, admin):
    """A key shared by mistake (one FLASK_SECRET_KEY for every stage) opens nothing: 08
    accepts only tokens whose `aud` names it. The token here has all the rest of the
    admin's own (08's key, a live session of 08), so that only `aud` can refuse it."""
    claims = claims_of(admin, app)
    key = app.config["SECRET_KEY"]
    assert with_token(app, jwt.encode(claims, key)).get("/api/users").status_code == 200
    for_another_app = jwt.encode({**claims, "aud": "07_final_todo"}, key)
    assert with_token(app, for_another_app).get("/api/users").status_code == 401


def test_logging_out_everywhere_ends_every_device_at_once(app, auth_for, client_as):
    """08 reads the session with the user at every request: no ten-minute bound here."""
    laptop, phone = client_as("manager", "max"), app.test_client()
    auth_for(phone).log_in_as("max")
    assert laptop.post("/api/logout-all").status_code == 204
    assert phone.get("/api/me").status_code == 401


def test_a_password_change_ends_the_other_sessions_at_once(app, admin, auth_for):
    thief = app.test_client()
    auth_for(thief).log_in_as("ada")
    body = {"current_password": TEST_PASSWORD, "new_password": "a brand new password"}
    assert admin.post("/api/password", json=body).status_code == 204
    assert thief.post("/api/users", json={"username": "backdoor"}).status_code == 401
    assert admin.get("/api/me").status_code == 200


def test_the_database_itself_keeps_stock_at_zero_or_above(stage, app, admin):
    """The README's claim: a check constraint, whatever the code does."""
    from sqlalchemy.exc import IntegrityError

    mug = add_product(admin)
    with app.app_context():
        db = stage.db.db
        with pytest.raises(IntegrityError):
            db.session.execute(db.update(stage.models.Product).values(quantity=-1))
            db.session.commit()
        db.session.rollback()
    assert stock(admin, mug["id"]) == 5


def test_ten_cancels_of_one_order_at_once_give_the_stock_back_once(app, live_server, client_as):
    mug = add_product(client_as("admin"))
    manager = client_as("manager")
    order_id = order(manager, (mug["id"], 3)).get_json()["id"]
    start = threading.Barrier(10)
    statuses = []

    def cancel():
        start.wait()
        path = f"/api/orders/{order_id}/cancel"
        statuses.append(http_json(live_server, "POST", path, None, manager)[0])

    threads = [threading.Thread(target=cancel) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] + [409] * 9
    assert stock(manager, mug["id"]) == 5


# --- Hardening: rotation, password changes, stock, keys ---------------------------------------


def error_of(response):
    return response.get_json()["error"]


def test_a_copied_token_is_refused_once_its_owner_renewed_and_the_session_ends(clock, app, viewer):
    stolen = viewer.get_cookie("access_token").value
    clock.shift(timedelta(minutes=10))
    assert viewer.get("/api/products").status_code == 200  # renewed: a new token
    clock.shift(timedelta(seconds=31))
    response = with_token(app, stolen).get("/api/products")
    assert response.status_code == 401
    assert error_of(response).startswith("you were signed out to protect your account")
    assert error_of(viewer.get("/api/products")).startswith("you were signed out to protect")


def test_an_old_token_within_the_grace_is_renewed(clock, app, viewer):
    old = viewer.get_cookie("access_token").value
    clock.shift(timedelta(minutes=10))
    assert viewer.get("/api/products").status_code == 200
    assert with_token(app, old).get("/api/products").status_code == 200
    assert viewer.get("/api/products").status_code == 200


def test_a_copy_served_within_the_grace_gets_no_token_to_outlive_it(clock, app, viewer):
    stolen = viewer.get_cookie("access_token").value
    clock.shift(timedelta(minutes=10))
    assert viewer.get("/api/products").status_code == 200  # renewed: a new token
    thief = with_token(app, stolen)
    assert thief.get("/api/products").status_code == 200  # within the grace: served...
    assert thief.get_cookie("access_token").value == stolen  # ...but handed no new token
    clock.shift(timedelta(seconds=31))
    assert thief.get("/api/products").status_code == 401


def test_secure_cookies_take_the_host_prefix_that_no_subdomain_can_set(app, client, auth):
    app.config["AUTH_COOKIE_SECURE"] = True  # behind HTTPS
    response = auth.log_in_as("alice")
    cookies = [header.split("=", 1)[0] for header in response.headers.getlist("Set-Cookie")]
    assert cookies == ["__Host-access_token", "__Host-csrf_token"]
    assert client.get("/api/products").status_code == 200


def test_two_login_cookies_are_refused_as_planted(app, admin):
    admin.set_cookie("access_token", "a cookie that another port planted", path="/api")
    assert "Clear-Site-Data" not in admin.get("/api/products").headers  # a neighbour's <img>
    response = admin.get("/api/products", headers={"Sec-Fetch-Site": "same-origin"})
    assert response.status_code == 401
    assert response.headers["Clear-Site-Data"] == '"cookies"'


def test_log_out_clears_a_login_that_planted_quotes_hide_from_the_cookie_parser(app, admin):
    """A neighbour planted a=" for a longer Path, sent before our cookies, and z=" after them:
    the parser reads one value from quote to quote and finds no login, so the 401 must
    count the raw header to clear ours, or Log out would leave the login in the browser."""
    token, csrf = (admin.get_cookie(name).value for name in ["access_token", "csrf_token"])
    headers = {"Cookie": f'a="; access_token={token}; csrf_token={csrf}; z="', "X-CSRF-Token": csrf}
    response = app.test_client(use_cookies=False).post("/api/logout", headers=headers)
    assert response.status_code == 401
    cleared = {name: morsel["max-age"] for name, morsel in set_cookies(response).items()}
    assert cleared == {"access_token": "0", "csrf_token": "0"}


def test_a_csrf_value_from_our_own_page_that_is_not_the_logins_is_refused_as_planted(admin):
    """A neighbour set its csrf_token over ours (same name, Path=/, another port): the page
    sends what it reads, and a 403 would fail every change, Log out included, unexplained."""
    admin.set_cookie("csrf_token", "a neighbour's value")
    own_page = {"Sec-Fetch-Site": "same-origin", "X-CSRF-Token": "a neighbour's value"}
    response = admin.post("/api/logout", headers=own_page)
    assert response.status_code == 401
    assert "put cookies of its own in your browser" in error_of(response)
    assert response.headers["Clear-Site-Data"] == '"cookies"'  # the planted one too
    # A forged change stays a 403: one without the header, or from another origin.
    del admin.environ_base["HTTP_X_CSRF_TOKEN"]
    assert admin.post("/api/logout", headers={"Sec-Fetch-Site": "same-origin"}).status_code == 403
    neighbour = {"Sec-Fetch-Site": "same-site", "X-CSRF-Token": "a neighbour's value"}
    response = admin.post("/api/logout", headers=neighbour)
    assert response.status_code == 403
    assert "Clear-Site-Data" not in response.headers


def test_a_password_change_gives_this_browser_a_new_session(clock, app, admin):
    old_token = admin.get_cookie("access_token").value
    old_csrf = admin.get_cookie("csrf_token").value
    body = {"current_password": TEST_PASSWORD, "new_password": "a brand new password"}
    assert admin.post("/api/password", json=body).status_code == 204
    assert admin.get_cookie("csrf_token").value != old_csrf
    assert with_token(app, old_token).get("/api/me").status_code == 401
    assert admin.get("/api/me").status_code == 200


def test_of_six_password_changes_at_once_exactly_one_succeeds(app, live_server, admin):
    def change(number):
        body = {"current_password": TEST_PASSWORD, "new_password": f"new password {number}"}
        return http_json(live_server, "POST", "/api/password", body, admin)[0]

    statuses = at_once(6, change)
    assert statuses.count(204) == 1
    assert all(400 <= status < 500 for status in statuses if status != 204), statuses


def test_a_cancel_never_takes_the_stock_over_the_maximum(admin, manager):
    mug = add_product(admin, quantity=5)
    order_id = order(manager, (mug["id"], 3)).get_json()["id"]
    admin.patch(f"/api/products/{mug['id']}", json={"quantity": 1_000_000})
    response = manager.post(f"/api/orders/{order_id}/cancel")
    assert response.status_code == 409
    assert "over 1000000 in stock" in error_of(response)
    assert stock(admin, mug["id"]) == 1_000_000
    assert manager.get(f"/api/orders/{order_id}").get_json()["status"] == "open"


def test_a_token_made_before_init_db_opens_nothing_after_it(app, runner, admin, client_as):
    old = admin.get_cookie("access_token").value
    assert runner.invoke(args=["init-db"]).exit_code == 0
    client_as("admin", "someone")  # user 1 again
    assert with_token(app, old).get("/api/users").status_code == 401


@pytest.mark.parametrize("key", ["", "short"])
def test_an_empty_or_short_key_is_refused_at_start(stage, app_config, key, capsys):
    with pytest.raises(SystemExit):
        stage.create_app({**app_config, "SECRET_KEY": key})
    assert "FLASK_SECRET_KEY" in capsys.readouterr().err


@pytest.mark.parametrize("field", ["customer", "name"])
@pytest.mark.parametrize("char", ["\u200b", "\u202e", "\u2066"])
def test_invisible_and_direction_changing_characters_are_refused(admin, manager, field, char):
    mug = add_product(admin)
    if field == "customer":
        response = order(manager, (mug["id"], 1), customer=f"Gr{char}ace")
    else:
        response = admin.patch(f"/api/products/{mug['id']}", json={"name": f"Mu{char}g"})
    assert response.status_code == 400
    assert error_of(response).startswith(f"{field}:")


@pytest.mark.parametrize("sku", ["straße", "\ufb01x-1", "\u01311"])
def test_a_sku_is_ascii_before_it_is_upper_cased(admin, sku):
    response = admin.post(
        "/api/products", json={"sku": sku, "name": "x", "price_cents": 1, "quantity": 1}
    )
    assert response.status_code == 400
    assert error_of(response).startswith("sku:")


def test_a_renewal_racing_the_end_of_its_session_gets_401_not_500(
    clock, stage, app, viewer, monkeypatch
):
    """A logout, say, between the renewal's look-up of the session and its rotation."""
    clock.shift(timedelta(minutes=10))
    rotate = stage.sessions.rotate

    def end_the_session_then_rotate(session_id, generation):
        with stage.db.db.engine.begin() as elsewhere:
            elsewhere.execute(stage.db.db.delete(stage.models.UserSession))
        return rotate(session_id, generation)

    monkeypatch.setattr(stage.sessions, "rotate", end_the_session_then_rotate)
    assert viewer.get("/api/products").status_code == 401


def test_an_expired_token_of_another_app_with_the_same_key_gets_401_not_500(clock, app, viewer):
    claims = claims_of(viewer, app)
    expired = {**claims, "aud": "07_final_todo", "exp": claims["iat"] - 1}
    token = jwt.encode(expired, app.config["SECRET_KEY"])
    response = with_token(app, token).get("/api/me")
    assert response.status_code == 401
    assert "access_token=;" in " ".join(response.headers.getlist("Set-Cookie"))


@pytest.mark.parametrize(
    "change",
    [{"gen": 2**63}, {"sid": "\ud800" * 22}, {"sid": "x"}, {"sub": "abc"}, {"csrf": "\ud800"}],
)
def test_odd_claims_signed_with_our_key_get_401_not_500(clock, app, viewer, change):
    claims = {**claims_of(viewer, app), **change}
    token = jwt.encode({**claims, "exp": claims["iat"] - 1}, app.config["SECRET_KEY"])
    assert with_token(app, token).get("/api/me").status_code == 401


def test_an_edit_racing_a_delete_of_the_same_product_is_404_not_500(stage, admin, monkeypatch):
    product_id = add_product(admin)["id"]
    read_name = stage.products.text_field

    def read_name_while_another_request_deletes_it(*args):
        name = read_name(*args)
        with stage.db.db.engine.begin() as elsewhere:
            elsewhere.execute(stage.db.db.delete(stage.models.Product))
        return name

    monkeypatch.setattr(stage.products, "text_field", read_name_while_another_request_deletes_it)
    response = admin.patch(f"/api/products/{product_id}", json={"name": "edited"})
    assert response.status_code == 404
