"""Stage 03: users log in; the session id is kept in the page's localStorage."""

from flask import Flask

from . import auth, db, errors, pages, todos, validation


def create_app(test_config=None):
    app = Flask(__name__)
    app.config.from_mapping(
        # A relative SQLite path lands in instance/, one file per stage.
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{__name__}.sqlite",
        MAX_CONTENT_LENGTH=64 * 1024,  # larger request bodies get 413
        # OWASP's minimum for scrypt; Werkzeug's default (scrypt:32768:8:1) is below it.
        PASSWORD_HASH_METHOD="scrypt:32768:8:3",
    )
    app.config.from_prefixed_env()  # FLASK_SQLALCHEMY_DATABASE_URI=... overrides a default
    if test_config is not None:
        app.config.from_mapping(test_config)

    errors.init_app(app)
    validation.init_app(app)  # the URL converter <id:...>
    db.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(todos.bp)
    return app
