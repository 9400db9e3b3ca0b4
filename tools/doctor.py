"""Is this machine ready for the course? Checks, with no network and changing nothing, what
a class needs, one line each, and says how to fix what is wrong:

    make doctor [PORT=5001] [ATTACKER_PORT=8101] [SLIDES_PORT=8100]
    python3 tools/doctor.py [--port 5001] [--attacker-port 8101] [--slides-port 8100]
                                               (Windows: py tools\\doctor.py)

Exit status 0 when the machine is ready, 1 when not (a browser for the lessons that run
in one is needed). Lines marked "note" are not needed to run the stages (git for
`make diff`, the ports of `make attacker` and `make slides`).

Kept runnable by an old Python (3.7 and up, such as macOS's own python3), so that it can
say that Python is too old.
"""

import argparse
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NEEDED = (3, 11)
STAGE = "07_final_todo"  # the stage that needs the most packages
WINDOWS = os.name == "nt"
VENV_PYTHON = ROOT / ".venv" / ("Scripts/python.exe" if WINDOWS else "bin/python")
SET_UP = "make run sets it up (it needs the internet), or make setup-offline WHEELHOUSE=..."
# The ports of `make run`, `make attacker` and `make slides` when none is given.
RUN_PORT = 5000
ATTACKER_PORT = 8001
SLIDES_PORT = 8000

# Run by .venv's Python: the version of each package named on the command line.
VERSIONS = """
import importlib.metadata, json, sys
versions = {}
for name in sys.argv[1:]:
    try:
        versions[name] = importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        versions[name] = None
print(json.dumps(versions))
"""
# Run by .venv's Python: Playwright's own browser starts (the headless shell, or the
# full Chromium, as Playwright picks for a headless run); prints where it is.
PLAYWRIGHT_CHROMIUM = """
from playwright.sync_api import sync_playwright
with sync_playwright() as playwright:
    playwright.chromium.launch().close()
    print(playwright.chromium.executable_path)
"""


def check_python():
    version = ".".join(map(str, sys.version_info[:3]))
    if sys.version_info[:2] < NEEDED:
        return False, (
            f"Python {version} ({sys.executable}) is too old: the course needs 3.11 or newer;"
            " install one from python.org, then name it: make doctor PYTHON=python3.12"
        )
    return True, f"Python {version} ({sys.executable})"


def pins():
    """The packages of requirements.txt and their pinned versions, {"Flask": "3.1.3", ...}."""
    pinned = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            pinned[name.split("[")[0]] = version
    return pinned


