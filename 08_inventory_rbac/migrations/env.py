"""Alembic's set-up, run by every `flask db ...` command and by db.create_tables() on an
empty database. Flask-Migrate's env.py (`flask db init`), trimmed to Flask-SQLAlchemy 3,
with one addition: the connection that create_tables() hands over, already locked."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
given_connection = config.attributes.get("connection")  # from create_tables(), or None
if given_connection is None:
    # On the command line: Alembic says what it runs. (An app that migrates its empty
    # database at start keeps its own logging.)
    fileConfig(config.config_file_name)
logger = logging.getLogger("alembic.env")
migrate = current_app.extensions["migrate"]


def skip_empty_script(context, revision, directives):
    """`flask db migrate` writes no script when the models have not changed."""
    autogenerate = getattr(config.cmd_opts, "autogenerate", False)
    if autogenerate and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def run_migrations(connection):
    context.configure(
        connection=connection,
        target_metadata=migrate.db.metadata,
        process_revision_directives=skip_empty_script,
        **migrate.configure_args,  # compare_type, render_as_batch: Flask-Migrate's defaults
    )
    with context.begin_transaction():
        context.run_migrations()


if given_connection is None:
    with migrate.db.engine.connect() as connection:
        run_migrations(connection)
else:
    run_migrations(given_connection)
