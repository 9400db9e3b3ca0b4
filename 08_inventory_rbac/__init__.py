"""Stage 08: an inventory with roles. Admins run products and users, managers run
orders, viewers read; the server checks every request against the user's role."""

from flask import Flask

from . import auth, cli, db, errors, orders, pages, products, security, users, validation


def create_app(test_config=None):
    app = Flask(__name__)
    app.config.from_mapping(
        # A relative SQLite path lands in instance/, one file per stage.
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{__name__}.sqlite",
        MAX_CONTENT_LENGTH=64 * 1024,  # larger request bodies get 413
        # OWASP's minimum for scrypt; Werkzeug's default (scrypt:32768:8:1) is below it.
        PASSWORD_HASH_METHOD="scrypt:32768:8:3",
        TOKEN_LIFETIME=10 * 60,  # seconds; then the token is renewed from its session
        SESSION_LIFETIME=7 * 24 * 60 * 60,  # seconds from login; then the session ends
        # Seconds during which a token that a renewal replaced is renewed too (two tabs,
        # requests racing); after that it is a copy, and the session ends.
        RENEWAL_GRACE=30,
        AUTH_COOKIE_SECURE=False,  # True behind HTTPS: the login cookies never travel in clear
        # How many proxies in front add X-Forwarded-For (1 behind one nginx). With 0, the
        # header, which anyone can send, is ignored.
        TRUSTED_PROXIES=0,
    )
    app.config.from_prefixed_env()  # FLASK_SQLALCHEMY_DATABASE_URI=... overrides a default
    if test_config is not None:
        app.config.from_mapping(test_config)

    security.init_app(app)  # SECRET_KEY: FLASK_SECRET_KEY, else a key file in instance/
    errors.init_app(app)
    validation.init_app(app)  # URL converters: <id:...>, <public_id:...>
    db.init_app(app)
    cli.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(products.bp)
    app.register_blueprint(orders.bp)
    app.register_blueprint(users.bp)
    return app
