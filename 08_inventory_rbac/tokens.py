"""Access tokens: JWTs signed with HS256, made and checked by PyJWT.

Stage 05 wrote this by hand to show what is inside; from here on, a well-kept library
does it.
"""

import re
import sys

import jwt

# Every token we make has these claims; a token without one of them is refused.
REQUIRED_CLAIMS = ["exp", "iat", "sub", "sid", "gen", "aud", "csrf"]
USER_ID = re.compile(r"[1-9][0-9]{0,8}")
SESSION_ID = re.compile(r"[A-Za-z0-9_-]{22}")  # a session's public id
CSRF_VALUE = re.compile(r"[A-Za-z0-9_-]{43}")  # what secrets.token_urlsafe(32) makes


def encode(claims: dict, key: bytes) -> str:
    return jwt.encode(claims, key, algorithm="HS256")


def decode(token: str, key: bytes, audience: str, verify_exp: bool = True) -> dict:
    """The claims of TOKEN when KEY signed it for AUDIENCE and (unless VERIFY_EXP is
    false) it has not expired. Raises jwt.ExpiredSignatureError for a token that is
    genuine but too old, and jwt.InvalidTokenError, its parent, for every other reason."""
    claims = jwt.decode(
        token,
        key,
        algorithms=["HS256"],  # ours to choose, never the token's
        audience=audience,
        options={"require": REQUIRED_CLAIMS, "verify_exp": verify_exp},
    )
    # Signed with our key, but shaped unlike ours (an older version's, say): refuse it.
    if not shaped_like_ours(claims):
        raise jwt.InvalidTokenError("not one of our tokens")
    return claims


def shaped_like_ours(claims: dict) -> bool:
    return (
        USER_ID.fullmatch(claims["sub"]) is not None
        and isinstance(claims["sid"], str)
        and SESSION_ID.fullmatch(claims["sid"]) is not None
        and isinstance(claims["csrf"], str)
        and CSRF_VALUE.fullmatch(claims["csrf"]) is not None
        # An int, not a bool or a float, that fits the database's column.
        and type(claims["gen"]) is int
        and 1 <= claims["gen"] < 2**31
    )


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
