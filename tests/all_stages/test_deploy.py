"""Deploying stages 07 and 08: their schema comes from migrations (Flask-Migrate), and they
scale out: several app machines behind one proxy share one PostgreSQL database and one
FLASK_SECRET_KEY, and nothing else (see DEPLOY.md beside their READMEs)."""

import http.cookiejar
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request

import auth_actions
import jwt
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from auth_actions import TEST_PASSWORD
from course import CHEAP_HASH_METHOD, stage_folder
from harness.gunicorn import GunicornServer
from harness.postgresql import empty_database
from helpers import at_once
from sqlalchemy import CheckConstraint, create_engine, inspect, text

DEPLOYED = ["07_final_todo", "08_inventory_rbac"]
KEY = "the one key of every machine, 32 bytes or more"


@pytest.fixture(params=DEPLOYED)
def stage_name(request):
    return request.param


def config(database_url, **settings):
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": KEY,
        "PASSWORD_HASH_METHOD": CHEAP_HASH_METHOD,
        **settings,
    }


def empty_schema(database_url, name):
    """The URL of an empty PostgreSQL schema, NAME_<pytest worker>, of these tests' own:
    they never empty the tables that other tests use."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {name}_{worker}")
    engine.dispose()
    separator = "&" if "?" in database_url else "?"
    url = f"{database_url}{separator}options=-csearch_path%3D{name}_{worker}"
    empty_database(url)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path, stage_name):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.sqlite'}"
    return empty_schema(request.getfixturevalue("postgresql_database"), f"migrate{stage_name[:2]}")


def dispose(app):
    with app.app_context():
        app.extensions["sqlalchemy"].engine.dispose()


# --- Migrations --------------------------------------------------------------------------


def test_the_migrations_make_the_tables_that_the_models_describe(stage, empty_database_url):
    """On a new database the app's first start runs the migrations; then Alembic's
    autogenerate finds nothing to add, drop or change, and the database is at the head
    (the latest migration)."""
    app = stage.create_app(config(empty_database_url))
    with app.app_context(), stage.db.db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        assert compare_metadata(context, stage.db.db.metadata) == []
        # Autogenerate does not compare CHECK constraints: by name, then.
        database = inspect(connection)
        for table in stage.db.db.metadata.sorted_tables:
            checks = {c.name for c in table.constraints if isinstance(c, CheckConstraint)}
            assert {c["name"] for c in database.get_check_constraints(table.name)} == checks
        head = ScriptDirectory(stage.db.migrate.directory).get_current_head()
        assert context.get_current_revision() == head
    dispose(app)


def test_on_sqlite_the_migrations_write_the_same_tables_as_the_models(stage, tmp_path):
    """What autogenerate does not compare (AUTOINCREMENT, CHECK constraints): the CREATE
    statements of the migrated database have the same lines as the models', in some order."""
    app = stage.create_app(config(f"sqlite:///{tmp_path / 'migrated.sqlite'}"))
    migrated = schema_sql(app)
    dispose(app)
    app = stage.create_app(config(f"sqlite:///{tmp_path / 'models.sqlite'}"))
    with app.app_context():
        stage.db.db.drop_all()
        stage.db.db.create_all()
    from_models = schema_sql(app)
    dispose(app)
    assert "AUTOINCREMENT" in str(from_models)
    assert migrated == from_models


def schema_sql(app) -> dict:
    """{name: the sorted lines of its SQL} for the tables and indexes of the app's SQLite
    database, but Alembic's own table."""
    with app.app_context(), app.extensions["sqlalchemy"].engine.connect() as connection:
        rows = connection.execute(text("SELECT name, sql FROM sqlite_master WHERE sql != ''"))
        return {
            name: sorted(line.strip().rstrip(",") for line in sql.splitlines())
            for name, sql in rows
            if name != "alembic_version"
        }


