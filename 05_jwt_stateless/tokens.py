"""JSON Web Tokens (RFC 7519) signed with HS256, written by hand to show what is inside.

A token is three base64url parts joined by dots: header.payload.signature, where the
signature is HMAC-SHA256 over "header.payload" with the server's secret key. Anyone can
read a token; only the holder of the key can make one that `decode` accepts.
From stage 06 on, the PyJWT library does this.
"""

import base64
import binascii
import hashlib
import hmac
import json
import re
import sys
import time

HEADER = {"alg": "HS256", "typ": "JWT"}
BASE64URL = re.compile(r"[A-Za-z0-9_-]*")


class InvalidTokenError(Exception):
    """Any reason not to trust a token. The app answers every one with 401."""


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    # Python's decoder forgives padding and ignores stray bits at the end, so that many
    # texts decode to the same bytes. Accept only the one text that encoding would give.
    if not BASE64URL.fullmatch(text):
        raise InvalidTokenError("not base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as error:
        raise InvalidTokenError("not base64url") from error
    if b64url_encode(data) != text:
        raise InvalidTokenError("not canonical base64url")
    return data


def json_part(text: str) -> dict:
    try:
        value = json.loads(b64url_decode(text).decode("utf-8"))  # JWT is UTF-8, nothing else
    except (ValueError, RecursionError) as error:
        raise InvalidTokenError("not JSON") from error
    if not isinstance(value, dict):
        raise InvalidTokenError("not a JSON object")
    return value


def signature(signing_input: str, key: bytes) -> bytes:
    return hmac.new(key, signing_input.encode("ascii"), hashlib.sha256).digest()


def encode(claims: dict, key: bytes) -> str:
    header = b64url_encode(json.dumps(HEADER, separators=(",", ":")).encode())
    payload = b64url_encode(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{header}.{payload}"
    return f"{signing_input}.{b64url_encode(signature(signing_input, key))}"


def decode(token: str, key: bytes, audience: str | None = None, now: float | None = None) -> dict:
    """The claims of TOKEN, when KEY signed it (for AUDIENCE, when given) and its `exp` is
    after NOW (default: the current time, in seconds since 1970). Raises
    InvalidTokenError otherwise."""
    parts = token.split(".")
    if len(parts) != 3 or not all(BASE64URL.fullmatch(part) for part in parts):
        raise InvalidTokenError("a JWT is three base64url parts")
    header, payload, signature_text = parts
    header_fields = json_part(header)
    # The algorithm is ours to choose, not the token's: "none" or any other is refused.
    if header_fields.get("alg") != "HS256":
        raise InvalidTokenError("alg must be HS256")
    if "crit" in header_fields:  # extensions the token says we must understand: we don't
        raise InvalidTokenError("no critical extensions are supported")
    expected = signature(f"{header}.{payload}", key)
    if not hmac.compare_digest(b64url_decode(signature_text), expected):  # constant time
        raise InvalidTokenError("wrong signature")
    claims = json_part(payload)
    if type(claims.get("exp")) is not int:  # not a bool, a float or a string either
        raise InvalidTokenError("exp must be an integer")
    if now is None:
        now = time.time()
    if claims["exp"] <= now:
        raise InvalidTokenError("expired")
    # Made for another app that shares our key by mistake: not for us.
    if audience is not None and claims.get("aud") != audience:
        raise InvalidTokenError("aud is not this app")
    if "sub" in claims and not isinstance(claims["sub"], str):
        raise InvalidTokenError("sub must be a string")
    return claims


def check_secret_key(key):
    """Refuse to start with a key that is empty or short: anyone could guess it and sign
    tokens for any user. HS256 wants at least 32 bytes (RFC 7518, section 3.2). Only the
    length is checked: a long key that is not random ("x" * 32, a phrase) passes, and is
    as guessable; make it with secrets, as the message says."""
    # str(): FLASK_SECRET_KEY=12345 arrives as a number (Flask reads env values as JSON).
    if len(str(key).encode()) < 32:
        print(
            "FLASK_SECRET_KEY is set but shorter than 32 bytes. Make one with:\n"
            '  python -c "import secrets; print(secrets.token_hex(32))"',
            file=sys.stderr,
        )
        # A clear message, not a traceback; and exit status 3, which gunicorn reads as
        # "a worker failed to boot": it stops, rather than start the worker again forever.
        raise SystemExit(3)
