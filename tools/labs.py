"""Attack labs: the learner's own exploit against a running stage (exercises/README.md,
"Attack it").

  python tools/labs.py lab STAGE          list the stage's labs, with their difficulty
  python tools/labs.py lab STAGE NAME     run your exploit against the stage: Solved, or
                                          what is still missing, in one line
  python tools/labs.py lab STAGE NAME defended
                                          the same, against the stage that defends
  python tools/labs.py board              every lab of the course, solved or not by you
  python tools/labs.py check [STAGE]      prove every lab (CI), or a stage's: the starter
                                          does not solve it, the solution does, and the
                                          solution fails against the stage that defends

Ports: the stage and the attacker site take free ports, or LAB_STAGE_PORT and
LAB_ATTACKER_PORT when set. Everything listens on 127.0.0.1 only.

The lab format (for maintainers)
--------------------------------
A lab is a folder exercises/<stage>/labs/<name>/ (name in kebab-case, unique in the stage):

  README.md     the learner's text: line 1 "# <TITLE>"; a line "Difficulty: <level>";
                then "## Goal" (a change in the victim's world, never output), "## Your
                file" or "## Your files" (a link to each file, what it receives), "## Hints"
                (two or more "<details><summary>Hint N</summary>" blocks, the last nearly
                the answer), "## Run" (the make line), "## What stops it" (the make line
                with DEFENDED=1, and the line of code that stops the solution).
  lab.py        what the machinery runs, below.
  <files>       the learner's starting files (FILES), edited in place: git status shows
                the work, and this tool never writes them. A .py file is run with the
                course's Python (requests installed), after the victim, with
                LAB_STAGE_URL and LAB_ATTACKER_URL in its environment; a .html or .js
                file is served by the attacker site at <attacker>/lab/<file name>, with
                "{{ STAGE_URL }}" and "{{ ATTACKER_URL }}" replaced by the addresses.
                What a page sends to <attacker>/lab/collect is listed, as JSON, by
                GET <attacker>/lab/collected (attacker/labs.py).
  solution/     the same file names, solved.

lab.py, all names required unless marked optional:

  TITLE = "..."                 one line, the README's first line
  DIFFICULTY = "apprentice"     or "practitioner" or "expert"
  FILES = ["exploit.py"]        the learner's files in the lab's folder (.py run in order)
  BREAK = None                  the name of a break of exercises/<stage>/breaks.toml that
                                the attacked copy gets (None: the stage as shipped)
  DEFENCE_STAGE = None          the stage that defends: None for this stage, or another
                                stage's folder name (the next stage)
  DEFENCE_BREAK = None          a break of the defending stage applied to it (a break
                                that applies a fix, as 01's log-hides-the-token), or None.
                                BREAK = "x" with both None: the defence is the stage
                                without its break.

  setup(stage) -> dict          optional. Runs before the servers start, in a process of
                                its own, inside the stage's app (app context pushed;
                                `stage` is the stage's package: stage.models.User,
                                stage.db.db). Makes the victim's world in the stage's own
                                database (01: a token). Returns the facts, a JSON-able
                                dict given to victim and check, never to the exploit.
  victim(browser, lab)          optional. The victim's part, in this process, before the
                                .py files run. browser.new_context() and
                                browser.new_page() are Playwright's (the course's headless
                                Chromium), each action giving up after 5 s; close what
                                you open. lab.stage_url, lab.attacker_url, lab.page(file)
                                (the attacker's address of one of FILES), lab.access_log
                                (the path of the stage's server output), lab.facts
                                (a dict: what the victim adds goes to check).
  victim_after(browser, lab)    optional. The rest of the victim's part, after the .py
                                files ran (02_1: alice saves an edit she began before):
                                keep what victim() left open in a global of lab.py.
  exploit_env(lab) -> dict      optional. More environment for the .py files (01:
                                {"LAB_ACCESS_LOG": lab.access_log}).
  check(stage, facts)           After the servers stopped, in a process of its own, inside
      -> str | None             the stage's app, as setup. None when the goal holds in
                                the stage's own data; else what is still missing, in one
                                line. Never what the exploit printed.

The stage runs from a scratch copy (tools/practise.py's copy_stage and apply_break), with
its own instance/ folder and database, under `flask run` on 127.0.0.1, with a random
FLASK_SECRET_KEY and a cheap FLASK_PASSWORD_HASH_METHOD; the attacker site likewise. The
stage's README names each lab in its Practise part, under "Attack it.", one line:
[`<name>`](../exercises/<stage>/labs/<name>/README.md) (<difficulty>): <TITLE>.
tests/documents/test_labs.py checks all of this but the running; `make labs-check` runs
every lab three ways (`python tools/labs.py check STAGE`: one stage's). The score board
is labs-solved.txt at the root (git ignores it).
"""