def flask(stage_name, database_url, *args):
    """`flask --app STAGE_NAME ARGS`, as a README runs it, on DATABASE_URL."""
    env = {**os.environ, "FLASK_SQLALCHEMY_DATABASE_URI": database_url, "FLASK_SECRET_KEY": KEY}
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", stage_name, *args],
        cwd=stage_folder(stage_name).parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def table_names(database_url):
    engine = create_engine(database_url)
    with engine.connect() as connection:
        names = connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'"))
        found = set(names.scalars()) - {"sqlite_sequence"}
    engine.dispose()
    return found


def test_flask_db_upgrade_builds_an_empty_database_and_the_app_runs_on_it(
    stage, stage_name, tmp_path
):
    url = f"sqlite:///{tmp_path / 'deployed.sqlite'}"
    assert flask(stage_name, url, "db", "upgrade").returncode == 0
    tables = table_names(url)
    assert {"alembic_version", "user", "user_session", "login_failures"} <= tables
    # Down to nothing, and up again: here the upgrade itself makes every table.
    assert flask(stage_name, url, "db", "downgrade", "base").returncode == 0
    assert table_names(url) == {"alembic_version"}
    upgrade = flask(stage_name, url, "db", "upgrade")
    assert upgrade.returncode == 0
    assert re.search(r"Running upgrade +-> \w+, the first tables", upgrade.stderr), upgrade.stderr
    assert table_names(url) == tables

    app = stage.create_app(config(url))
    client = app.test_client()
    auth = auth_actions.for_stage(stage_name)(client)
    auth.register("alice")
    assert auth.login("alice").status_code == 200
    assert client.get("/api/me").get_json()["username"] == "alice"
    dispose(app)


# --- Behind a proxy ----------------------------------------------------------------------


def failed_login(client, username, forwarded_for):
    body = {"username": username, "password": "wrong password"}
    return client.post("/api/login", json=body, headers={"X-Forwarded-For": forwarded_for})


def throttle_keys(stage, app):
    with app.app_context():
        db = stage.db.db
        return set(db.session.execute(db.select(stage.models.LoginFailures.key)).scalars())


def test_behind_a_trusted_proxy_throttling_counts_the_address_the_proxy_saw(stage, tmp_path):
    app = stage.create_app(config(f"sqlite:///{tmp_path / 'proxy.sqlite'}", TRUSTED_PROXIES=1))
    client = app.test_client()
    for number in range(20):  # twenty usernames, one address: its limit
        assert failed_login(client, f"user{number}", "203.0.113.7").status_code == 401
    assert failed_login(client, "user20", "203.0.113.7").status_code == 429
    assert failed_login(client, "user20", "203.0.113.8").status_code == 401  # someone else
    assert {"address:203.0.113.7", "address:203.0.113.8"} <= throttle_keys(stage, app)
    dispose(app)


def test_without_a_trusted_proxy_x_forwarded_for_changes_no_address(stage, tmp_path):
    """Anyone can send the header: by default it is ignored, so that changing it gets no
    attacker a fresh address to guess from."""
    app = stage.create_app(config(f"sqlite:///{tmp_path / 'direct.sqlite'}"))
    client = app.test_client()
    for number in range(20):
        assert failed_login(client, f"user{number}", f"203.0.113.{number}").status_code == 401
    assert failed_login(client, "user20", "198.51.100.1").status_code == 429
    assert {key for key in throttle_keys(stage, app) if key.startswith("address:")} == {
        "address:127.0.0.1"
    }
    dispose(app)


# --- Several machines: one database, one key ---------------------------------------------


def copy_of_the_stage(stage_name, folder):
    """The stage's code in FOLDER, as on a machine of its own: its own instance/ too."""
    shutil.copytree(
        stage_folder(stage_name),
        folder / stage_name,
        ignore=shutil.ignore_patterns("__pycache__", "instance", "frontend", "node_modules"),
    )
    return folder


def gunicorn(stage_name, folder, env, workers=2):
    """`gunicorn -w WORKERS STAGE_NAME:create_app()` started in FOLDER, left to run or stop
    as it will (for a start that must fail; GunicornServer waits for one that listens)."""
    command = ["-m", "gunicorn", "-w", str(workers), "-b", "127.0.0.1:0", "--no-control-socket"]
    return subprocess.Popen(
        [sys.executable, *command, f"{stage_name}:create_app()"],
        cwd=folder,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )


