import os
import sqlite3

import click
from alembic import command
from flask.cli import with_appcontext
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event, inspect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
# The schema's history: Alembic scripts in migrations/, run by `flask db upgrade`.
migrate = Migrate(db=db, directory=os.path.join(os.path.dirname(__file__), "migrations"))


def init_app(app):
    db.init_app(app)
    migrate.init_app(app)  # the `flask db ...` commands
    app.cli.add_command(init_db_command)
    with app.app_context():
        event.listen(db.engine, "connect", enforce_foreign_keys)
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


def enforce_foreign_keys(connection, record):
    # SQLite checks foreign keys only when asked, per connection (PostgreSQL always does):
    # an order can then never point at a deleted product.
    if isinstance(connection, sqlite3.Connection):
        connection.execute("PRAGMA foreign_keys = ON")


def create_tables():
    """Run the migrations on an empty database, so that the first start needs no other
    step. A database with tables is left as it is: `flask db upgrade` moves it on."""
    with db.engine.connect() as connection:
        if inspect(connection).get_table_names():
            return
        # Worker processes (gunicorn -w 4) start at once: one migrates, the others wait
        # for it to commit, then find the tables.
        lock_until_commit(connection)
        if not inspect(connection).get_table_names():
            config = migrate.get_config()
            config.attributes["connection"] = connection  # see migrations/env.py
            command.upgrade(config, "head")
        connection.commit()


def lock_until_commit(connection):
    """Let one process at a time past this point, until its connection commits."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SELECT pg_advisory_xact_lock(1)")  # a lock only we take
    else:  # SQLite: its write lock, which the others wait for (5 s at most, by default)
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Delete all data and tables, then make the tables again by the migrations."""
    tables = MetaData()
    tables.reflect(db.engine)
    tables.drop_all(db.engine)
    create_tables()
    click.echo("Initialized the database.")
