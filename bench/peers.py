"""6. Stage 07's login_required against what people use instead: flask-jwt-extended's
@jwt_required() (an access token in a cookie, with its CSRF double submit) and
Flask-Login's @login_required (Flask's session cookie and a user_loader query).

Each contender gets its own copy of stage 07's app (create_app(), so the same
extensions, hooks and security headers), its own temporary database with one user and
five todos, and the same three probe routes behind its own decorator. Only the way a
request is logged in differs. The two libraries: bench/requirements.txt (and
requirements.txt, at the same versions, for LIBRARIES.md, which quotes this file).
"""

import importlib
import os
import shutil
import statistics
import tempfile
from datetime import timedelta

from flask import g, make_response
from werkzeug.security import generate_password_hash

from bench.common import (
    CHEAP_HASH_METHOD,
    PASSWORD,
    SECRET_KEY,
    compare,
    fmt_time,
    heading,
    spread,
    table,
)
from bench.stage_apps import create_stage_app, dispose, log_in, queries_of, wsgi_request

STAGE = "07_final_todo"
USER_AGENT = "bench"  # the same on every request: Flask-Login's session protection checks it
INSTALL = ".venv/bin/pip install -r bench/requirements.txt"


def missing_packages() -> list[str]:
    missing = []
    packages = {"flask_jwt_extended": "flask-jwt-extended", "flask_login": "Flask-Login"}
    for module, package in packages.items():
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append(package)
    return missing


def add_probe_routes(app, guard, current_user_id):
    """The same three routes on every contender's app: no auth, auth alone (GET, and POST
    for the CSRF check), and 07's GET /api/todos view with the user id taken from the
    contender."""
    db = importlib.import_module(f"{STAGE}.db").db
    Todo = importlib.import_module(f"{STAGE}.models").Todo  # noqa: N806 (a class)

    def constant():
        return {"ok": True}

    def todos():
        todos = db.session.execute(
            db.select(Todo).filter_by(user_id=current_user_id()).order_by(Todo.id)
        ).scalars()
        return [todo.to_dict() for todo in todos]

    app.add_url_rule("/bench/public", "bench_public", constant)
    app.add_url_rule(
        "/bench/auth-only", "bench_auth_only", guard(constant), methods=["GET", "POST"]
    )
    app.add_url_rule("/bench/todos", "bench_todos", guard(todos))


def add_user_and_todos(app) -> int:
    """Five todos for the app's one user (made here unless 07's /api/register made it),
    and the user's id."""
    db = importlib.import_module(f"{STAGE}.db").db
    models = importlib.import_module(f"{STAGE}.models")
    with app.app_context():
        user = db.session.execute(db.select(models.User)).scalar_one_or_none()
        if user is None:
            password_hash = generate_password_hash(PASSWORD, method=CHEAP_HASH_METHOD)
            user = models.User(username="bencher", password_hash=password_hash)
            db.session.add(user)
            db.session.commit()
        for number in range(5):
            db.session.add(models.Todo(user_id=user.id, title=f"todo number {number}"))
        db.session.commit()
        return user.id


def stage_07(folder):
    """07 as it is: its own login (POST /api/login) and its own login_required."""
    app = create_stage_app(STAGE, folder)
    auth = importlib.import_module(f"{STAGE}.auth")
    add_probe_routes(app, auth.login_required, lambda: g.user_id)
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = USER_AGENT
    log_in(app, client)
    add_user_and_todos(app)
    cookies = ["access_token", "csrf_token"]
    return app, client, cookies, ("X-CSRF-Token", "csrf_token")


def flask_jwt_extended(folder):
    """flask-jwt-extended as its documentation sets it up for browsers: the access token
    in an HttpOnly cookie, CSRF double submit (a readable cookie copied into a header on
    changes). Like 07's tokens: ten minutes, and the app's name as audience."""
    from flask_jwt_extended import (
        JWTManager,
        create_access_token,
        get_jwt_identity,
        jwt_required,
        set_access_cookies,
    )

    app = create_stage_app(
        STAGE,
        folder,
        JWT_SECRET_KEY=SECRET_KEY,
        JWT_TOKEN_LOCATION=["cookies"],
        JWT_COOKIE_CSRF_PROTECT=True,  # the default, said out loud
        JWT_COOKIE_SECURE=False,  # plain HTTP here, like 07's AUTH_COOKIE_SECURE
        JWT_ACCESS_TOKEN_EXPIRES=timedelta(minutes=10),
        JWT_ENCODE_AUDIENCE=STAGE,
        JWT_DECODE_AUDIENCE=STAGE,
    )
    JWTManager(app)
    add_probe_routes(app, jwt_required(), lambda: int(get_jwt_identity()))
    user_id = add_user_and_todos(app)

    def log_in_route():  # not measured, so it checks no password
        response = make_response({"ok": True})
        set_access_cookies(response, create_access_token(identity=str(user_id)))
        return response

    app.add_url_rule("/bench/login", "bench_login", log_in_route, methods=["POST"])
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = USER_AGENT
    client.post("/bench/login")
    cookies = ["access_token_cookie", "csrf_access_token"]
    return app, client, cookies, ("X-CSRF-TOKEN", "csrf_access_token")