def machine(stage_name, folder, database_url):
    """One app machine: gunicorn in a folder of its own, on the shared database."""
    settings = {
        "FLASK_SECRET_KEY": KEY,  # the same on every machine
        "FLASK_TRUSTED_PROXIES": "1",  # behind one proxy
        # A token that a renewal replaced is a copy at once: no waiting in the tests.
        "FLASK_RENEWAL_GRACE": "0",
    }
    folder = copy_of_the_stage(stage_name, folder)
    return GunicornServer(stage_name, database_url, folder=folder, settings=settings)


@pytest.fixture(scope="module")
def start_machines(postgresql_database, tmp_path_factory):
    """start(stage_name): two app machines of the stage on one empty PostgreSQL database,
    migrated once beforehand, as a deployment does. Started once per stage."""
    started = {}

    def start(stage_name):
        if stage_name not in started:
            url = empty_schema(postgresql_database, f"deploy{stage_name[:2]}")
            upgrade = flask(stage_name, url, "db", "upgrade")  # once, before the machines
            assert upgrade.returncode == 0, upgrade.stderr
            folders = [tmp_path_factory.mktemp(f"machine-{name}") for name in "ab"]
            started[stage_name] = url, [machine(stage_name, f, url) for f in folders]
        return started[stage_name]

    yield start
    for _, machines in started.values():
        for server in machines:
            server.stop()
            assert not any("Exception in worker" in line for line in server.log), "".join(
                server.log
            )


@pytest.fixture
def machines(start_machines, stage_name):
    return start_machines(stage_name)[1]


@pytest.fixture
def make_user(start_machines, stage, stage_name):
    """make_user(name, role): a user in the machines' database, made as the stage makes
    them (sign-up in 07, the command line in 08)."""
    url = start_machines(stage_name)[0]
    app = stage.create_app(config(url))

    def make(username, role="admin"):
        actions = auth_actions.for_stage(stage_name)(app.test_client())
        actions.register(username, role=role)

    yield make
    dispose(app)


class Browser:
    """One browser behind the proxy: its cookies go to whichever machine the proxy picks
    (each in turn, unless the test names one), with the X-Forwarded-For header that the
    proxy adds."""

    def __init__(self, machines, address="203.0.113.10"):
        self.turns = itertools.cycle(machines)
        self.address = address
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def cookie(self, name):
        return next((c.value for c in self.jar if c.name == name), None)

    def request(self, method, path, body=None, machine=None, token=None):
        """(status, headers, JSON body); TOKEN, if given, replaces the access_token cookie."""
        machine = machine or next(self.turns)
        headers = {"Content-Type": "application/json", "X-Forwarded-For": self.address}
        if self.cookie("csrf_token"):
            headers["X-CSRF-Token"] = self.cookie("csrf_token")
        if token:
            headers["Cookie"] = f"access_token={token}; csrf_token={self.cookie('csrf_token')}"
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(machine.url + path, data, headers, method=method)
        try:
            with self.opener.open(request, timeout=60) as response:
                raw = response.read()
                return response.status, response.headers, json.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.headers, json.loads(error.read())

    def log_in(self, username, machine=None):
        body = {"username": username, "password": TEST_PASSWORD}
        status, _, answer = self.request("POST", "/api/login", body, machine)
        assert status == 200, answer


def expired_copy(token, stage_name):
    """TOKEN as it is ten minutes later: expired, so that it must be renewed."""
    claims = jwt.decode(token, KEY, ["HS256"], audience=stage_name)
    now = int(time.time())
    return jwt.encode({**claims, "iat": now - 700, "exp": now - 100}, KEY)


