"""A stage's app as the benchmarks use it: a temporary database, two probe routes, a
logged-in test client, and a counter of the SQL it sends."""

import importlib
import inspect
import re

from sqlalchemy import event

from bench.common import CHEAP_HASH_METHOD, PASSWORD, SECRET_KEY


class QueryCounter:
    """Every SQL statement the engine sends, through SQLAlchemy's before_cursor_execute."""

    def __init__(self, engine):
        self.engine, self.statements = engine, []
        event.listen(engine, "before_cursor_execute", self.record)

    def record(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    def remove(self):
        event.remove(self.engine, "before_cursor_execute", self.record)


def short_sql(statement: str) -> str:
    text = " ".join(statement.split())
    text = re.sub(r"^SELECT .*? FROM ", "SELECT … FROM ", text)
    text = re.sub(r"^UPDATE (\S+) SET .*? WHERE ", r"UPDATE \1 SET … WHERE ", text)
    return text if len(text) <= 110 else text[:107] + "..."


def make_stage_app(stage: str, folder: str, **config):
    module = importlib.import_module(stage)
    test_config = {
        "TESTING": True,
        "SECRET_KEY": SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/{stage}.sqlite",
        "TODO_FILE": f"{folder}/{stage}.txt",
        "PASSWORD_HASH_METHOD": CHEAP_HASH_METHOD,
        **config,
    }
    app = module.create_app(test_config)
    # Two probe routes, added before the first request: one behind the stage's own
    # login_required that does nothing else (its queries are auth's alone), and one with
    # no auth at all (what Flask and the test client cost anyway).
    auth = importlib.import_module(f"{stage}.auth")
    if "roles" in inspect.signature(auth.login_required).parameters:  # stage 08
        roles = importlib.import_module(f"{stage}.models").ROLES
        guard = auth.login_required(roles=roles)
    else:
        guard = auth.login_required

    def auth_only():
        return {"ok": True}

    def public():
        return {"ok": True}

    app.add_url_rule("/bench/auth-only", "bench_auth_only", guard(auth_only))
    app.add_url_rule("/bench/public", "bench_public", public)
    return app


def log_in(app, client, username="bencher"):
    """As tests/conftest.py does: register (or create-user in 08), log in, and send what
    the stage needs on every request (a Bearer header, or the CSRF header)."""
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    if "/api/register" in rules:
        client.post("/api/register", json={"username": username, "password": PASSWORD})
    else:
        command = ["create-user", username, "--role", "admin", "--password", PASSWORD]
        app.test_cli_runner().invoke(args=command)
    response = client.post("/api/login", json={"username": username, "password": PASSWORD})
    if response.status_code != 200:
        raise RuntimeError(f"{app.name}: login failed: {response.get_json()}")
    session_id = response.get_json().get("session_id")
    if session_id:  # stage 03: a Bearer header
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {session_id}"
    csrf_cookie = client.get_cookie("csrf_token")
    if csrf_cookie:
        client.environ_base["HTTP_X_CSRF_TOKEN"] = csrf_cookie.value


def engine_of(app):
    with app.app_context():
        return app.extensions["sqlalchemy"].engine


def dispose(app):
    with app.app_context():
        for engine in app.extensions["sqlalchemy"].engines.values():
            engine.dispose()


def count_queries(app, client, path: str, requests: int = 20):
    """Queries per request of GET PATH (a list: one count per request) and the distinct
    statements sent."""
    counter = QueryCounter(engine_of(app))
    counts = []
    try:
        for _ in range(requests):
            before = len(counter.statements)
            response = client.get(path)
            if response.status_code != 200:
                raise RuntimeError(f"{app.name} GET {path}: {response.status_code}")
            counts.append(len(counter.statements) - before)
    finally:
        counter.remove()
    return counts, list(dict.fromkeys(counter.statements))


def count_text(counts: list[int]) -> str:
    return str(counts[0]) if min(counts) == max(counts) else f"{min(counts)}-{max(counts)}"
