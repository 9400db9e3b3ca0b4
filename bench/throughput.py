"""3. Requests per second under gunicorn: 07's GET /api/todos against a bare Flask route."""

import json
import os
import shutil
import statistics
import tempfile

from bench.common import CHEAP_HASH_METHOD, PASSWORD, SECRET_KEY, heading, table
from bench.servers import Gunicorn, cookies_from, run_python_client, run_wrk


def bench_throughput(connections: int, seconds: float, rounds: int, client: str, workers: int):
    use_wrk = client == "wrk" or (client == "auto" and shutil.which("wrk"))
    if client == "wrk" and not shutil.which("wrk"):
        raise SystemExit("--client wrk: wrk is not installed (apt-get install -y wrk)")
    heading(3, f"Throughput under gunicorn (-w {workers}, sync workers), localhost")
    folder = tempfile.mkdtemp(prefix="bench-load-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env.update(
        FLASK_SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder}/07.sqlite",
        FLASK_SECRET_KEY=SECRET_KEY,
        FLASK_PASSWORD_HASH_METHOD=CHEAP_HASH_METHOD,  # only the one login of the set-up
    )
    servers = []
    try:
        bare = Gunicorn("bench.bare_app:app", env, workers)
        servers.append(bare)
        stage = Gunicorn("07_final_todo:create_app()", env, workers)
        servers.append(stage)

        # 07: a user with five todos, logged in once; every request sends its cookies.
        credentials = json.dumps({"username": "bencher", "password": PASSWORD})
        json_type = {"Content-Type": "application/json"}
        stage.request("POST", "/api/register", credentials, json_type)
        response, body = stage.request("POST", "/api/login", credentials, json_type)
        if response.status != 200:
            raise RuntimeError(f"07 login failed: {response.status} {body!r}")
        cookies = cookies_from(response)
        headers = {"Cookie": f"access_token={cookies['access_token']}"}
        change = {**headers, **json_type, "X-CSRF-Token": cookies["csrf_token"]}
        for number in range(5):
            title = json.dumps({"title": f"todo number {number}"})
            stage.request("POST", "/api/todos", title, change)
        response, body = stage.request("GET", "/api/todos", headers=headers)
        if response.status != 200 or len(json.loads(body)) != 5:
            raise RuntimeError(f"07 GET /api/todos: {response.status} {body!r}")
        response, body = bare.request("GET", "/")
        if response.status != 200:
            raise RuntimeError(f"bare app: {response.status}")

        targets = [
            ("bare Flask (bench/bare_app.py)", "GET /", bare, "/", {}),
            ("07_final_todo, 5 todos", "GET /api/todos", stage, "/api/todos", headers),
        ]

        def load(server, path, request_headers, duration):
            if use_wrk:
                url = f"http://{server.host}:{server.port}{path}"
                return run_wrk(url, request_headers, connections, duration)
            return run_python_client(server, path, request_headers, connections, duration)

        for _, _, server, path, request_headers in targets:  # warm up both apps
            load(server, path, request_headers, 1)
        results = {label: [] for label, *_ in targets}
        for _ in range(rounds):  # alternate, so that both see the same background load
            for label, _, server, path, request_headers in targets:
                results[label].append(load(server, path, request_headers, seconds))
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)

    tool = f"wrk -t1 -c{connections}" if use_wrk else f"Python http.client, {connections} threads"
    print(f"  Load: {tool}, {rounds} rounds of {seconds:g} s each, alternating, after a 1 s")
    print("  warm-up. gunicorn's sync workers close the connection after every response, so")
    print("  each request includes a TCP connect. Client and server share the same cores.\n")
    rows = []
    for label, route, *_ in targets:
        runs = results[label]
        rps = [run["rps"] for run in runs]
        errors = "; ".join(sorted({run["errors"] for run in runs if run["errors"]})) or "-"
        rows.append(
            [
                label,
                route,
                f"{statistics.median(rps):,.0f}",
                f"{max(rps):,.0f}",
                " / ".join(f"{r:,.0f}" for r in rps),
                f"{statistics.median(run['p50'] for run in runs):.2f}",
                f"{statistics.median(run['p99'] for run in runs):.2f}",
                sum(run["bad"] for run in runs),
                errors,
            ]
        )
    table(
        ["server", "route", "req/s", "best", "each round", "p50 ms", "p99 ms", "non-2xx", "errors"],
        rows,
        left=2,
    )
    bare_rps = statistics.median(run["rps"] for run in results[targets[0][0]])
    stage_rps = statistics.median(run["rps"] for run in results[targets[1][0]])
    best_ratio = max(run["rps"] for run in results[targets[1][0]]) / max(
        run["rps"] for run in results[targets[0][0]]
    )
    ratio = stage_rps / bare_rps
    print(f"\n  07 / bare: {ratio:.2f} (medians), {best_ratio:.2f} (best rounds) of the bare")
    print("  route's requests per second;")
    print(f"  1 / throughput: {1e3 / bare_rps:.2f} ms (bare) vs {1e3 / stage_rps:.2f} ms (07)")
    print("  of the whole machine per request, load generator included.")