def check_venv():
    if not VENV_PYTHON.exists():
        return False, f"no .venv yet: {SET_UP}"
    pinned = pins()
    try:
        found = subprocess.run(  # noqa: S603 (our own command line)
            [str(VENV_PYTHON), "-c", VERSIONS, *pinned],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return False, f".venv's Python does not run: remove .venv; {SET_UP}"
    versions = json.loads(found.stdout)
    wrong = [
        f"{name} {versions[name] or 'missing'} (wants {version})"
        for name, version in pinned.items()
        if versions[name] != version
    ]
    if wrong:
        return False, f".venv does not match requirements.txt: {', '.join(wrong)}; {SET_UP}"
    return True, ".venv has every package of requirements.txt, as pinned"


def port_in_use(port):
    """True when something answers on 127.0.0.1:PORT or the port cannot be taken."""
    with socket.socket() as probe:
        probe.settimeout(1)
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            return True
    with socket.socket() as server:
        if not WINDOWS:  # as Flask's server does, so that a recently closed port counts free
            server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            server.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def another_port(port, taken=()):
    """The first port after PORT that is free and is none of TAKEN (the course's other ports)."""
    port += 1
    while port in taken or port_in_use(port):
        port += 1
    return port


def check_port(port, taken=()):
    if port_in_use(port):
        other = another_port(port, taken)
        return False, (
            f"port {port} is in use (on macOS, AirPlay Receiver takes 5000): stop the program"
            f" that holds it, or use another port: make run PORT={other}"
            f" (and make doctor PORT={other}; BASE=http://127.0.0.1:{other} for the"
            " READMEs' Try it lines)"
        )
    return True, f"port {port} is free for make run"


def note_port(port, target, variable, what, taken):
    """A port that only TARGET needs: in use, it is a note, since it may be TARGET itself."""
    if port_in_use(port):
        return False, (
            f"port {port} is in use: {target} ({what}) cannot start while it is; if it is not"
            f" {target} already running, stop the program that holds it, or use another port:"
            f" {target} {variable}={another_port(port, taken)}"
        )
    return True, f"port {port} is free for {target} ({what})"


def note_attacker_port(port, taken=()):
    what = "the other site of the live demos"
    return note_port(port, "make attacker", "ATTACKER_PORT", what, taken)


def note_slides_port(port, taken=()):
    return note_port(port, "make slides", "SLIDES_PORT", "the slide deck", taken)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def status_of(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (our own server)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def check_stage():
    """Serve STAGE with `flask run` on a free port, with a throwaway database, and ask it for
    its page (200) and for the logged-in user (401: nobody is)."""
    if not VENV_PYTHON.exists():
        return False, f"no stage can start without .venv: {SET_UP}"
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        env = dict(os.environ)
        env["FLASK_SECRET_KEY"] = secrets.token_urlsafe(32)  # a throwaway key
        env["FLASK_SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(folder, 'db').as_posix()}"
        log_path = Path(folder, "server.log")
        with open(log_path, "w") as log:
            server = subprocess.Popen(  # noqa: S603 (our own command line)
                [str(VENV_PYTHON), "-m", "flask", "--app", STAGE, "run", "--port", str(port)],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                answers = wait_for_answers(f"http://127.0.0.1:{port}", server)
            finally:
                server.terminate()
                server.wait(timeout=10)
        log_tail = " | ".join(log_path.read_text().strip().splitlines()[-3:])
    if answers == (200, 401):
        return True, f"{STAGE} starts and answers (served on port {port} for this check)"
    return False, f"{STAGE} did not answer as it should ({answers}): {log_tail}"


def wait_for_answers(url, server, timeout=60):
    """The statuses of the page and of /api/me, once the server answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and server.poll() is None:
        try:
            return status_of(url + "/"), status_of(url + "/api/me")
        except OSError:  # not listening yet
            time.sleep(0.2)
    return "no answer"


def check_curl():
    curl = shutil.which("curl")
    if curl is None:
        return False, "no curl, which the READMEs' Try it lines use: install it"
    return True, f"curl, for the READMEs' Try it lines ({curl})"


def note_git():
    git = shutil.which("git")
    if git is None:
        return False, "no git: make diff needs it (git diff --no-index); the stages do not"
    return True, f"git, for make diff ({git})"


def check_browser():
    """The browser the tests drive, in the order they choose it (tests/harness/browser.py):
    $CHROMIUM, the light headless shell, Debian's chromium, else Playwright's own."""
    chromium = (
        os.environ.get("CHROMIUM")
        or shutil.which("chromium-headless-shell")
        or shutil.which("chromium")
    )
    if chromium is None and VENV_PYTHON.exists():
        found = subprocess.run(  # noqa: S603 (our own command line)
            [str(VENV_PYTHON), "-c", PLAYWRIGHT_CHROMIUM],
            capture_output=True,
            text=True,
            timeout=60,
        )
        chromium = found.stdout.strip() if found.returncode == 0 else None
    if chromium is None:
        return False, (
            "no browser for the lessons that run in one: make browser (Playwright's headless"
            " shell, about 100 MB from the internet; or sudo apt install chromium-headless-shell)"
        )
    return True, f"a browser for the lessons and tests ({chromium})"


def main():
    parser = argparse.ArgumentParser(description="Is this machine ready for the course?")
    parser.add_argument("--port", type=int, default=RUN_PORT, help="the port of make run")
    parser.add_argument(
        "--attacker-port", type=int, default=ATTACKER_PORT, help="the port of make attacker"
    )
    parser.add_argument("--slides-port", type=int, default=SLIDES_PORT, help="of make slides")
    ports = parser.parse_args()
    # A port suggested for one server is never another's: the class runs all three at once.
    course_ports = {ports.port, ports.attacker_port, ports.slides_port}
    print("Checking this machine for the course (no network needed):")
    checks = [
        check_python,
        check_venv,
        lambda: check_port(ports.port, course_ports),
        check_stage,
        check_curl,
        check_browser,
    ]
    problems = 0
    for check in checks:
        ready, line = check()
        problems += not ready
        print(f"  {'ok  ' if ready else 'FAIL'}  {line}", flush=True)
    notes = [
        note_git,
        lambda: note_attacker_port(ports.attacker_port, course_ports),
        lambda: note_slides_port(ports.slides_port, course_ports),
    ]
    for note in notes:  # good to have, not needed to run the stages
        present, line = note()
        print(f"  {'ok  ' if present else 'note'}  {line}", flush=True)
    if problems:
        print(f"Not ready: {problems} problem{'s' if problems > 1 else ''} above.")
        return 1
    print("Ready for the course.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
