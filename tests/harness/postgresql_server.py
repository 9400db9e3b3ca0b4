"""A throwaway PostgreSQL server for the tests of stages 07 and 08, so that where PostgreSQL
is installed they run with no set-up. (CI points $TEST_POSTGRESQL_URL at a server of its
own instead, and then this module is not used.)

The server lives in a temporary folder: its data, its log, and the Unix socket it listens
on. It opens no TCP port, so it never clashes with a PostgreSQL already running on the
machine. It trusts every local connection, keeps nothing on disk that it would need after
a crash, and is removed, folder and all, when the tests end.
"""

import contextlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote

# Only a file name here (the socket is <folder>/.s.PGSQL.5432): no TCP port is opened.
PORT = 5432


def server_programs():
    """The folder of PostgreSQL's initdb and pg_ctl: the one on PATH, the one that
    pg_config names, or Debian's /usr/lib/postgresql/<version>/bin (the newest). None when
    there is none."""
    folders = []
    if initdb := shutil.which("initdb"):
        folders.append(Path(initdb).parent)
    if pg_config := shutil.which("pg_config"):
        answer = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        if answer.returncode == 0 and answer.stdout.strip():
            folders.append(Path(answer.stdout.strip()))
    debian = Path("/usr/lib/postgresql").glob("*/bin")
    folders += sorted(debian, key=lambda bin: version(bin.parent.name), reverse=True)
    for folder in folders:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


def why_not():
    """Why no throwaway server can be started here, or None when one can."""
    if os.name != "posix":
        return "a throwaway server is started on Linux and macOS only"
    if os.geteuid() == 0:
        return "PostgreSQL's initdb refuses to run as root: run the tests as another user"
    if server_programs() is None:
        return "PostgreSQL's initdb and pg_ctl were not found: install PostgreSQL"
    return None


@contextlib.contextmanager
def throwaway_server():
    """Start a new PostgreSQL server in a temporary folder; give its URL (the database
    `postgres`, as the user `postgres`); stop it and remove the folder at the end."""
    programs = server_programs()
    folder = Path(tempfile.mkdtemp(prefix="pg-"))
    data = folder / "data"
    try:
        run(programs / "initdb", "-D", data, "-U", "postgres", "--auth=trust",
            "--encoding=UTF8", "--locale=C", "--no-sync")  # fmt: skip
        with (data / "postgresql.conf").open("a") as settings:
            socket_folder = str(folder).replace("'", "''")
            settings.write(
                f"port = {PORT}\n"
                "listen_addresses = ''\n"  # no TCP
                f"unix_socket_directories = '{socket_folder}'\n"
                "fsync = off\n"  # the data is thrown away: no need to survive a crash
                "synchronous_commit = off\n"
                "full_page_writes = off\n"
            )
        log = folder / "server.log"
        run(programs / "pg_ctl", "start", "--wait", "-D", data, "-l", log, log=log)
        # Written as SQLAlchemy writes it back (a test compares the two).
        socket = quote(str(folder), safe="")
        try:
            yield f"postgresql+psycopg://postgres@:{PORT}/postgres?host={socket}"
        finally:
            run(programs / "pg_ctl", "stop", "-D", data, "-m", "immediate")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run(*command, log=None):
    """Run COMMAND; when it fails, raise a RuntimeError that says what went wrong in one
    line: the last line of its output, or of LOG (where a server writes its reasons)."""
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        output = done.stdout + done.stderr
        if log and log.exists():
            output += log.read_text()
        last_line = ([line for line in output.splitlines() if line.strip()] or ["no output"])[-1]
        raise RuntimeError(f"{Path(command[0]).name} failed: {last_line.strip()}")


def version(name):
    """(15,) for "15", (9, 6) for "9.6": Debian's folder names, in order."""
    return tuple(int(part) for part in name.split(".") if part.isdigit())