import contextlib
import importlib
import importlib.util
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from practise import EXERCISES, ROOT, apply_break, copy_stage  # noqa: E402

BOARD = ROOT / "labs-solved.txt"
LEVELS = ("apprentice", "practitioner", "expert")
EXPLOIT_TIMEOUT = 10  # seconds; a lab as a whole runs in at most 20
VICTIM_TIMEOUT = 5  # seconds, for each action of the victim's browser


class LabError(Exception):
    """The lab itself could not run (a server did not start): not the learner's fault."""


# --- Finding labs ------------------------------------------------------------------------


def lab_folders(stage=None):
    pattern = f"{stage}/labs/*/lab.py" if stage else "*/labs/*/lab.py"
    return sorted(path.parent for path in EXERCISES.glob(pattern))


def load(folder):
    """The lab's lab.py as a module, under a name of its own."""
    name = f"lab_{folder.parent.parent.name}_{folder.name}".replace("-", "_")
    spec = importlib.util.spec_from_file_location(name, folder / "lab.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def find(stage, name):
    folder = EXERCISES / stage / "labs" / name
    if not (folder / "lab.py").is_file():
        sys.exit(f"{stage} has no lab {name!r}: see make lab STAGE={stage}")
    return folder


def key(folder):
    return f"{folder.parent.parent.name}/{folder.name}"


# --- Running one lab ---------------------------------------------------------------------


@dataclass
class Lab:
    """What the victim sees of a running lab."""

    stage_url: str
    attacker_url: str
    access_log: str  # the stage's server output: its access log, one line a request
    facts: dict = field(default_factory=dict)

    def page(self, file):
        return f"{self.attacker_url}/lab/{file}"


def free_ports(*variables):
    """A port for each environment variable: its value when set, else a free port of
    127.0.0.1 (the sockets stay bound until all are picked, so no two are the same)."""
    with contextlib.ExitStack() as stack:
        ports = []
        for variable in variables:
            if os.environ.get(variable):
                ports.append(int(os.environ[variable]))
                continue
            sock = stack.enter_context(socket.socket())
            sock.bind(("127.0.0.1", 0))
            ports.append(sock.getsockname()[1])
        return ports


def serve(app, port, cwd, env, log):
    """Start `flask --app APP run` on 127.0.0.1:PORT (answering comes later: wait_for)."""
    address = ["--host", "127.0.0.1", "--port", str(port)]  # whatever FLASK_RUN_HOST says
    command = [sys.executable, "-m", "flask", "--app", app, "run", *address]
    return subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=log)


def wait_for(process, port, log):
    """Until the server of PROCESS answers on PORT."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and process.poll() is None:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    log.flush()
    output = Path(log.name).read_text()[-3000:]
    raise LabError(f"a server did not start on port {port}; its output:\n{output}")


def stop(process):
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def in_app(folder, stage, scratch, env, function, facts=None):
    """Run lab.py's FUNCTION(stage, ...) inside the stage's app in the scratch copy, in a
    process of its own (the stage under attack and the one that defends may differ)."""
    command = [sys.executable, __file__, "in-app", str(folder), stage, function]
    result = subprocess.run(
        command,
        cwd=scratch,
        env={**env, "PYTHONPATH": str(scratch)},
        input=json.dumps(facts),
        capture_output=True,
        text=True,
        timeout=30,
    )
    if result.returncode != 0:
        raise LabError(f"lab.py {function}() failed:\n{result.stderr}")
    return json.loads(result.stdout.splitlines()[-1])


def run_in_app(folder, stage, function):
    """The other end of in_app(): the current folder is the scratch copy."""
    sys.path.insert(0, os.getcwd())
    package = importlib.import_module(stage)
    app = package.create_app()
    facts = json.loads(sys.stdin.read())
    with app.app_context():
        lab = load(Path(folder))
        result = lab.setup(package) if function == "setup" else lab.check(package, facts)
    print(json.dumps(result))


def chromium():
    """The course's browser: $CHROMIUM, else the light headless shell, else Debian's
    Chromium, else Playwright's own (None)."""
    return (
        os.environ.get("CHROMIUM")
        or shutil.which("chromium-headless-shell")
        or shutil.which("chromium")
    )


@contextlib.contextmanager
def victim_browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium(), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            yield VictimBrowser(browser)
        finally:
            browser.close()


class VictimBrowser:
    """The victim's Playwright Browser, whose pages give up after VICTIM_TIMEOUT rather
    than Playwright's 30 s: a lab runs in at most 20 s."""

    def __init__(self, browser):
        self.browser = browser

    def new_context(self, **options):
        context = self.browser.new_context(**options)
        context.set_default_timeout(VICTIM_TIMEOUT * 1000)
        return context

    def new_page(self, **options):
        page = self.browser.new_page(**options)
        page.set_default_timeout(VICTIM_TIMEOUT * 1000)
        return page


