import hashlib
import os
import re
import secrets

import click
from flask.cli import with_appcontext

from .db import db
from .models import ApiToken

OWNER_PATTERN = re.compile(r"[A-Za-z0-9_.-]{3,32}")


def hash_token(token: str) -> str:
    # Only a hash is stored and looked up: no timing leak from comparing the secret
    # itself, and a copy of the database holds no working token.
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(owner: str) -> str:
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(token_hash=hash_token(token), owner=owner))
    db.session.commit()
    return token


def find_token(token: str) -> ApiToken | None:
    return db.session.execute(
        db.select(ApiToken).filter_by(token_hash=hash_token(token))
    ).scalar_one_or_none()


def init_app(app):
    app.cli.add_command(create_token_command)


def page_url(token: str) -> str:
    port = os.environ.get("FLASK_RUN_PORT", "5000")  # `flask run --port` is not known here
    return f"http://127.0.0.1:{port}/?token={token}"


@click.command("create-token")
@with_appcontext
@click.argument("owner")
def create_token_command(owner):
    """Create an API token for OWNER and print the page URL that uses it."""
    if not OWNER_PATTERN.fullmatch(owner):
        raise click.BadParameter("3 to 32 of A-Z a-z 0-9 _ . -", param_hint="OWNER")
    token = create_token(owner)
    click.echo(f"Token for {owner}: {token}\nOpen: {page_url(token)}")
