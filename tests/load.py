"""A load test for stages 07 and 08 under gunicorn with several workers: many clients at
once for a bounded time, then a check, straight from the database, that every write the
server acknowledged is there and nothing else is (and, in 08, that the stock adds up).

    .venv/bin/python tests/load.py [--seconds 30] [--clients 16] [--workers 4]

runs the long form on SQLite (and on PostgreSQL when TEST_POSTGRESQL_URL is set) and
prints the figures; tests/all_stages/test_load.py runs a short form in the test suite."""

import argparse
import http.client
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import jwt
from auth_actions import TEST_PASSWORD
from course import ROOT
from harness.gunicorn import GunicornServer
from harness.postgresql import empty_database
from sqlalchemy import create_engine, text


@dataclass
class Figures:
    """What the clients saw: statuses, latencies, requests."""

    statuses: Counter = field(default_factory=Counter)
    latencies: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, status, seconds):
        with self.lock:
            self.statuses[status] += 1
            self.latencies.append(seconds)

    def report(self, title, seconds):
        count = len(self.latencies)
        p50, p95 = (
            statistics.quantiles(self.latencies, n=20)[9],
            statistics.quantiles(self.latencies, n=20)[18],
        )
        statuses = ", ".join(f"{status}: {n}" for status, n in sorted(self.statuses.items()))
        return (
            f"{title}: {count} requests in {seconds:.1f} s = {count / seconds:.0f}/s; "
            f"latency p50 {p50 * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms; statuses {statuses}"
        )


class Client:
    """One user's browser: keep-alive connection, cookies, the CSRF header."""

    def __init__(self, base_url, figures):
        self.address = urlsplit(base_url).netloc
        self.connection = http.client.HTTPConnection(self.address, timeout=30)
        self.cookies = {}
        self.figures = figures

    def request(self, method, path, body=None, cookies=None):
        headers = {"Content-Type": "application/json"}
        jar = {**self.cookies, **(cookies or {})}
        if jar:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in jar.items())
        if "csrf_token" in jar:
            headers["X-CSRF-Token"] = jar["csrf_token"]
        started = time.perf_counter()
        self.connection.request(method, path, json.dumps(body) if body else None, headers)
        response = self.connection.getresponse()
        raw = response.read()
        self.figures.note(response.status, time.perf_counter() - started)
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.partition(";")[0]
            if value:
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)
        return response.status, (json.loads(raw) if raw else None)

    def log_in(self, username, password=TEST_PASSWORD):
        status, _ = self.request("POST", "/api/login", {"username": username, "password": password})
        assert status == 200, status

    def renew(self, secret_key):
        """Send the next request with an expired copy of the token: the server renews it."""
        token = self.cookies["access_token"]
        claims = jwt.decode(token, secret_key, algorithms=["HS256"], options={"verify_aud": False})
        now = int(time.time())
        expired = jwt.encode({**claims, "iat": now - 700, "exp": now - 100}, secret_key)
        return self.request("GET", "/api/me", cookies={"access_token": expired})


def run_clients(count, seconds, setup, step, figures):
    """Run SETUP(number) in COUNT threads (logins, say); then, all at once, STEP(context)
    over and over in each until SECONDS have passed. FIGURES count from the start of the
    steps. Returns the seconds they ran."""
    clock = {}

    def begin():
        figures.statuses.clear()
        figures.latencies.clear()
        clock["start"] = time.monotonic()

    start = threading.Barrier(count, action=begin)
    errors = []

    def run(number):
        try:
            context = setup(number)
            start.wait()
            while time.monotonic() < clock["start"] + seconds:
                step(context)
        except Exception as error:  # noqa: BLE001 (reported below, with the others)
            errors.append(repr(error))
            start.abort()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return time.monotonic() - clock["start"]


def load_todos(base_url, database_url, secret_key, clients, seconds):
    """Stage 07: each client registers, then adds, ticks off and deletes todos, lists
    them, has its token renewed and logs in again now and then; the database must then
    hold exactly the todos each client was told it has."""
    figures = Figures()
    expected = {}  # username -> {todo id: (title, done)}

    def setup(number):
        username = f"load{number}"
        client = Client(base_url, figures)
        body = {"username": username, "password": TEST_PASSWORD}
        assert client.request("POST", "/api/register", body)[0] == 201
        client.log_in(username)
        expected[username] = {}
        return username, client, expected[username], random.Random(number)

    def step(context):
        username, client, todos, randomly = context
        action = randomly.random()
        if action < 0.4 or not todos:
            title = f"todo {randomly.randrange(10**6)}"
            status, todo = client.request("POST", "/api/todos", {"title": title})
            assert status == 201, status
            todos[todo["id"]] = (title, False)
        elif action < 0.6:
            todo_id = randomly.choice(list(todos))
            assert client.request("PATCH", f"/api/todos/{todo_id}", {"done": True})[0] == 200
            todos[todo_id] = (todos[todo_id][0], True)
        elif action < 0.75:
            todo_id = randomly.choice(list(todos))
            assert client.request("DELETE", f"/api/todos/{todo_id}")[0] == 204
            del todos[todo_id]
        elif action < 0.85:
            status, listed = client.request("GET", "/api/todos")
            assert status == 200 and {todo["id"] for todo in listed} == set(todos), status
        elif action < 0.95:
            assert client.renew(secret_key)[0] == 200
        else:
            client.log_in(username)

    elapsed = run_clients(clients, seconds, setup, step, figures)
    rows = query(
        database_url,
        'SELECT "user".username, todo.id, todo.title, todo.done'
        ' FROM todo JOIN "user" ON todo.user_id = "user".id',
    )
    stored = {username: {} for username in expected}
    for username, todo_id, title, done in rows:
        stored.setdefault(username, {})[todo_id] = (title, bool(done))
    assert stored == expected, "the database does not hold what the server acknowledged"
    return figures, elapsed


