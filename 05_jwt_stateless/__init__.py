"""Stage 05: no sessions on the server; a signed token (a JWT, made by hand) in a cookie."""

import secrets

from flask import Flask

from . import auth, db, errors, pages, todos, tokens, validation


def create_app(test_config=None):
    app = Flask(__name__)
    app.config.from_mapping(
        # A relative SQLite path lands in instance/, one file per stage.
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{__name__}.sqlite",
        MAX_CONTENT_LENGTH=64 * 1024,  # larger request bodies get 413
        # OWASP's minimum for scrypt; Werkzeug's default (scrypt:32768:8:1) is below it.
        PASSWORD_HASH_METHOD="scrypt:32768:8:3",
        # Signs the tokens. A new one at each start, so tokens end with the server; stage 07
        # keeps one in instance/. Set FLASK_SECRET_KEY to keep it yourself.
        SECRET_KEY=secrets.token_urlsafe(32),
        TOKEN_LIFETIME=30 * 60,  # seconds from login; then the token is refused
        AUTH_COOKIE_SECURE=False,  # True behind HTTPS: the login cookies never travel in clear
    )
    app.config.from_prefixed_env()  # FLASK_SQLALCHEMY_DATABASE_URI=... overrides a default
    if test_config is not None:
        app.config.from_mapping(test_config)

    tokens.check_secret_key(app.config["SECRET_KEY"])
    errors.init_app(app)
    validation.init_app(app)  # the URL converter <id:...>
    db.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(todos.bp)
    return app