def play_victim(module, browser, lab, part=None):
    """The victim's part (PART: victim_after, else victim). A page of the learner's may
    make the victim's browser give up (a page that never stops loading): that is a lab
    not solved, not a broken lab."""
    from playwright.sync_api import Error

    try:
        (part or module.victim)(browser, lab)
    except Error as error:
        print(f"(The victim's browser gave up: {str(error).splitlines()[0]})")


def stage_env():
    """The environment of the stage's server and of setup() and check()."""
    env = {
        **os.environ,
        "FLASK_SECRET_KEY": secrets.token_urlsafe(32),
        # A cheap hash: the labs attack sessions, not password storage, and a lab's
        # victim registers in seconds on a busy machine. (The stage's default is
        # OWASP's cost, as ever, outside the labs.)
        "FLASK_PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
    }
    env.pop("FLASK_RUN_PORT", None)
    return env


def run(folder, files, defended=False, quiet=False):
    """Run the lab in FOLDER with FILES ({file name: path of the version to use}) against
    the stage under attack, or the one that defends. Returns None when solved, else what
    is missing. The exploits' output is shown unless QUIET."""
    module = load(folder)
    stage = folder.parent.parent.name
    if defended:
        target = module.DEFENCE_STAGE or stage
        broken = module.DEFENCE_BREAK
    else:
        target, broken = stage, module.BREAK
    with tempfile.TemporaryDirectory(prefix="lab-") as name:
        scratch = Path(name)
        copy_stage(target, scratch)
        if broken:
            apply_break(target, broken, scratch)
        served = scratch / "lab-files"
        served.mkdir()
        for file, path in files.items():
            shutil.copyfile(path, served / file)
        env = stage_env()
        facts = in_app(folder, target, scratch, env, "setup") if hasattr(module, "setup") else {}
        stage_port, attacker_port = free_ports("LAB_STAGE_PORT", "LAB_ATTACKER_PORT")
        lab = Lab(
            stage_url=f"http://127.0.0.1:{stage_port}",
            attacker_url=f"http://127.0.0.1:{attacker_port}",
            access_log=str(scratch / "access.log"),
            facts=facts,
        )
        attacker_env = {
            **env,
            "FLASK_STAGE_URL": lab.stage_url,
            "FLASK_LAB_DIR": str(served),
            "PYTHONPATH": str(ROOT),
        }
        with contextlib.ExitStack() as stack:
            stage_log = stack.enter_context(open(lab.access_log, "w"))
            attacker_log = stack.enter_context(open(scratch / "attacker.log", "w"))
            stage_server = serve(target, stage_port, scratch, env, stage_log)
            stack.callback(stop, stage_server)
            attacker = serve("attacker", attacker_port, ROOT, attacker_env, attacker_log)
            stack.callback(stop, attacker)
            # The browser starts while the servers do.
            browser = stack.enter_context(victim_browser()) if hasattr(module, "victim") else None
            wait_for(stage_server, stage_port, stage_log)
            wait_for(attacker, attacker_port, attacker_log)
            if browser:
                play_victim(module, browser, lab)
            run_exploits(module, lab, files, quiet)
            if browser and hasattr(module, "victim_after"):
                play_victim(module, browser, lab, module.victim_after)
        if not quiet and not any(file.endswith(".py") for file in files):
            show_api_requests(lab.access_log)
        return in_app(folder, target, scratch, env, "check", lab.facts)


