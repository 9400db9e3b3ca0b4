"""Benchmarks of the course's stages. Run from the repo root:

    .venv/bin/python bench/run.py             # everything: about two minutes on 2 cores
    .venv/bin/python bench/run.py --only 1,3  # some: 1 jwt, 2 auth, 3 load, 4 hash, 5 startup

It prints tables only; it asserts no timing. Every database is a temporary SQLite file,
every server it starts is stopped before it exits, and the repository's instance/ folder
is never used (it checks). See bench/README.md for what each figure means.
"""

import argparse
import http.client
import http.cookies
import importlib
import importlib.metadata
import inspect
import json
import os
import platform
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import timeit
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # stages are loaded by folder name, as conftest.py does

STAGES = sorted(
    path.name
    for path in ROOT.iterdir()
    if re.fullmatch(r"\d\d_\w+", path.name) and (path / "__init__.py").is_file()
)
AUTH_STAGES = [name for name in STAGES if name >= "03"]
PASSWORD = "correct horse battery"  # noqa: S105 (a throwaway user's)
CHEAP_HASH_METHOD = "scrypt:1024:8:1"  # the tests' cost: login and set-up stay cheap
REAL_HASH_METHOD = "scrypt:32768:8:3"  # what every stage uses by default
WERKZEUG_DEFAULT_METHOD = "scrypt:32768:8:1"
SECRET_KEY = "bench-" + secrets.token_urlsafe(32)  # 32 random bytes, like the stages' own


# --- Measuring and printing -------------------------------------------------------------


def fmt_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def spread(samples: list[float]) -> str:
    """Half the interquartile range, as a share of the median: how much the runs agree."""
    if len(samples) < 3:
        return "-"
    q1, _, q3 = statistics.quantiles(samples, n=4)
    return f"±{(q3 - q1) / 2 / statistics.median(samples) * 100:.0f}%"


def summary(samples: list[float]) -> list[str]:
    return [fmt_time(statistics.median(samples)), fmt_time(min(samples)), spread(samples)]


