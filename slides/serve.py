"""Serve the slide deck on http://127.0.0.1:8000/slides/ (`make slides`): Python's own
file server, so no .venv and no internet are needed.

It serves the repository's folder, so that the slides' links to the stages open, but
only what the deck shows or links to: the files of slides/, and the course files that
deck.md links to. Nothing else: not what a learner's commands write beside them (the
demo passwords in demo.txt, the live logins in curl's cookies.txt), not a stage's
instance/ folder (its key and its database), nor a hidden file, nor a folder's list of
files, nor where a link inside slides/ leads. And only to requests
that name this machine in their Host header: a page on another site that points a DNS
name of its own at 127.0.0.1 (DNS rebinding) is refused.

    python3 slides/serve.py [PORT]
"""

import re
import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DECK = ROOT / "slides" / "deck.md"
LINK = re.compile(r"\]\(\.\./([^)#\s]+)")  # a Markdown link out of slides/: ](../04_.../auth.py)
NEVER_SERVED = {"instance", "node_modules", "__pycache__"}


def linked_files() -> set[Path]:
    """The course files that the deck links to, read from deck.md as it is now."""
    return {(ROOT / link).resolve() for link in LINK.findall(DECK.read_text())}


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
        if "\0" in str(path):  # %00 in the address: no file has a NUL in its name
            return False
        path = path.resolve()  # where a link leads: one inside slides/ may point anywhere
        parts = path.relative_to(ROOT).parts if path.is_relative_to(ROOT) else (".",)
        if any(part.startswith(".") or part in NEVER_SERVED for part in parts):
            return False
        return parts[:1] == ("slides",) or path in linked_files()

    def list_directory(self, path):  # a folder's contents are not part of the deck
        self.send_error(404)

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
