import os
import secrets
import sys

from flask import request
from sqlalchemy.engine import make_url
from werkzeug.middleware.proxy_fix import ProxyFix

from . import tokens

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        # Scripts only from files of this site: no inline scripts and no eval, so text
        # that sneaks into a page can never run as code.
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",  # no page, of any site or origin, may show these in a frame
    ]
)


def init_app(app):
    if app.config.get("SECRET_KEY") is None:
        check_a_key_file_will_do(app)
        app.config["SECRET_KEY"] = development_secret_key(app.instance_path, app.name)
    tokens.check_secret_key(app.config["SECRET_KEY"])
    if app.config["TRUSTED_PROXIES"]:
        # The client's address, which throttling counts by, is then the one the proxies
        # got the request from (in X-Forwarded-For), not the nearest proxy's own.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"])
    app.after_request(add_security_headers)


def check_a_key_file_will_do(app):
    """A key file is one machine's: app servers on several machines would each make their
    own, and refuse each other's tokens. Under gunicorn with a database server, which
    several machines can share, refuse to start without FLASK_SECRET_KEY."""
    under_gunicorn = os.environ.get("SERVER_SOFTWARE", "").startswith("gunicorn/")
    database = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name()
    if under_gunicorn and database != "sqlite":
        print(
            "FLASK_SECRET_KEY is not set. With a database server, this app may run on several\n"
            "machines, and each would make a key of its own in instance/: a login on one\n"
            "would be refused by the others. Set the same key on every machine, made once with:\n"
            '  python -c "import secrets; print(secrets.token_hex(32))"',
            file=sys.stderr,
        )
        raise SystemExit(3)  # as for a short key: gunicorn stops, rather than retry forever


def development_secret_key(instance_path: str, stage: str) -> str:
    """A key made on the first start into instance/<stage>.secret_key and read back ever
    after, so that tokens survive restarts and every worker process signs with the same
    key. In production, set FLASK_SECRET_KEY instead."""
    # One key per stage: the stages run on the same address, where browsers send every
    # stage the same cookies. (A key shared by mistake opens nothing either: each token
    # names its app in `aud`.)
    path = os.path.join(instance_path, f"{stage}.secret_key")
    if not os.path.exists(path):
        os.makedirs(instance_path, exist_ok=True)
        temporary = f"{path}.{os.getpid()}"
        with open(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as file:
            file.write(secrets.token_urlsafe(32))
        try:
            os.link(temporary, path)  # fails if another worker got there first: use theirs
        except FileExistsError:
            pass
        finally:
            os.remove(temporary)
    os.chmod(path, 0o600)  # also a file that an older version made readable by all
    with open(path) as file:
        return file.read().strip()


def add_security_headers(response):
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"  # a file is what its type says
    response.headers["Referrer-Policy"] = "same-origin"  # other sites learn no URLs of ours
    # A site that opens our page in a window keeps no hold on it: it cannot send it away
    # while its requests renew a token, which would leave the browser with the old one.
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if request.path.startswith("/api/"):
        response.headers["Cache-Control"] = "no-store"  # no user's data in a shared cache
    return response
