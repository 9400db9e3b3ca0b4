"""2. What logging a request in costs, stage by stage: queries and time per request."""

import os
import shutil
import statistics
import tempfile

from bench.common import AUTH_STAGES, compare, fmt_time, heading, spread, table
from bench.stage_apps import count_queries, count_text, dispose, log_in, make_stage_app, short_sql

# How each stage authenticates a request, and the auth queries the brief expects.
AUTH_KIND = {
    "03_session_localstorage": ("session row by Bearer id", 1),
    "04_session_cookies": ("session row by cookie", 1),
    "05_jwt_stateless": ("JWT, hand-written, no DB", 0),
    "06_jwt_session_backup": ("JWT (PyJWT), no DB", 0),
    "07_final_todo": ("JWT (PyJWT), no DB", 0),
    "08_inventory_rbac": ("JWT + user row (role)", 1),
}


def bench_auth(rounds: int):
    heading(2, "Auth cost per authenticated request, stage by stage (Flask test client)")
    print("  Each stage on a temporary SQLite file, a cheap password hash, one logged-in user")
    print("  with no todos. /bench/auth-only is a probe route added by the benchmark: the")
    print("  stage's own login_required around a view that returns a constant, so its queries")
    print("  are auth's alone; /bench/public is the same view with no auth. The data route is")
    print("  GET /api/todos (08: GET /api/products); 'view' = its queries beyond auth's.\n")
    query_rows, time_rows, statements = [], [], {}
    folder = tempfile.mkdtemp(prefix="bench-auth-")
    try:
        for stage in AUTH_STAGES:
            kind, expected = AUTH_KIND.get(stage, ("?", None))
            app = make_stage_app(stage, folder)
            client = app.test_client()
            log_in(app, client)
            data_path = "/api/products" if stage.startswith("08") else "/api/todos"
            auth_counts, auth_statements = count_queries(app, client, "/bench/auth-only")
            data_counts, _ = count_queries(app, client, data_path)
            me_counts, _ = count_queries(app, client, "/api/me")
            public_counts, _ = count_queries(app, client, "/bench/public")
            auth_n = auth_counts[0]
            flag = "" if expected is None or max(auth_counts) == expected else " UNEXPECTED"
            query_rows.append(
                [
                    stage,
                    kind,
                    count_text(auth_counts) + flag,
                    "-" if expected is None else expected,
                    f"{count_text(data_counts)} ({data_counts[0] - auth_n} view)",
                    f"{count_text(me_counts)} ({me_counts[0] - auth_n} view)",
                    count_text(public_counts),
                ]
            )
            if auth_statements:
                statements[stage] = auth_statements
            samples = compare(
                {
                    "public": lambda client=client: client.get("/bench/public"),
                    "auth": lambda client=client: client.get("/bench/auth-only"),
                    "data": lambda client=client, path=data_path: client.get(path),
                },
                rounds=rounds,
            )
            auth_cost = [a - p for a, p in zip(samples["auth"], samples["public"], strict=True)]
            time_rows.append(
                [
                    stage,
                    fmt_time(statistics.median(samples["public"])),
                    fmt_time(statistics.median(samples["auth"])),
                    fmt_time(min(samples["auth"])),
                    spread(samples["auth"]),
                    fmt_time(statistics.median(auth_cost)),
                    fmt_time(statistics.median(samples["data"])),
                ]
            )
            dispose(app)

        # The other path of 06-08: an expired token, renewed from its session.
        renew_rows = []
        os.mkdir(folder + "/renew")
        for stage in [s for s in AUTH_STAGES if s >= "06"]:
            app = make_stage_app(stage, folder + "/renew", TOKEN_LIFETIME=-60)
            client = app.test_client()
            log_in(app, client)
            counts, renew_statements = count_queries(app, client, "/bench/auth-only")
            statements[f"{stage} (renewal)"] = renew_statements
            samples = compare(
                {
                    "public": lambda client=client: client.get("/bench/public"),
                    "auth": lambda client=client: client.get("/bench/auth-only"),
                },
                rounds=rounds,
            )
            auth_cost = [a - p for a, p in zip(samples["auth"], samples["public"], strict=True)]
            renew_rows.append(
                [
                    f"{stage}, expired token",
                    count_text(counts),
                    fmt_time(statistics.median(samples["auth"])),
                    fmt_time(min(samples["auth"])),
                    spread(samples["auth"]),
                    fmt_time(statistics.median(auth_cost)),
                ]
            )
            dispose(app)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    print("  SQL queries per request (valid token / live session):\n")
    table(
        ["stage", "auth by", "auth", "expected", "data route", "GET /api/me", "public"],
        query_rows,
        left=2,
    )
    print("\n  Time per request, in-process (median unless said):\n")
    table(
        ["stage", "public", "auth-only", "fastest", "spread", "auth cost", "data route"],
        time_rows,
    )
    print("\n  auth cost = auth-only minus public, round by round: what login_required adds.")
    print("\n  06-08 with an expired token (TOKEN_LIFETIME=-60: every request renews it):\n")
    table(["stage", "queries", "auth-only", "fastest", "spread", "auth cost"], renew_rows)
    print("\n  The auth queries themselves:")
    for stage, sqls in statements.items():
        for sql in sqls:
            print(f"    {stage}: {short_sql(sql)}")