def table(headers: list[str], rows: list[list], left: int = 1, indent: str = "  "):
    """Print ROWS under HEADERS: the first LEFT columns (text) aligned left, the other
    columns (figures) right."""
    rows = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells):
        parts = [
            cell.ljust(width) if i < left else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return indent + "  ".join(parts).rstrip()

    print(line(headers))
    print(indent + "  ".join("-" * w for w in widths))
    for row in rows:
        print(line(row))


def heading(number: int, title: str):
    print(f"\n{number}. {title}\n")


def calibrate(function, target: float) -> int:
    """How many calls take about TARGET seconds."""
    number = 1
    while True:
        elapsed = timeit.timeit(function, number=number)
        if elapsed >= target / 4 or number >= 1_000_000:
            return max(1, int(number * target / max(elapsed, 1e-9)))
        number *= 4


def compare(candidates: dict, rounds: int = 7, target: float = 0.08) -> dict[str, list[float]]:
    """Seconds per call of each candidate, ROUNDS samples each. The rounds interleave the
    candidates, so that a burst of load on a shared machine hits all of them alike."""
    numbers = {name: calibrate(function, target) for name, function in candidates.items()}
    samples = {name: [] for name in candidates}
    for _ in range(rounds):
        for name, function in candidates.items():
            samples[name].append(timeit.timeit(function, number=numbers[name]) / numbers[name])
    return samples


# --- The machine ------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_total() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "?"


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def filesystem_of(path: str) -> str:
    best, kind = "", "?"
    try:
        for line in Path("/proc/mounts").read_text().splitlines():
            _, mount, fstype, *_ = line.split()
            if path.startswith(mount) and len(mount) > len(best):
                best, kind = mount, fstype
    except OSError:
        pass
    return kind


def print_machine():
    versions = []
    for package in ["Flask", "Werkzeug", "SQLAlchemy", "Flask-SQLAlchemy", "PyJWT", "gunicorn"]:
        try:
            versions.append(f"{package} {importlib.metadata.version(package)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{package} -")
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    print("Benchmarks of the course's stages (bench/run.py)")
    print(f"  date        {time.strftime('%Y-%m-%d %H:%M:%S %Z')}")
    print(f"  CPU         {cpu_model()}")
    print(f"  cores       {os.cpu_count()} logical, {usable} usable by this process")
    print(f"  memory      {memory_total()}")
    print(f"  Python      {platform.python_implementation()} {platform.python_version()}")
    print(f"  OS          {platform.platform()}")
    print(f"  packages    {', '.join(versions)}")
    print(f"  temp files  {tempfile.gettempdir()} ({filesystem_of(tempfile.gettempdir())})")
    print(f"  load avg    {load_average()} (1, 5, 15 min) at start")
    print("  Times: median of the runs, the fastest run, and the spread (half the")
    print("  interquartile range over the median). On a busy machine trust the fastest run.")


# --- 1. Decoding a JWT ------------------------------------------------------------------


def bench_jwt(rounds: int):
    import hashlib
    import hmac

    import jwt

    ours = importlib.import_module("05_jwt_stateless.tokens")
    stage06 = importlib.import_module("06_jwt_session_backup.tokens")
    key = SECRET_KEY.encode()
    now = int(time.time())
    # Claims as 06/07 make them, so that every decoder below accepts the same token.
    claims = {
        "sub": "42",
        "sid": secrets.token_urlsafe(16),
        "aud": "06_jwt_session_backup",
        "iat": now,
        "exp": now + 600,
        "csrf": secrets.token_urlsafe(32),
    }
    token = ours.encode(claims, key)
    same_token = token == jwt.encode(claims, key, algorithm="HS256")
    audience = claims["aud"]
    decoded = [
        ours.decode(token, key),
        jwt.decode(token, key, algorithms=["HS256"], audience=audience),
        stage06.decode(token, key, audience),
    ]
    if decoded != [claims] * 3:
        raise RuntimeError("the decoders disagree about the same token")
    signing_input = token.rsplit(".", 1)[0].encode()

    samples = compare(
        {
            "05 tokens.decode (hand-written)": lambda: ours.decode(token, key),
            "PyJWT jwt.decode(algorithms=[HS256])": lambda: jwt.decode(
                token, key, algorithms=["HS256"], audience=audience
            ),
            "06-08 tokens.decode (PyJWT + checks)": lambda: stage06.decode(token, key, audience),
            "HMAC-SHA256 of the token alone": lambda: hmac.new(
                key, signing_input, hashlib.sha256
            ).digest(),
        },
        rounds=rounds,
    )
    heading(1, "Decoding one JWT (HS256): stage 05's hand-written decoder vs PyJWT")
    print(f"  token: {len(token)} characters, {len(claims)} claims, key {len(key)} bytes;")
    print(f"  05's encode and PyJWT's encode give the same token: {same_token}\n")
    table(
        ["decoder", "median/call", "fastest", "spread"],
        [[name, *summary(values)] for name, values in samples.items()],
    )
    names = list(samples)
    ratio_median = statistics.median(samples[names[0]]) / statistics.median(samples[names[1]])
    ratio_min = min(samples[names[0]]) / min(samples[names[1]])
    verdict = "ours is no slower" if ratio_min <= 1.0 else "OURS IS SLOWER"
    print(f"\n  ours / PyJWT: {ratio_median:.2f} (medians), {ratio_min:.2f} (fastest): {verdict}")


# --- 2. Auth cost per request, stage by stage -------------------------------------------


class QueryCounter:
    """Every SQL statement the engine sends, through SQLAlchemy's before_cursor_execute."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.engine, self.event, self.statements = engine, event, []
        event.listen(engine, "before_cursor_execute", self.record)

    def record(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    def remove(self):
        self.event.remove(self.engine, "before_cursor_execute", self.record)


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


# --- 3. Throughput under gunicorn -------------------------------------------------------


class Gunicorn:
    """`gunicorn -w WORKERS -b 127.0.0.1:0 APP` in its own process group, stopped by stop()."""

    def __init__(self, app_spec: str, env: dict, workers: int):
        command = [
            sys.executable, "-m", "gunicorn",
            "-w", str(workers),
            "-b", "127.0.0.1:0",  # a free port; gunicorn says which
            "--no-control-socket",  # no ~/.gunicorn/gunicorn.ctl shared with other servers
            app_spec,
        ]  # fmt: skip
        self.process = subprocess.Popen(  # noqa: S603 (our own command line)
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        RUNNING.append(self)
        self.log = []
        match = None
        for line in self.process.stderr:
            self.log.append(line)
            if match := re.search(r"Listening at: http://([\d.]+):(\d+)", line):
                break
        if match is None:
            self.stop()
            raise RuntimeError(f"gunicorn {app_spec} did not start:\n" + "".join(self.log))
        self.host, self.port = match.group(1), int(match.group(2))
        self.reader = threading.Thread(target=lambda: self.log.extend(self.process.stderr))
        self.reader.daemon = True
        self.reader.start()

    def request(self, method, path, body=None, headers=None):
        for _ in range(100):  # the workers may still be loading the app
            connection = http.client.HTTPConnection(self.host, self.port, timeout=10)
            try:
                connection.request(method, path, body=body, headers=headers or {})
                response = connection.getresponse()
                return response, response.read()
            except (ConnectionError, http.client.RemoteDisconnected):
                time.sleep(0.1)
            finally:
                connection.close()
        raise RuntimeError(f"gunicorn on port {self.port} does not answer")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()  # SIGTERM: the master stops its workers and exits
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # its own group: only ours
                self.process.wait()
        if self in RUNNING:
            RUNNING.remove(self)


RUNNING: list[Gunicorn] = []


def cookies_from(response) -> dict[str, str]:
    jar = http.cookies.SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


def run_wrk(url: str, headers: dict, connections: int, seconds: float) -> dict:
    command = [shutil.which("wrk"), "-t1", f"-c{connections}", f"-d{seconds:g}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(  # noqa: S603 (our own command line)
        [*command, url], capture_output=True, text=True, timeout=seconds + 30, check=True
    ).stdout

    def millis(label):
        match = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\b", output, re.M)
        if not match:
            return float("nan")
        return float(match.group(1)) * {"us": 1e-3, "ms": 1, "s": 1e3}[match.group(2)]

    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": millis("50%"),
        "p99": millis("99%"),
        "bad": int(bad.group(1)) if bad else 0,
        "errors": errors.group(1).strip() if errors else "",
    }


def run_python_client(server: Gunicorn, path, headers, connections, seconds) -> dict:
    """wrk's job with threads and http.client: each thread sends request after request on
    its own connection (reopened whenever the server closes it) until the time is up."""
    deadline = time.perf_counter() + seconds
    latencies, bad, errors = [], [0], [0]
    lock = threading.Lock()

    def worker():
        mine, mine_bad, mine_errors = [], 0, 0
        connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                mine_errors += 1
                connection.close()
                continue
            mine.append(time.perf_counter() - start)
            mine_bad += not 200 <= response.status < 400
        connection.close()
        with lock:
            latencies.extend(mine)
            bad[0] += mine_bad
            errors[0] += mine_errors

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()

    def percentile(p):
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1e3

    return {
        "rps": len(latencies) / elapsed,
        "p50": percentile(0.5) if latencies else float("nan"),
        "p99": percentile(0.99) if latencies else float("nan"),
        "bad": bad[0],
        "errors": f"{errors[0]} errors" if errors[0] else "",
    }


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


# --- 4. Password hashing ----------------------------------------------------------------


def scrypt_parameters(method: str) -> tuple[int, int, int]:
    _, n, r, p = method.split(":")
    return int(n), int(r), int(p)


def measured_peak_memory(method: str) -> int:
    """The growth of peak RSS of a fresh process that computes one such hash, in bytes."""
    n, r, p = scrypt_parameters(method)
    # VmHWM is this process's own peak (ru_maxrss would start at the parent's, on Linux).
    code = (
        "import hashlib, re\n"
        "def peak():\n"
        "    status = open('/proc/self/status').read()\n"
        "    return int(re.search(r'VmHWM:\\s+(\\d+) kB', status).group(1)) * 1024\n"
        "before = peak()\n"
        f"hashlib.scrypt(b'password', salt=b'saltsaltsaltsalt', n={n}, r={r}, p={p},"
        f" maxmem={132 * n * r * p})\n"
        "print(peak() - before)\n"
    )
    result = subprocess.run(  # noqa: S603 (our own command line)
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    return int(result.stdout) if result.returncode == 0 else -1


def bench_hashing(runs: int):
    from werkzeug.security import check_password_hash

    heading(4, "Password hashing: the cost of one login (one check_password_hash)")
    methods = [
        (REAL_HASH_METHOD, "every stage's default (OWASP minimum)"),
        (WERKZEUG_DEFAULT_METHOD, "Werkzeug's default"),
        (CHEAP_HASH_METHOD, "the tests' and these benchmarks' setting"),
    ]
    from werkzeug.security import generate_password_hash

    rows = []
    reference = None
    for method, meaning in methods:
        stored = generate_password_hash(PASSWORD, method=method)
        if not check_password_hash(stored, PASSWORD):
            raise RuntimeError(f"{method}: the hash does not check")
        count = runs if scrypt_parameters(method)[0] > 4096 else runs * 10
        samples = []
        for _ in range(count):
            start = time.perf_counter()
            check_password_hash(stored, PASSWORD)
            samples.append(time.perf_counter() - start)
        n, r, p = scrypt_parameters(method)
        median = statistics.median(samples)
        reference = reference or median
        peak = measured_peak_memory(method)
        rows.append(
            [
                method,
                meaning,
                *summary(samples),
                f"{median / reference:.2f}",
                f"{1 / median:,.1f}",
                f"{n * r * 128 / 2**20:g} MiB",
                f"{peak / 2**20:.1f} MiB" if peak >= 0 else "?",
            ]
        )
    table(
        [
            "method",
            "what",
            "median",
            "fastest",
            "spread",
            "vs 8:3",
            "logins/s/core",
            "n*r*128",
            "peak RSS +",
        ],
        rows,
        left=2,
    )
    print("\n  p (the last number) repeats the work p times, one lane after the other, in the")
    print("  same n*r*128 bytes of memory: time grows with p, memory does not. A failed login")
    print("  (unknown user) costs the same: the stages check a dummy hash. 'peak RSS +' is the")
    print("  measured growth of a fresh process that computes one hash.")


# --- 5. Startup -------------------------------------------------------------------------

FRAMEWORK_CODE = """
import json, time
start = time.perf_counter()
import flask, flask_sqlalchemy
print(json.dumps([time.perf_counter() - start, 0.0]))
"""

STARTUP_CODE = """
import json, sys, time
start = time.perf_counter()
import importlib
module = importlib.import_module(sys.argv[1])
imported = time.perf_counter()
app = module.create_app(json.loads(sys.argv[2]))
created = time.perf_counter()
print(json.dumps([imported - start, created - imported]))
"""


def bench_startup(runs: int):
    heading(5, "Startup: a fresh `python -c` process that imports a stage and calls create_app()")
    folder = tempfile.mkdtemp(prefix="bench-start-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    samples = {stage: {"import": [], "create_app": [], "process": []} for stage in STAGES}
    baseline, frameworks = [], []
    try:
        for run in range(runs):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", "pass"], check=True, env=env, cwd=ROOT)  # noqa: S603
            baseline.append(time.perf_counter() - start)
            result = subprocess.run(  # noqa: S603 (our own command line)
                [sys.executable, "-c", FRAMEWORK_CODE],
                capture_output=True, text=True, check=True, env=env, cwd=ROOT,
            )  # fmt: skip
            frameworks.append(json.loads(result.stdout)[0])
            for stage in STAGES:  # round by round, so load bursts hit every stage alike
                run_folder = f"{folder}/{stage}-{run}"
                os.mkdir(run_folder)
                config = {
                    "SECRET_KEY": SECRET_KEY,  # 07/08 would otherwise read instance/secret_key
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{run_folder}/db.sqlite",
                    "TODO_FILE": f"{run_folder}/todos.txt",
                }
                start = time.perf_counter()
                result = subprocess.run(  # noqa: S603 (our own command line)
                    [sys.executable, "-c", STARTUP_CODE, stage, json.dumps(config)],
                    capture_output=True,
                    text=True,
                    env=env,
                    cwd=ROOT,
                    timeout=60,
                )
                elapsed = time.perf_counter() - start
                if result.returncode != 0:
                    raise RuntimeError(f"{stage} did not start:\n{result.stderr}")
                imported, created = json.loads(result.stdout.strip().splitlines()[-1])
                samples[stage]["import"].append(imported)
                samples[stage]["create_app"].append(created)
                samples[stage]["process"].append(elapsed)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"  {runs} runs each, a new empty database every time (create_app creates the tables).")
    print(f"  An empty interpreter (python -c pass): {fmt_time(statistics.median(baseline))};")
    print(f"  `import flask, flask_sqlalchemy` alone: {fmt_time(statistics.median(frameworks))}.\n")
    rows = []
    for stage, values in samples.items():
        rows.append(
            [
                stage,
                fmt_time(statistics.median(values["import"])),
                fmt_time(statistics.median(values["create_app"])),
                fmt_time(min(values["create_app"])),
                spread(values["create_app"]),
                fmt_time(statistics.median(values["process"])),
            ]
        )
    table(["stage", "import", "create_app()", "fastest", "spread", "whole process"], rows)


# --- Main -------------------------------------------------------------------------------


def instance_snapshot() -> dict:
    folder = ROOT / "instance"
    if not folder.is_dir():
        return {}
    return {p.name: (p.stat().st_mtime_ns, p.stat().st_size) for p in folder.iterdir()}


@contextmanager
def stopped_on_signal():
    """Ctrl-C or SIGTERM: unwind (so every server is stopped and every temp folder goes)."""

    def handler(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        for server in list(RUNNING):
            server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only", default="1,2,3,4,5", help="sections to run, e.g. 1,3 (default: all)"
    )
    parser.add_argument("--rounds", type=int, default=7, help="timing rounds in 1, 2 (7)")
    parser.add_argument("--connections", type=int, default=8, help="load: connections (8)")
    parser.add_argument("--seconds", type=float, default=3, help="load: seconds a round (3)")
    parser.add_argument("--load-rounds", type=int, default=5, help="load: rounds each (5)")
    parser.add_argument("--workers", type=int, default=2, help="load: gunicorn workers (2)")
    parser.add_argument(
        "--client",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="load generator: wrk if installed (auto), or Python threads",
    )
    parser.add_argument("--hash-runs", type=int, default=5, help="checks per scrypt cost (5)")
    parser.add_argument("--startup-runs", type=int, default=5, help="processes per stage (5)")
    args = parser.parse_args()
    sections = {int(part) for part in args.only.split(",") if part.strip()}

    os.chdir(ROOT)
    before = instance_snapshot()
    started = time.perf_counter()
    print_machine()
    with stopped_on_signal():
        if 1 in sections:
            bench_jwt(args.rounds)
        if 2 in sections:
            bench_auth(args.rounds)
        if 3 in sections:
            bench_throughput(
                args.connections, args.seconds, args.load_rounds, args.client, args.workers
            )
        if 4 in sections:
            bench_hashing(args.hash_runs)
        if 5 in sections:
            bench_startup(args.startup_runs)
    untouched = instance_snapshot() == before
    print(f"\nDone in {time.perf_counter() - started:.0f} s; load avg {load_average()} at the end.")
    print(
        "instance/ untouched."
        if untouched
        else "instance/ CHANGED during the run (by this run or by another process)."
    )


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:  # every server is stopped and every temp folder gone by now
        print("\nInterrupted.", file=sys.stderr)
        sys.exit(130)
