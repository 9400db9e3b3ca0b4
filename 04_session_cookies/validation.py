import re
import unicodedata

from flask import abort, current_app, request
from werkzeug.routing import BaseConverter, IntegerConverter

# Control characters (tab, newline, escape...), the Unicode line and paragraph breaks,
# lone surrogates (half of a UTF-16 pair: not text, and no file or database takes it), and
# format controls: invisible (U+200B) or turning text around (U+202E), they make one name
# look like another.
CONTROL_CATEGORIES = {"Cc", "Zl", "Zp", "Cs", "Cf"}
USERNAME_PATTERN = re.compile(r"[A-Za-z0-9_.-]{3,32}")


def init_app(app):
    app.url_map.converters["id"] = IdConverter
    app.url_map.converters["public_id"] = PublicIdConverter


class IdConverter(IntegerConverter):
    """`<id:todo_id>` in a route: 1 to 999,999,999. That fits any database's INTEGER
    column, so a huge number in a URL is a 404, never an overflow in the database."""

    regex = r"[1-9][0-9]{0,8}"


class PublicIdConverter(BaseConverter):
    """`<public_id:public_id>` in a route: what secrets.token_urlsafe(16) makes, 22 characters of
    base64url; anything else is a 404 without asking the database."""

    regex = r"[A-Za-z0-9_-]{22}"


def json_object(fields: set[str]) -> dict:
    """The request body: a JSON object with no keys but FIELDS, or a 400 that says why."""
    # A body sent in chunks, with no Content-Length, is cut at the limit rather than
    # refused: refuse it here, as one with a Content-Length is.
    too_big = len(request.get_data()) >= current_app.config["MAX_CONTENT_LENGTH"]
    if request.content_length is None and too_big:
        abort(413)
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # nested deeper than Python's JSON parser goes
        body = None
    if not isinstance(body, dict):
        abort(400, "the body must be a JSON object, sent as Content-Type: application/json")
    unknown = sorted(body.keys() - fields)
    if unknown:
        abort(400, f"{unknown[0]}: unknown field")
    return body


def required(body: dict, name: str):
    if name not in body:
        abort(400, f"{name}: required")
    return body[name]


def text_field(body: dict, name: str, max_length: int = 200) -> str:
    """BODY[NAME], trimmed: 1 to MAX_LENGTH characters on a single line."""
    text = required(body, name)
    if not isinstance(text, str):
        abort(400, f"{name}: must be a string")
    text = text.strip()
    if not 1 <= len(text) <= max_length:
        abort(400, f"{name}: must be 1 to {max_length} characters")
    if any(unicodedata.category(char) in CONTROL_CATEGORIES for char in text):
        abort(400, f"{name}: must not contain line breaks or other control characters")
    return text


def bool_field(body: dict, name: str) -> bool:
    value = required(body, name)
    if not isinstance(value, bool):
        abort(400, f"{name}: must be true or false")
    return value


def username_field(body: dict) -> str:
    username = required(body, "username")
    if not isinstance(username, str) or not USERNAME_PATTERN.fullmatch(username):
        abort(400, "username: must be 3 to 32 of the characters A-Z a-z 0-9 _ . -")
    return username.lower()  # one account per name: "Alice" and "alice" are the same


def password_field(body: dict, name: str = "password") -> str:
    password = required(body, name)
    if not isinstance(password, str):
        abort(400, f"{name}: must be a string")
    if not 8 <= len(password) <= 128:
        abort(400, f"{name}: must be 8 to 128 characters")
    if any(unicodedata.category(char) == "Cs" for char in password):
        abort(400, f"{name}: must be text (a lone surrogate is half a character)")
    return password
