"""Every command of every stage README's "Try it" section, run as printed against the
stage served by `flask run` (on a free port instead of 5000, with a database of the
test's own), in one shell, in order. The output must show what the README says it shows.

This is how a learner walks the course: if a line stops working, this test says which.
And every stage README keeps the same parts, in the same order."""

import os
import re
import socket
import stat
import subprocess
import sys

import pytest
from course import CHEAP_HASH_METHOD, ROOT, STAGES

# What each README says its lines print (a few telling pieces of it; a pattern where the
# figure depends on the machine's speed: 07's wait began while the guesses were hashed).
SHOWN = {
    "01_missile_button": ['"launched":true', '"launched_by":"alice"', "HTTP/1.1 401",
                          "missing or unknown token"],
    "02_1_todo_text": ['{"index":1,"text":"call mom"}', '["buy milk","call mom"]',
                       '{"index":1,"text":"call dad"}', "HTTP/1.1 400",
                       "text: must not contain line breaks"],
    "02_2_todo_objects": ["Location: /api/todos/1", '"done":true,"id":2', "HTTP/1.1 400",
                          "done: must be true or false"],
    "03_session_localstorage": ['{"id":1,"username":"alice"}', '"title":"buy milk"',
                                '{"error": "wrong username or password"}',
                                '{"error": "not logged in"}'],
    "04_session_cookies": ["HttpOnly; Path=/; SameSite=Lax", "HTTP/1.1 403",
                           "missing or wrong X-CSRF-Token header", '"current":true',
                           "HTTP/1.1 204", '{"error": "not logged in"}'],
    "05_jwt_stateless": ['"aud":"05_jwt_stateless","iat":', '"title":"my secret plan"',
                         "HTTP/1.1 401", "HTTP/1.1 204", "'aud': '05_jwt_stateless'"],
    "06_jwt_session_backup": ['"sid":', '"aud":"06_jwt_session_backup"', '"current":true',
                              "HTTP/1.1 204", "HTTP/1.1 401",
                              "Set-Cookie: access_token=; Expires=Thu, 01 Jan 1970"],
    "07_final_todo": ["Content-Security-Policy: default-src 'self'", "X-Content-Type-Options",
                      '"error": "wrong username or password"', "HTTP/1.1 429",
                      re.compile(r"Retry-After: (900|8[5-9][0-9])"),
                      re.compile(r"try again in (900|8[5-9][0-9]) s"), "HTTP/1.1 204",
                      '"current":true'],
    "08_inventory_rbac": ["admin      admin", '"role":"viewer"', '"sku":"MUG-01"', "HTTP/1.1 403",
                          "not allowed for the role viewer", "HTTP/1.1 409",
                          "5 left, 9 wanted", "HTTP/1.1 201"],
}  # fmt: skip
# Stage 06 runs with a token lifetime of 0: every request then renews, with no waiting.
SERVER_SETTINGS = {"06_jwt_session_backup": {"FLASK_TOKEN_LIFETIME": "0"}}


def try_it_blocks(stage_name):
    readme = (ROOT / stage_name / "README.md").read_text()
    section = re.search(r"^## Try it\n(.*?)^## ", readme, flags=re.MULTILINE | re.DOTALL)
    return re.findall(r"^```sh\n(.*?)^```", section.group(1), flags=re.MULTILINE | re.DOTALL)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def shim(path, module):
    """An executable at PATH that runs `python -m MODULE` with this Python: the READMEs
    call .venv/bin/flask and .venv/bin/python."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'#!/bin/sh\nexec "{sys.executable}" {module} "$@"\n')
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


@pytest.fixture
def stage_server(stage_name, tmp_path):
    """`flask --app STAGE run` on a free port, with its data in TMP_PATH."""
    database = tmp_path / "stage.sqlite"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "FLASK_SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
        "FLASK_TODO_FILE": str(tmp_path / "todos.txt"),
        "FLASK_SECRET_KEY": "a secret key for the README test, 32 bytes+",
        "FLASK_PASSWORD_HASH_METHOD": CHEAP_HASH_METHOD,
        **SERVER_SETTINGS.get(stage_name, {}),
    }
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", stage_name, "run", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    for line in server.stderr:  # the server says when it listens
        if "Running on" in line:
            break
    yield f"http://127.0.0.1:{port}", env, database
    server.terminate()
    server.wait(timeout=10)
    server.stderr.close()


@pytest.mark.parametrize("stage_name", STAGES)
def test_every_try_it_line_works_as_printed(stage_name, stage_server, tmp_path):
    url, env, database = stage_server
    shim(tmp_path / ".venv" / "bin" / "flask", "-m flask")
    shim(tmp_path / ".venv" / "bin" / "python", "")
    script = "\n".join(try_it_blocks(stage_name)).replace("http://127.0.0.1:5000", url)
    result = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        cwd=tmp_path,
        env={**env, "PYTHON": sys.executable, "DATABASE": str(database)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "curl: (" not in output, output  # curl could not connect, or failed otherwise
    assert "HTTP/1.1 500" not in output, output
    for shown in SHOWN[stage_name]:
        found = shown.search(output) if isinstance(shown, re.Pattern) else shown in output
        assert found, f"the README says it shows {shown!r}:\n{output}"


@pytest.mark.parametrize("stage_name", STAGES)
def test_every_stage_readme_keeps_the_template(stage_name):
    """Goal, Run, Try it, What changed, What's still wrong, Practise, Continue (08: The end),
    in this order; a stage may add parts of its own between them."""
    readme = (ROOT / stage_name / "README.md").read_text()
    headings = re.findall(r"^## (.*)", readme, flags=re.MULTILINE)
    template = ["Goal", "Run", "Try it", "What changed since", "What's still wrong", "Practise"]
    template.append("The end" if stage_name == STAGES[-1] else "Continue to")
    found = [next((h for h in headings if h.startswith(part)), None) for part in template]
    assert None not in found, dict(zip(template, found, strict=True))
    assert [headings.index(h) for h in found] == sorted(headings.index(h) for h in found)
    assert headings[-1] == found[-1]


def test_the_readmes_example_test_is_in_the_suite_as_written():
    """The test that README.md's Tests section offers to copy is a real one, word for word."""
    tests_part = (ROOT / "README.md").read_text().split("## Tests\n", 1)[1].split("\n## ")[0]
    example = re.search(r"```python\n(.*?)```", tests_part, flags=re.DOTALL).group(1)
    assert example.startswith("def test_")
    suite = (ROOT / "tests" / "stages" / "test_04_session_cookies.py").read_text()
    assert f"\n{example}" in suite
