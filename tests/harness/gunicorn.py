"""A stage under gunicorn with worker processes, as its README runs it (the deploy and
load tests)."""

import os
import re
import subprocess
import sys
import threading

import pytest
from course import CHEAP_HASH_METHOD, stage_folder


@pytest.fixture
def gunicorn_server(stage_name, tmp_path):
    """Start the stage under gunicorn with two worker processes:
    `server = gunicorn_server(database_url)`, then `server.url`. Stopped after the test,
    which fails if a worker process crashed. (The test's folder, where its database may
    be, is removed only after the server stops.)"""
    servers = []

    def start(database_url):
        server = GunicornServer(stage_name, database_url)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
        assert not any("Exception in worker" in line for line in server.log), "".join(server.log)


class GunicornServer:
    """`gunicorn -w WORKERS STAGE_NAME:create_app()` on a free port, started in FOLDER (the
    folder that holds the stage), with SETTINGS added to its environment."""

    secret_key = "a key for the gunicorn tests, 32 bytes or more"

    def __init__(self, stage_name, database_url, workers=2, folder=None, settings=None):
        env = {
            **os.environ,
            "FLASK_SQLALCHEMY_DATABASE_URI": database_url,
            "FLASK_SECRET_KEY": self.secret_key,
            "FLASK_PASSWORD_HASH_METHOD": CHEAP_HASH_METHOD,
            **(settings or {}),
        }
        # No control socket: its default path is one for every gunicorn on the machine.
        command = ["-m", "gunicorn", "-w", str(workers), "-b", "127.0.0.1:0", "--no-control-socket"]
        self.process = subprocess.Popen(
            [sys.executable, *command, f"{stage_name}:create_app()"],
            cwd=folder or stage_folder(stage_name).parent,
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.log = []
        for line in self.process.stderr:  # it says where it listens once the socket is open
            self.log.append(line)
            if match := re.search(r"Listening at: (http://\S+)", line):
                break
        else:
            raise RuntimeError("gunicorn did not start:\n" + "".join(self.log))
        self.url = match.group(1)
        self.reader = threading.Thread(target=lambda: self.log.extend(self.process.stderr))
        self.reader.start()

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)
        self.reader.join()
        self.process.stderr.close()
