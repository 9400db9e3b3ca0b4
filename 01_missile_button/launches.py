from flask import Blueprint, abort, request

from .db import db
from .models import Launch
from .tokens import find_token

bp = Blueprint("launches", __name__, url_prefix="/api")


def owner_of_token_in_url() -> str:
    """The owner of the ?token=... in the URL. The weakness of this stage: that URL is
    written to access logs, browser history and Referer headers."""
    api_token = find_token(request.args.get("token", ""))
    if api_token is None:
        abort(401, "missing or unknown token: add ?token=... to the URL")
    return api_token.owner


@bp.post("/launch")
def launch_missile():
    launch = Launch(launched_by=owner_of_token_in_url())
    db.session.add(launch)
    db.session.commit()
    return {"launched": True, **launch.to_dict()}


@bp.get("/launches")
def list_launches():
    owner_of_token_in_url()
    launches = db.session.execute(db.select(Launch).order_by(Launch.id)).scalars()
    return [launch.to_dict() for launch in launches]
