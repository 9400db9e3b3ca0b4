"""Serve the slide deck on http://127.0.0.1:8000/slides/ (`make slides`): Python's own
file server, so no .venv and no internet are needed.

It serves the repository's folder, so that the slides' links to the stages open, but
only what the deck shows or links to: the slides, and the course's Markdown, code and
page files. Never a stage's instance/ folder (its key and its database), nor a hidden
file. And only to requests that name this machine in their Host header: a page on
another site that points a DNS name of its own at 127.0.0.1 (DNS rebinding) is refused.

    python3 slides/serve.py [PORT]
"""

import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COURSE_FILES = {".md", ".py", ".html", ".js", ".css", ".toml", ".patch", ".txt"}
NEVER_SERVED = {"instance", "node_modules", "__pycache__"}


class DeckHandler(SimpleHTTPRequestHandler):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=str(ROOT), **kwargs)

    def send_head(self):
        port = self.server.server_address[1]
        if self.headers.get("Host") not in {f"127.0.0.1:{port}", f"localhost:{port}"}:
            self.send_error(403, "Only for this machine: open http://127.0.0.1:PORT/slides/")
            return None
        if not self.is_shown(Path(self.translate_path(self.path))):
            self.send_error(404)
            return None
        return super().send_head()

    def is_shown(self, path):
        parts = path.relative_to(ROOT).parts if path.is_relative_to(ROOT) else (".",)
        if any(part.startswith(".") or part in NEVER_SERVED for part in parts):
            return False
        return parts[:1] == ("slides",) or path.suffix in COURSE_FILES

    def log_message(self, format, *args):  # one line a request is noise in a class
        pass


def main(port=8000):
    server = ThreadingHTTPServer(("127.0.0.1", port), DeckHandler)
    print(f"The deck: http://127.0.0.1:{port}/slides/  (Ctrl-C stops it)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.server_close()


if __name__ == "__main__":
    main(*map(int, sys.argv[1:2]))
