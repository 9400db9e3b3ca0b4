"""Every demo of the class plans, run as the plan gives it: the plan's ```sh blocks, in
order, in one shell, as the instructor types them into the first terminal (`make run`)
and the second (`curl`). The plan's commands are this test's input: a line that stops
working, or that stops showing what the plan says it shows, turns it red.

The test's own `make` serves `make run STAGE=...` in the background on the port of the
plan's $BASE (a free one here), with a database of the test's own; `make diff` runs as it
is; `make lessons` and `make break` are left to the suites that run them. The browser
is played too: where the plan has the instructor type `STOLEN=` and paste the id that
03's page keeps, the test logs alice in as the page does, adds a todo "added in the
browser" with that login, and pastes its id."""

import os
import re
import socket
import stat
import subprocess
import sys
import textwrap

import pytest
from course import CHEAP_HASH_METHOD, ROOT
from decks import DECKS, plan

# What each plan says its demos show, in the order they show it.
SHOWN = {
    "45-minutes": [
        '"title":"buy milk"',  # 03: the session id is all it takes
        '"title":"added in the browser"}]\n200\n',  # the id the page's script read
        "Set-Cookie: session_id=", "HttpOnly; Path=/; SameSite=Lax",  # 04
        '{"error": "missing or wrong X-CSRF-Token header"}\n403\n',
        '"title":"buy milk"',  # 04: with the header
        '"aud":"05_jwt_stateless"', '{"error": "not logged in"}\n401\n',  # the forged token
        '"title":"my secret plan"}\n204\n[', '"title":"my secret plan"}]',  # after logout
        '"sid":', '"current":true',  # 06: the token names its session
        '\n204\n{"id":', '"username":"alice"}\n200\n',  # 06's bound
        '"sku":"MUG-01"', '{"error": "not allowed for the role viewer"}\n403\n',  # 08
    ],
    "120-minutes": [
        '"launched":true', "HTTP/1.1 401", "missing or unknown token",  # 01
        "diff --git",  # 02_2's step
        '"title":"buy milk"', '"title":"added in the browser"}]\n200\n',
        "Set-Cookie: session_id=", "HttpOnly; Path=/; SameSite=Lax",
        '{"error": "missing or wrong X-CSRF-Token header"}\n403\n', '"title":"buy milk"',
        '"aud":"05_jwt_stateless"', '{"error": "not logged in"}\n401\n',
        '"title":"my secret plan"}\n204\n[', '"title":"my secret plan"}]',
        '"sid":', '"current":true', '\n204\n{"id":', '"username":"alice"}\n200\n',
        "Content-Security-Policy: default-src 'self'", "wrong username or password",
        "HTTP/1.1 429", "too many failed logins",  # 07, even for the right password
        '"sku":"MUG-01"', '{"error": "not allowed for the role viewer"}\n403\n',
    ],
}  # fmt: skip

# The first terminal, played by the test: one stage at a time on $BASE's port.
MAKE = r"""
start_stage() {
  FLASK_SQLALCHEMY_DATABASE_URI="sqlite:///$PWD/$1.sqlite" FLASK_TODO_FILE="$PWD/$1.txt" \
    "$PYTHON" -m flask --app "$1" run --port "${BASE##*:}" 2>>server.log &
  SERVER=$!
  until curl -s -o /dev/null "$BASE/"; do sleep 0.2; done  # it starts in about a second
}
stop_stage() {
  if [ -n "$SERVER" ]; then kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; fi
}
trap stop_stage EXIT
make() {
  case "$1" in
    run) stop_stage; start_stage "${2#STAGE=}" ;;
    diff) command make --no-print-directory -C "$ROOT" "$@" ;;
    *) echo "(make $*: not run here)" ;;
  esac
}
"""
# .venv/bin/flask, as the plans call it, with the same database as the stage's server.
FLASK = r"""#!/bin/bash
for arg; do [ "$previous" = --app ] && app=$arg; previous=$arg; done
export FLASK_SQLALCHEMY_DATABASE_URI="sqlite:///$PWD/$app.sqlite" FLASK_TODO_FILE="$PWD/$app.txt"
exec "$PYTHON" -m flask "$@"
"""
THE_PORT = "BASE=http://127.0.0.1:5000"
# The line where the instructor types STOLEN= and pastes the id copied from 03's page.
PASTED = "STOLEN=…   # typed: STOLEN=, then the pasted id"
# The browser, played: alice logs in on the page (a login of its own, not the terminal's)
# and adds a todo there; the id that the page keeps is the one pasted.
BROWSER = r"""STOLEN=$(curl -s -X POST -H "Content-Type: application/json" -d "$ALICE" \
  $BASE/api/login | "$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["session_id"])')
curl -s -o /dev/null -X POST -H "Authorization: Bearer $STOLEN" \
  -H "Content-Type: application/json" -d '{"title": "added in the browser"}' $BASE/api/todos"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sh_blocks(markdown):
    """The ```sh blocks of MARKDOWN in order, those inside a list item too."""
    blocks = re.findall(r"^( *)```sh\n(.*?)^\1```", markdown, flags=re.MULTILINE | re.DOTALL)
    return [textwrap.dedent(indent + code) for indent, code in blocks]


@pytest.mark.parametrize("name", DECKS)
def test_the_plans_commands_name_the_port_once_in_base(name):
    commands = "\n".join(sh_blocks(plan(name)))
    assert commands.count(THE_PORT) == 1
    assert commands.count("127.0.0.1:5000") == 1, "an address that is not $BASE"


@pytest.mark.parametrize("name", DECKS)
def test_every_demo_of_the_plan_works_as_the_plan_gives_it(name, tmp_path):
    flask = tmp_path / ".venv" / "bin" / "flask"
    flask.parent.mkdir(parents=True)
    flask.write_text(FLASK)
    flask.chmod(flask.stat().st_mode | stat.S_IEXEC)
    url = f"http://127.0.0.1:{free_port()}"
    commands = "\n".join(sh_blocks(plan(name)))
    assert commands.count(PASTED) == 1, "the line where the stolen id is pasted"
    script = MAKE + commands.replace(THE_PORT, f"BASE={url}").replace(PASTED, BROWSER)
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "PYTHON": sys.executable,
        "ROOT": str(ROOT),
        "PYTHONPATH": str(ROOT),
        "FLASK_SECRET_KEY": "a secret key for the class demos, 32 bytes+",
        "FLASK_PASSWORD_HASH_METHOD": CHEAP_HASH_METHOD,
    }
    result = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "curl: (" not in output, output
    assert "HTTP/1.1 500" not in output, output
    position = 0
    for shown in SHOWN[name]:
        found = output.find(shown, position)
        assert found >= 0, f"the plan says it shows {shown!r} here:\n{output[position:]}"
        position = found + len(shown)