def test_a_login_made_on_one_machine_is_renewed_on_the_other(
    stage, stage_name, machines, make_user
):
    one, other = machines
    make_user("alice")
    laptop = Browser(machines)
    laptop.log_in("alice", machine=one)
    assert laptop.request("GET", "/api/me", machine=other)[0] == 200  # the same key

    first_token = laptop.cookie("access_token")
    status, headers, _ = laptop.request(
        "GET", "/api/me", machine=other, token=expired_copy(first_token, stage_name)
    )
    assert status == 200
    assert any(c.startswith("access_token=") for c in headers.get_all("Set-Cookie"))
    assert laptop.cookie("access_token") != first_token
    assert laptop.request("GET", "/api/me", machine=one)[0] == 200  # the renewed token

    # The first token, brought back to the first machine: that machine knows from the
    # database that the other renewed it, so this is a copy, and the session ends.
    status, _, answer = laptop.request(
        "GET", "/api/me", machine=one, token=expired_copy(first_token, stage_name)
    )
    assert (status, answer["error"]) == (401, stage.sessions.SESSION_USED_ELSEWHERE)


def test_logging_out_everywhere_on_one_machine_ends_the_session_on_the_other(
    stage, stage_name, machines, make_user
):
    one, other = machines
    make_user("bob")
    laptop, phone = Browser(machines), Browser(machines, address="198.51.100.20")
    laptop.log_in("bob", machine=one)
    phone.log_in("bob", machine=other)
    assert laptop.request("POST", "/api/logout-all", machine=one)[0] == 204
    phone_token = expired_copy(phone.cookie("access_token"), stage_name)
    status, _, answer = phone.request("GET", "/api/me", machine=other, token=phone_token)
    assert (status, answer["error"]) == (401, stage.sessions.SESSION_ENDED)


def test_the_login_throttle_counts_the_failures_on_every_machine(
    start_machines, stage_name, machines, make_user
):
    make_user("carol")
    browser = Browser(machines, address="192.0.2.30")
    wrong = {"username": "carol", "password": "wrong password"}
    statuses = [browser.request("POST", "/api/login", wrong)[0] for _ in range(5)]  # a, b, a...
    right = {"username": "carol", "password": TEST_PASSWORD}
    statuses += [browser.request("POST", "/api/login", right, machine)[0] for machine in machines]
    assert statuses == [401] * 5 + [429, 429]
    # Counted for the address the proxy saw (ProxyFix), never for the proxy's own.
    engine = create_engine(start_machines(stage_name)[0])
    with engine.connect() as connection:
        keys = set(connection.execute(text("SELECT key FROM login_failures")).scalars())
    engine.dispose()
    assert "address:192.0.2.30" in keys
    assert "address:127.0.0.1" not in keys


@pytest.mark.parametrize("stage_name", ["08_inventory_rbac"])
def test_twenty_orders_for_five_units_spread_over_two_machines_make_five(machines, make_user):
    make_user("dora", role="admin")
    make_user("erin", role="manager")
    admin, manager = Browser(machines), Browser(machines)
    admin.log_in("dora")
    manager.log_in("erin")
    product = {"sku": "LAST-5", "name": "The last five", "price_cents": 100, "quantity": 5}
    status, _, product = admin.request("POST", "/api/products", product)
    assert status == 201
    order = {"customer": "Grace", "items": [{"product_id": product["id"], "quantity": 1}]}

    def place_order(number):
        return manager.request("POST", "/api/orders", order, machines[number % 2])[0]

    assert sorted(at_once(20, place_order)) == [201] * 5 + [409] * 15
    assert admin.request("GET", f"/api/products/{product['id']}")[2]["quantity"] == 0


def test_under_gunicorn_on_a_database_server_without_a_key_it_refuses_to_start(
    stage_name, tmp_path
):
    """Each machine would make a key file of its own in instance/ and refuse the others'
    tokens: the app stops with a message before it makes one (it reads no database)."""
    env = {
        **os.environ,
        "FLASK_SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://app@db.invalid/app",
    }
    env.pop("FLASK_SECRET_KEY", None)
    folder = copy_of_the_stage(stage_name, tmp_path)
    server = gunicorn(stage_name, folder, env, workers=1)
    try:
        _, log = server.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        server.kill()
        server.communicate()
        pytest.fail("gunicorn started without a key")
    assert server.returncode != 0
    assert "FLASK_SECRET_KEY is not set" in log
    assert "Set the same key on every machine" in log
    assert not (folder / "instance").exists()