def load_orders(base_url, database_url, secret_key, clients, seconds):
    """Stage 08: managers order, cancel and fulfil at once while viewers read; the
    database must then hold exactly the acknowledged orders, and every product's stock
    must be what it was less what the orders not cancelled took."""
    figures = Figures()
    admin = Client(base_url, figures)
    admin.log_in("admin")
    initial = {}
    for number in range(4):
        product = {"sku": f"LOAD-{number}", "name": "Load", "price_cents": 100, "quantity": 200}
        status, created = admin.request("POST", "/api/products", product)
        assert status == 201, status
        initial[created["id"]] = product["quantity"]
    acknowledged = {}  # order id -> ({product id: quantity}, status)

    def setup(number):
        role = "viewer" if number % 4 == 3 else "manager"
        client = Client(base_url, figures)
        client.log_in(f"{role}{number}")
        return role, client, random.Random(number), []

    def step(context):
        role, client, randomly, mine = context
        action = randomly.random()
        if role == "viewer" or action < 0.15:
            assert client.request("GET", "/api/products")[0] == 200
        elif action < 0.65 or not mine:
            items = {p: randomly.randint(1, 3) for p in randomly.sample(list(initial), 2)}
            lines = [{"product_id": p, "quantity": q} for p, q in items.items()]
            status, order = client.request(
                "POST", "/api/orders", {"customer": "Load", "items": lines}
            )
            assert status in (201, 409), status  # 409: not enough left
            if status == 201:
                acknowledged[order["id"]] = (items, "open")
                mine.append(order["id"])
        elif action < 0.9:
            order_id = mine.pop(randomly.randrange(len(mine)))
            new_status = "cancelled" if action < 0.8 else "fulfilled"
            verb = "cancel" if new_status == "cancelled" else "fulfil"
            assert client.request("POST", f"/api/orders/{order_id}/{verb}")[0] == 200
            acknowledged[order_id] = (acknowledged[order_id][0], new_status)
        else:
            assert client.renew(secret_key)[0] == 200

    elapsed = run_clients(clients, seconds, setup, step, figures)
    stored = {
        order_id: ({}, status)
        for order_id, status in query(database_url, 'SELECT id, status FROM "order"')
    }
    for order_id, product_id, quantity in query(
        database_url, "SELECT order_id, product_id, quantity FROM order_item"
    ):
        stored[order_id][0][product_id] = quantity
    assert stored == acknowledged, "the database does not hold what the server acknowledged"
    stock = dict(query(database_url, "SELECT id, quantity FROM product"))
    for product_id, quantity in initial.items():
        taken = sum(
            items.get(product_id, 0)
            for items, status in acknowledged.values()
            if status != "cancelled"
        )
        assert stock[product_id] == quantity - taken >= 0, (product_id, stock[product_id], taken)
    return figures, elapsed


def query(database_url, sql):
    """The rows of SQL, read straight from the database, not through the app."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql)).all()
    finally:
        engine.dispose()


def create_users(stage_name, database_url, clients):
    """08 has no sign-up: make the admin and the clients' users on the command line."""
    import importlib

    app = importlib.import_module(stage_name).create_app({
        "SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": GunicornServer.secret_key,
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1"})  # fmt: skip
    runner = app.test_cli_runner()
    users = [("admin", "admin")] + [
        ("viewer" if n % 4 == 3 else "manager", f"{'viewer' if n % 4 == 3 else 'manager'}{n}")
        for n in range(clients)
    ]
    for role, username in users:
        runner.invoke(args=["create-user", username, "--role", role, "--password", TEST_PASSWORD])
    with app.app_context():
        app.extensions["sqlalchemy"].engine.dispose()


def run(stage_name, database_url, clients, seconds, workers):
    """Start the stage under gunicorn on DATABASE_URL, load it, check it, stop it."""
    if database_url.startswith("postgresql"):
        empty_database(database_url)
    if stage_name == "08_inventory_rbac":
        create_users(stage_name, database_url, clients)
    server = GunicornServer(stage_name, database_url, workers=workers)
    try:
        load = load_todos if stage_name == "07_final_todo" else load_orders
        figures, elapsed = load(server.url, database_url, server.secret_key, clients, seconds)
    finally:
        server.stop()
    crashed = [line for line in server.log if "Exception in worker" in line]
    assert not crashed, "".join(server.log)
    assert not [status for status in figures.statuses if status >= 500], figures.statuses
    return figures.report(f"{stage_name} on {database_url.split(':')[0]}", elapsed)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    options = parser.parse_args()
    sys.path.insert(0, str(ROOT))  # the stages, when this runs as a script from tests/
    databases = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_POSTGRESQL_URL") else [])
    print(f"{options.clients} clients, gunicorn -w {options.workers}, {options.seconds:g} s each,"
          f" on {os.cpu_count()} cores")  # fmt: skip
    for stage_name in ["07_final_todo", "08_inventory_rbac"]:
        for database in databases:
            with tempfile.TemporaryDirectory() as folder:
                url = (f"sqlite:///{folder}/load.sqlite" if database == "sqlite"
                       else os.environ["TEST_POSTGRESQL_URL"])  # fmt: skip
                print(run(stage_name, url, options.clients, options.seconds, options.workers))
    print("Every acknowledged write is in the database, nothing else is, and the stock adds up.")


if __name__ == "__main__":
    sys.exit(main())
