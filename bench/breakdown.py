"""7. Where stage 07's GET /api/todos spends its time: the request built up one layer at
a time on probe routes (a bare Flask route, 07's app, its login_required, the query, the
to_dict() calls, the JSON response), each layer timed, and what each adds.

Requests go straight to the WSGI app, as gunicorn sends them; what gunicorn itself adds
(accepting the connection, parsing, writing, closing) is the same for every layer, and
section 3 measures it with the rest.
"""

import importlib
import shutil
import statistics
import tempfile

from flask import g

from bench.common import compare, fmt_time, heading, spread, table
from bench.stage_apps import create_stage_app, dispose, log_in, wsgi_request

STAGE = "07_final_todo"


def add_layer_routes(app):
    """Probe routes that stop GET /api/todos part of the way: the same query as 07's
    list_todos (copied here), its result thrown away or turned into dicts."""
    auth = importlib.import_module(f"{STAGE}.auth")
    db = importlib.import_module(f"{STAGE}.db").db
    Todo = importlib.import_module(f"{STAGE}.models").Todo  # noqa: N806 (a class)

    def the_users_todos():
        return db.session.execute(
            db.select(Todo).filter_by(user_id=g.user_id).order_by(Todo.id)
        ).scalars()

    def constant():
        return {"ok": True}

    def query_only():
        list(the_users_todos())  # the Todo objects loaded, then dropped
        return {"ok": True}

    def to_dict_only():
        [todo.to_dict() for todo in the_users_todos()]  # the dicts made, then dropped
        return {"ok": True}

    app.add_url_rule("/bench/public", "bench_public", constant)
    app.add_url_rule("/bench/auth-only", "bench_auth_only", auth.login_required(constant))
    app.add_url_rule("/bench/query", "bench_query", auth.login_required(query_only))
    app.add_url_rule("/bench/to-dict", "bench_to_dict", auth.login_required(to_dict_only))


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
            "+ the query: Todo objects loaded": (app, "/bench/query"),
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
        samples = compare(sends, rounds=rounds)
    finally:
        if app is not None:
            dispose(app)
        shutil.rmtree(folder, ignore_errors=True)

    names = list(samples)
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
    print("  query layers are probe routes with 07's query copied into the benchmark.\n")
    table(["layer", "median", "fastest", "spread", "adds", "share"], rows)
    print(f"\n  07's route beyond the bare one: {fmt_time(extra)} a request (medians).")
