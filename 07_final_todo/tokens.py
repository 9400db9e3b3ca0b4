"""Access tokens: JWTs signed with HS256, made and checked by PyJWT.

Stage 05 wrote this by hand to show what is inside; from here on, a well-kept library
does it.
"""

import jwt

# Every token we make has these claims; a token without one of them is refused.
REQUIRED_CLAIMS = ["exp", "iat", "sub", "sid"]


def encode(claims: dict, key: bytes) -> str:
    return jwt.encode(claims, key, algorithm="HS256")


def decode(token: str, key: bytes, verify_exp: bool = True) -> dict:
    """The claims of TOKEN when KEY signed it and (unless VERIFY_EXP is false) it has not
    expired. Raises jwt.ExpiredSignatureError for a token that is genuine but too old,
    and jwt.InvalidTokenError, its parent, for every other reason."""
    return jwt.decode(
        token,
        key,
        algorithms=["HS256"],  # ours to choose, never the token's
        options={"require": REQUIRED_CLAIMS, "verify_exp": verify_exp},
    )