def flask_login(folder):
    """Flask-Login as its documentation sets it up: the user id in Flask's signed session
    cookie, and a user_loader that reads the user from the database on every request.
    Defaults otherwise (session protection "basic"). It checks no CSRF itself."""
    from flask_login import LoginManager, UserMixin, current_user, login_required, login_user

    db = importlib.import_module(f"{STAGE}.db").db
    User = importlib.import_module(f"{STAGE}.models").User  # noqa: N806 (a class)

    class LoginUser(UserMixin):
        """What Flask-Login wants of a user (is_authenticated, get_id...), around 07's."""

        def __init__(self, user):
            self.id, self.username = user.id, user.username

    login_manager = LoginManager(app := create_stage_app(STAGE, folder))

    @login_manager.user_loader
    def load_user(user_id: str):
        user = db.session.get(User, int(user_id))
        return LoginUser(user) if user else None

    add_probe_routes(app, login_required, lambda: current_user.id)
    user_id = add_user_and_todos(app)

    def log_in_route():  # not measured, so it checks no password
        login_user(LoginUser(db.session.get(User, user_id)))
        return {"ok": True}

    app.add_url_rule("/bench/login", "bench_login", log_in_route, methods=["POST"])
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = USER_AGENT
    client.post("/bench/login")
    return app, client, ["session"], None


CONTENDERS = [
    ("07 login_required", "JWT cookie (PyJWT), no DB", stage_07),
    ("flask-jwt-extended @jwt_required()", "JWT cookie (PyJWT), no DB", flask_jwt_extended),
    ("Flask-Login @login_required", "session cookie + user_loader", flask_login),
]


def bench_peers(rounds: int):
    heading(6, "Auth measured against what people use instead (stage 07's app, three ways)")
    missing = missing_packages()
    if missing:
        print(f"  Skipped: not installed: {', '.join(missing)}. make bench installs this")
        print(f"  section's packages; by hand: {INSTALL}")
        return
    folder = tempfile.mkdtemp(prefix="bench-peers-")
    apps, sends, query_rows = [], {}, []
    try:
        for number, (name, kind, set_up) in enumerate(CONTENDERS):
            os.mkdir(f"{folder}/{number}")
            app, client, cookie_names, csrf = set_up(f"{folder}/{number}")
            apps.append(app)
            cookie = "; ".join(f"{n}={client.get_cookie(n).value}" for n in cookie_names)
            logged_in = {"User-Agent": USER_AGENT, "Cookie": cookie}
            change = dict(logged_in)
            if csrf:
                header, cookie_name = csrf
                change[header] = client.get_cookie(cookie_name).value
            sends[name] = {
                "public": wsgi_request(app, "/bench/public", headers={"User-Agent": USER_AGENT}),
                "auth GET": wsgi_request(app, "/bench/auth-only", headers=logged_in),
                "auth POST": wsgi_request(app, "/bench/auth-only", "POST", change),
                "todos": wsgi_request(app, "/bench/todos", headers=logged_in),
            }
            for what, send in sends[name].items():
                status, headers, _ = send()
                if status != 200:
                    raise RuntimeError(f"{name}: {what} answered {status}")
                if any(header == "Set-Cookie" for header, _ in headers):
                    raise RuntimeError(f"{name}: {what} sets a cookie on an ordinary request")
            auth_counts, _ = queries_of(app, lambda s=sends[name]["auth GET"]: s()[0], "auth")
            todo_counts, _ = queries_of(app, lambda s=sends[name]["todos"]: s()[0], "todos")
            query_rows.append([name, kind, max(auth_counts), max(todo_counts)])

        candidates = {(name, what): send for name in sends for what, send in sends[name].items()}
        samples = compare(candidates, rounds=rounds)
    finally:
        for app in apps:
            dispose(app)
        shutil.rmtree(folder, ignore_errors=True)

    print("  Every request sent straight to the app, as a WSGI server sends it (no test")
    print("  client). public = the same constant view with no auth and no cookies; auth cost")
    print("  = auth-only minus public, round by round: what logging a request in adds,")
    print("  reading its cookies included. POST = auth-only with the CSRF header; todos =")
    print("  07's GET /api/todos view (five todos) behind the contender's decorator.\n")
    rows, costs = [], {}
    for name, kind, auth_queries, todo_queries in query_rows:
        cost = {
            what: [a - p for a, p in zip(samples[name, what], samples[name, "public"], strict=True)]
            for what in ("auth GET", "auth POST")
        }
        costs[name] = cost["auth GET"]
        rows.append(
            [
                name,
                kind,
                auth_queries,
                todo_queries,
                fmt_time(statistics.median(cost["auth GET"])),
                fmt_time(min(samples[name, "auth GET"]) - min(samples[name, "public"])),
                spread(samples[name, "auth GET"]),
                fmt_time(statistics.median(cost["auth POST"])),
                fmt_time(statistics.median(samples[name, "todos"])),
            ]
        )
    table(
        [
            "contender",
            "auth by",
            "queries: auth",
            "todos",
            "auth cost GET",
            "fastest",
            "spread",
            "POST",
            "todos route",
        ],
        rows,
        left=2,
    )
    ours, theirs = (costs[CONTENDERS[0][0]], costs[CONTENDERS[1][0]])
    ratio = statistics.median(ours) / statistics.median(theirs)
    verdict = "07's auth costs no more" if ratio <= 1.0 else "07's AUTH COSTS MORE"
    print(f"\n  07 / flask-jwt-extended, auth cost (medians): {ratio:.2f}: {verdict}.")
    login_ratio = statistics.median(costs[CONTENDERS[2][0]]) / statistics.median(ours)
    print(f"  Flask-Login / 07: {login_ratio:.1f}. Flask-Login checks no CSRF on a POST (add")
    print("  Flask-WTF's CSRFProtect for that); the JWT contenders check the header.")
