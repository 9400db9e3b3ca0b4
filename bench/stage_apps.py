"""A stage's app as the benchmarks use it: a temporary database, two probe routes, a
logged-in test client, a counter of the SQL it sends, and requests sent the way a WSGI
server sends them."""

import importlib
import inspect
import re

from sqlalchemy import event
from werkzeug.test import EnvironBuilder

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


def create_stage_app(stage: str, folder: str, **config):
    """The stage's create_app() with a temporary database under FOLDER, the bench's secret
    key and a cheap password hash (set-up only: no figure includes a login)."""
    module = importlib.import_module(stage)
    test_config = {
        "TESTING": True,
        "SECRET_KEY": SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/{stage}.sqlite",
        "TODO_FILE": f"{folder}/{stage}.txt",
        "PASSWORD_HASH_METHOD": CHEAP_HASH_METHOD,
        **config,
    }
    return module.create_app(test_config)


def make_stage_app(stage: str, folder: str, **config):
    app = create_stage_app(stage, folder, **config)
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
    return queries_of(app, lambda: client.get(path).status_code, f"GET {path}", requests)


def queries_of(app, send, what: str, requests: int = 20):
    """Queries per request of SEND(), a function that makes one request and returns its
    status (a list: one count per request), and the distinct statements sent."""
    counter = QueryCounter(engine_of(app))
    counts = []
    try:
        for _ in range(requests):
            before = len(counter.statements)
            status = send()
            if status != 200:
                raise RuntimeError(f"{app.name} {what}: {status}")
            counts.append(len(counter.statements) - before)
    finally:
        counter.remove()
    return counts, list(dict.fromkeys(counter.statements))


def wsgi_request(app, path: str, method: str = "GET", headers: dict | None = None):
    """A function that sends one request straight to APP the way a WSGI server such as
    gunicorn does, app(environ, start_response), and returns the status, the response
    headers and the body. No test client around it: its cookie jar and response wrapper
    would add their own time to every figure."""
    environ = EnvironBuilder(
        path=path,
        method=method,
        headers=headers or {},
        environ_base={"REMOTE_ADDR": "127.0.0.1"},  # the client's address, as servers set it
    ).get_environ()

    def send():
        answer = {}

        def start_response(status, response_headers, exc_info=None):
            answer["status"] = int(status.split()[0])
            answer["headers"] = response_headers

        chunks = app(dict(environ), start_response)  # a copy: the app adds keys to it
        try:
            body = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        return answer["status"], answer["headers"], body

    return send


def count_text(counts: list[int]) -> str:
    return str(counts[0]) if min(counts) == max(counts) else f"{min(counts)}-{max(counts)}"
