"""1. Decoding one JWT: stage 05's hand-written decoder against PyJWT's."""

import hashlib
import hmac
import importlib
import secrets
import statistics
import time

import jwt

from bench.common import SECRET_KEY, compare, heading, summary, table


def bench_jwt(rounds: int):
    ours = importlib.import_module("05_jwt_stateless.tokens")
    stage06 = importlib.import_module("06_jwt_session_backup.tokens")
    key = SECRET_KEY.encode()
    now = int(time.time())
    # Claims as 06/07 make them, so that every decoder below accepts the same token.
    claims = {
        "sub": "42",
        "sid": secrets.token_urlsafe(16),
        "aud": "06_jwt_session_backup",
        "iat": now,
        "exp": now + 600,
        "csrf": secrets.token_urlsafe(32),
    }
    token = ours.encode(claims, key)
    same_token = token == jwt.encode(claims, key, algorithm="HS256")
    audience = claims["aud"]
    decoded = [
        ours.decode(token, key),
        jwt.decode(token, key, algorithms=["HS256"], audience=audience),
        stage06.decode(token, key, audience),
    ]
    if decoded != [claims] * 3:
        raise RuntimeError("the decoders disagree about the same token")
    signing_input = token.rsplit(".", 1)[0].encode()

    samples = compare(
        {
            "05 tokens.decode (hand-written)": lambda: ours.decode(token, key),
            "PyJWT jwt.decode(algorithms=[HS256])": lambda: jwt.decode(
                token, key, algorithms=["HS256"], audience=audience
            ),
            "06-08 tokens.decode (PyJWT + checks)": lambda: stage06.decode(token, key, audience),
            "HMAC-SHA256 of the token alone": lambda: hmac.new(
                key, signing_input, hashlib.sha256
            ).digest(),
        },
        rounds=rounds,
    )
    heading(1, "Decoding one JWT (HS256): stage 05's hand-written decoder vs PyJWT")
    print(f"  token: {len(token)} characters, {len(claims)} claims, key {len(key)} bytes;")
    print(f"  05's encode and PyJWT's encode give the same token: {same_token}\n")
    table(
        ["decoder", "median/call", "fastest", "spread"],
        [[name, *summary(values)] for name, values in samples.items()],
    )
    names = list(samples)
    ratio_median = statistics.median(samples[names[0]]) / statistics.median(samples[names[1]])
    ratio_min = min(samples[names[0]]) / min(samples[names[1]])
    verdict = "ours is no slower" if ratio_min <= 1.0 else "OURS IS SLOWER"
    print(f"\n  ours / PyJWT: {ratio_median:.2f} (medians), {ratio_min:.2f} (fastest): {verdict}")
