"""7. Where stage 07's GET /api/todos spends its time: the request built up one layer at
a time on probe routes (a bare Flask route, 07's app, its login_required, a database
connection, the query built, the query run, the to_dict() calls, the JSON response),
each layer timed, and what each adds.

Requests go straight to the WSGI app, as gunicorn sends them; what gunicorn itself adds
(accepting the connection, parsing, writing, closing) is the same for every layer, and
section 3 measures it with the rest.
"""

import importlib
import shutil
import statistics
import tempfile

from flask import g
from sqlalchemy import bindparam

from bench.common import compare, fmt_time, heading, spread, table
from bench.stage_apps import create_stage_app, dispose, log_in, wsgi_request

STAGE = "07_final_todo"


def add_layer_routes(app):
    """Probe routes that stop GET /api/todos part of the way: the same query as 07's
    list_todos (copied here), built, run, its result thrown away or turned into dicts;
    and the same query from a statement built once, for comparison."""
    auth = importlib.import_module(f"{STAGE}.auth")
    db = importlib.import_module(f"{STAGE}.db").db
    Todo = importlib.import_module(f"{STAGE}.models").Todo  # noqa: N806 (a class)

    def users_todos_statement():
        return db.select(Todo).filter_by(user_id=g.user_id).order_by(Todo.id)

    # Built once: only the user id changes from one request to the next.
    built_once = db.select(Todo).where(Todo.user_id == bindparam("user_id")).order_by(Todo.id)

    def constant():
        return {"ok": True}

    def connection_only():
        db.session.connection()  # a session and a pooled connection, given back at the end
        return {"ok": True}

    def statement_only():
        db.session.connection()
        users_todos_statement()  # built, not run
        return {"ok": True}

    def query_only():
        list(db.session.execute(users_todos_statement()).scalars())  # loaded, then dropped
        return {"ok": True}

    def to_dict_only():
        todos = db.session.execute(users_todos_statement()).scalars()
        [todo.to_dict() for todo in todos]  # the dicts made, then dropped
        return {"ok": True}

    def query_built_once():
        list(db.session.execute(built_once, {"user_id": g.user_id}).scalars())
        return {"ok": True}

    routes = {
        "public": constant,
        "auth-only": auth.login_required(constant),
        "connection": auth.login_required(connection_only),
        "statement": auth.login_required(statement_only),
        "query": auth.login_required(query_only),
        "to-dict": auth.login_required(to_dict_only),
        "query-built-once": auth.login_required(query_built_once),
    }
    for name, view in routes.items():
        app.add_url_rule(f"/bench/{name}", f"bench_{name}", view)


def bench_breakdown(rounds: int, todos: int = 5):
    heading(7, f"Where 07's GET /api/todos spends its time ({todos} todos), layer by layer")
    from bench.bare_app import app as bare_app

    folder = tempfile.mkdtemp(prefix="bench-layers-")
    app = None
    try:
        app = create_stage_app(STAGE, folder)
        add_layer_routes(app)
        client = app.test_client()
        log_in(app, client)
        for number in range(todos):
            client.post("/api/todos", json={"title": f"todo number {number}"})
        cookie = f"access_token={client.get_cookie('access_token').value}"
        logged_in = {"Cookie": cookie}  # on every layer's request, as a browser sends it
        layers = {
            "bare Flask route (bench/bare_app.py)": (bare_app, "/"),
            "07's app, a constant route, no auth": (app, "/bench/public"),
            "+ login_required (token checked)": (app, "/bench/auth-only"),
            "+ a database session and connection": (app, "/bench/connection"),
            "+ the query's statement built": (app, "/bench/statement"),
            "+ the query run, Todo objects loaded": (app, "/bench/query"),
            "+ todo.to_dict() for each": (app, "/bench/to-dict"),
            "+ the JSON list: GET /api/todos": (app, "/api/todos"),
        }
        sends = {
            name: wsgi_request(wsgi_app, path, headers=logged_in)
            for name, (wsgi_app, path) in layers.items()
        }
        for name, send in sends.items():
            status, _, body = send()
            if status != 200:
                raise RuntimeError(f"{name}: {status} {body[:200]!r}")
        # Not a layer: the query layer again, its statement built once (for comparison).
        built_once = wsgi_request(app, "/bench/query-built-once", headers=logged_in)
        samples = compare({**sends, "built once": built_once}, rounds=rounds)
    finally:
        if app is not None:
            dispose(app)
        shutil.rmtree(folder, ignore_errors=True)

    names = list(sends)
    bare, full = samples[names[0]], samples[names[-1]]
    extra = statistics.median(f - b for f, b in zip(full, bare, strict=True))
    rows = []
    for before, name in zip([None, *names], names, strict=False):
        row = [name, *[fmt_time(f(samples[name])) for f in (statistics.median, min)]]
        row.append(spread(samples[name]))
        if before is None:
            row += ["", ""]
        else:
            pairs = zip(samples[name], samples[before], strict=True)
            adds = statistics.median(now - then for now, then in pairs)
            row += [fmt_time(adds), f"{adds / extra * 100:.0f}%"]
        rows.append(row)
    print("  Each layer is the one above it plus one thing; 'adds' is the difference, round by")
    print("  round, and 'share' its part of what 07's route costs beyond the bare route. The")
    print("  database layers are probe routes with 07's query copied into the benchmark.\n")
    table(["layer", "median", "fastest", "spread", "adds", "share"], rows)
    print(f"\n  07's route beyond the bare one: {fmt_time(extra)} a request (medians).")
    query = statistics.median(samples["+ the query run, Todo objects loaded"])
    once = statistics.median(samples["built once"])
    print(f"  The query layer with its statement built once (bindparam): {fmt_time(once)}")
    print(f"  instead of {fmt_time(query)}; the difference is what building the statement and")
    print("  looking up its compiled SQL on every request cost.")
