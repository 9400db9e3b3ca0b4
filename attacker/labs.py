"""The attack labs' part of the other site (exercises/README.md, "Attack it"): it serves
the learner's attack pages, and keeps what they send home, as an attacker's server would.

`tools/labs.py` starts it with LAB_DIR set to a scratch folder that holds the learner's
pages for the lab being run; without LAB_DIR there is nothing to serve.
"""

from pathlib import Path

from flask import Blueprint, abort, current_app, jsonify, request
from werkzeug.utils import safe_join

bp = Blueprint("labs", __name__, url_prefix="/lab")

SERVED = {".html": "text/html", ".js": "text/javascript"}
KEPT, KEPT_BYTES = 100, 10_000  # a page that sends home without end fills no memory


def collected() -> list:
    return current_app.extensions.setdefault("lab_collected", [])


@bp.get("/<name>")
def page(name):
    """A learner's page, with {{ STAGE_URL }} and {{ ATTACKER_URL }} filled in."""
    folder = current_app.config.get("LAB_DIR")
    if not folder:
        abort(404)
    joined = safe_join(folder, name)  # None for a name that leaves the folder (..\ on Windows)
    path = Path(joined) if joined else None
    if path is None or path.suffix not in SERVED or not path.is_file():
        abort(404)
    text = path.read_text()
    text = text.replace("{{ STAGE_URL }}", current_app.config["STAGE_URL"])
    text = text.replace("{{ ATTACKER_URL }}", request.host_url.rstrip("/"))
    return text, 200, {"Content-Type": SERVED[path.suffix] + "; charset=utf-8"}


@bp.route("/collect", methods=["GET", "POST"])
def collect():
    """Whatever a page sends here (query string and body) is kept, in memory, in order: the
    last KEPT sends, of KEPT_BYTES each at most."""
    sent = {"query": request.args.to_dict(), "body": request.get_data(as_text=True)[:KEPT_BYTES]}
    collected().append(sent)
    del collected()[:-KEPT]
    return "", 204


@bp.get("/collected")
def show_collected():
    """What the pages sent home so far, for the learner's exploit to read."""
    return jsonify(collected())
