"""Stage 02_1: a to-do list kept as plain text, each todo addressed by its position."""

import os

from flask import Flask

from . import errors, pages, todos


def create_app(test_config=None):
    app = Flask(__name__)
    app.config.from_mapping(
        # One todo a line, in instance/, one file per stage.
        TODO_FILE=os.path.join(app.instance_path, f"{__name__}.txt"),
        MAX_CONTENT_LENGTH=64 * 1024,  # larger request bodies get 413
    )
    app.config.from_prefixed_env()  # FLASK_TODO_FILE=... overrides a default
    if test_config is not None:
        app.config.from_mapping(test_config)

    errors.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(todos.bp)
    app.cli.add_command(todos.init_db_command)
    return app