def show_api_requests(access_log):
    """For labs with pages only: what the stage answered to the API requests they caused."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", Path(access_log).read_text())  # no terminal colours
    lines = [line for line in text.splitlines() if " /api/" in line]
    print("What the stage's access log says of the API requests (the victim's and yours):")
    print("\n".join(f"  {line}" for line in lines) or "  (none)")


def run_exploits(module, lab, files, quiet):
    """Run the .py files of FILES, in order, with the addresses in their environment."""
    env = {**os.environ, "LAB_STAGE_URL": lab.stage_url, "LAB_ATTACKER_URL": lab.attacker_url}
    if hasattr(module, "exploit_env"):
        env.update(module.exploit_env(lab))
    for file in files:
        if file.endswith(".py"):
            run_exploit(files[file], env, quiet)


def run_exploit(path, env, quiet):
    output = subprocess.DEVNULL if quiet else None
    try:
        subprocess.run(
            [sys.executable, str(path)],
            env=env,
            stdout=output,
            stderr=output,
            timeout=EXPLOIT_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        print(f"(your exploit {path.name} was stopped after {EXPLOIT_TIMEOUT} s)")


# --- The learner's commands --------------------------------------------------------------


def solved_labs():
    return set(BOARD.read_text().split()) if BOARD.is_file() else set()


def list_labs(stage):
    folders = lab_folders(stage)
    if not folders:
        sys.exit(f"{stage} has no labs yet.")
    solved = solved_labs()
    print(f"Labs of {stage}: make lab STAGE={stage} LAB=<name>\n")
    for folder in folders:
        module = load(folder)
        mark = "  (solved)" if key(folder) in solved else ""
        print(f"  {folder.name:<28} {module.DIFFICULTY:<13} {module.TITLE}{mark}")


def try_lab(stage, name, against=""):
    folder = find(stage, name)
    module = load(folder)
    defended = against == "defended"
    print(f"Lab {stage}/{name} ({module.DIFFICULTY}): {module.TITLE}")
    print(f"Your files: {', '.join(rel(folder / file) for file in module.FILES)}")
    if defended:
        print(f"Against the defence: {defence_of(module, stage)}")
    print()
    try:
        missing = run(folder, {file: folder / file for file in module.FILES}, defended)
    except LabError as error:
        sys.exit(f"\nThe lab could not run: {error}")
    if defended:
        print(f"\n{'Stopped: ' + missing if missing else 'NOT stopped: the goal holds.'}")
        return
    if missing:
        sys.exit(f"\nNot solved yet: {missing}\nHints: {rel(folder / 'README.md')}")
    BOARD.write_text("".join(f"{each}\n" for each in sorted(solved_labs() | {key(folder)})))
    print(f'\nSolved! Now read {rel(folder / "README.md")}, "What stops it".')


def defence_of(module, stage):
    target = module.DEFENCE_STAGE or stage
    broken = module.DEFENCE_BREAK
    return f"{target} with the break {broken}" if broken else f"{target} as shipped"


def board():
    solved = solved_labs()
    folders = lab_folders()
    print("Score board (make lab STAGE=<stage> LAB=<name>):\n")
    for folder in folders:
        module = load(folder)
        mark = "[x]" if key(folder) in solved else "[ ]"
        print(f"  {mark} {key(folder):<48} {module.DIFFICULTY:<13} {module.TITLE}")
    count = sum(key(folder) in solved for folder in folders)
    print(f"\n{count} of {len(folders)} solved.")


def rel(path):
    return str(path.relative_to(ROOT))


# --- CI ----------------------------------------------------------------------------------


def starter(folder, file, scratch):
    """The starting file as committed (the learner may have edited the one on disk)."""
    path = folder / file
    shown = subprocess.run(
        ["git", "show", f"HEAD:{rel(path)}"], cwd=ROOT, capture_output=True, text=True
    )
    if shown.returncode != 0:
        return path
    copy = scratch / file
    copy.write_text(shown.stdout)
    return copy


def check_all(stage=None):
    problems = []
    for folder in lab_folders(stage):
        module = load(folder)
        solution = {file: folder / "solution" / file for file in module.FILES}
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="lab-starter-") as name:
            starters = {file: starter(folder, file, Path(name)) for file in module.FILES}
            results = {
                "starter": run(folder, starters, quiet=True),
                "solution": run(folder, solution, quiet=True),
                "defended": run(folder, solution, defended=True, quiet=True),
            }
        seconds = (time.monotonic() - started) / 3
        if results["starter"] is None:
            problems.append(f"{key(folder)}: the starting files solve it")
        if results["solution"] is not None:
            problems.append(f"{key(folder)}: the solution does not solve it: {results['solution']}")
        if results["defended"] is None:
            problems.append(f"{key(folder)}: the solution solves it against the defence too")
        print(
            f"{key(folder)}: starter {'SOLVED' if results['starter'] is None else 'unsolved'}, "
            f"solution {'solved' if results['solution'] is None else 'UNSOLVED'}, "
            f"defended {'SOLVED' if results['defended'] is None else 'stopped'} "
            f"({seconds:.1f} s a run)"
        )
    if problems:
        sys.exit("\n".join(["", *problems]))
    print(
        "\nOK: every lab is unsolved by its starter, solved by its solution, and stopped "
        "by the defence."
    )


COMMANDS = {
    ("lab", 1): list_labs,
    ("lab", 2): try_lab,
    ("lab", 3): try_lab,
    ("board", 0): board,
    ("check", 0): check_all,
    ("check", 1): check_all,
    ("in-app", 3): run_in_app,
}

if __name__ == "__main__":
    command = COMMANDS.get((sys.argv[1] if len(sys.argv) > 1 else "", len(sys.argv) - 2))
    if command is None:
        sys.exit(__doc__)
    command(*sys.argv[2:])
