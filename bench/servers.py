"""Servers and load generators for the throughput section: gunicorn in its own process
group, and wrk or a Python client to load it."""

import http.client
import http.cookies
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

from bench.common import ROOT


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
