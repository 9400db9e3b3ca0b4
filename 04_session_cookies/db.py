import os

import click
from flask.cli import with_appcontext
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


def init_app(app):
    db.init_app(app)
    app.cli.add_command(init_db_command)
    with app.app_context():
        create_private_file(db.engine.url)
        create_tables()  # the database is created on first start


def create_private_file(url):
    """Create the SQLite file that URL names, readable by its owner only: SQLite would
    make it readable by every user of the machine (its journal files get the same mode)."""
    path = url.database
    on_disk = url.get_backend_name() == "sqlite" and path not in (None, "", ":memory:")
    if on_disk and not os.path.exists(path):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    if on_disk:
        os.chmod(path, 0o600)  # also a file that an older version made readable by all


def create_tables():
    # Worker processes (gunicorn -w 4) start at once and may race to create the tables.
    # The databases create them all in one transaction: the loser's attempt fails whole,
    # and a second look finds them made by the winner (or raises the real error).
    try:
        db.create_all()
    except DatabaseError:
        db.create_all()


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Delete all data and create empty tables."""
    db.drop_all()
    db.create_all()
    click.echo("Initialized the database.")
