"""The two cookies of a login: the token that logs the browser in, which no script may
read, and the CSRF value, which this site's pages read and send back in a header."""

from flask import current_app, request

LOGIN_COOKIE = "access_token"


def set_auth_cookies(response, token: str, csrf_token: str, max_age: int):
    """Hand the browser its login as two cookies, and return RESPONSE."""
    flags = cookie_flags()
    # HttpOnly: no script on the page can read the token.
    response.set_cookie(LOGIN_COOKIE, token, max_age=max_age, httponly=True, **flags)
    # Readable on purpose: the page copies it into a header, which other sites cannot do.
    response.set_cookie("csrf_token", csrf_token, max_age=max_age, **flags)
    return response


def unset_auth_cookies(response):
    """Remove both cookies from the browser, and return RESPONSE."""
    # With the flags they were set with: some clients keep a cookie otherwise.
    flags = cookie_flags()
    response.delete_cookie(LOGIN_COOKIE, httponly=True, **flags)
    response.delete_cookie("csrf_token", **flags)
    return response


def unset_sent_auth_cookies(response):
    """Remove both cookies if the request came with a login, and return RESPONSE."""
    # A form that another site posts here comes without them (SameSite=Lax): an answer
    # that cleared them anyway would let any site log the user out.
    if cookies_named(LOGIN_COOKIE):
        unset_auth_cookies(response)
    return response


def cookie_flags() -> dict:
    # AUTH_COOKIE_SECURE behind HTTPS: then the cookies never travel in clear.
    return {"samesite": "Lax", "secure": current_app.config["AUTH_COOKIE_SECURE"]}


def cookies_named(name: str) -> int:
    """How many cookies called NAME the request carries."""
    # Counted in the raw header, not request.cookies: a planted value that opens a quote
    # (a=") makes the parser read on across ";" and hide the cookies after it.
    pairs = request.headers.get("Cookie", "").split(";")
    return sum(pair.split("=", 1)[0].strip() == name for pair in pairs)
