"""The two cookies of a login: the token that logs the browser in, which no script may
read, and the CSRF value, which this site's pages read and send back in a header.

A site is not an origin: a page on another port of this host, or on a subdomain, may set
cookies that the browser then sends here along with ours. A request with two cookies of
one name is refused: one of them was planted. So is a change from this site's own page whose
CSRF value is not the login's: the page read a csrf_token that a neighbour set over ours."""

from typing import NoReturn

from flask import abort, after_this_request, current_app, request

LOGIN_COOKIE = "access_token"
CSRF_COOKIE = "csrf_token"
PLANTED_COOKIE = (
    "you were signed out to protect your account: a page on another port or subdomain of "
    "this address put cookies of its own in your browser; please log in again"
)


def cookie_name(name: str) -> str:
    # __Host-: a cookie the browser takes only from this very host, over HTTPS, for Path=/;
    # no subdomain can set it (another port of the same host still can).
    return f"__Host-{name}" if current_app.config["AUTH_COOKIE_SECURE"] else name


def set_auth_cookies(response, token: str, csrf_token: str, max_age: int):
    """Hand the browser its login as two cookies, and return RESPONSE."""
    flags = cookie_flags()
    # HttpOnly: no script on the page can read the token.
    response.set_cookie(cookie_name(LOGIN_COOKIE), token, max_age=max_age, httponly=True, **flags)
    # Readable on purpose: the page copies it into a header, which other sites cannot do.
    response.set_cookie(cookie_name(CSRF_COOKIE), csrf_token, max_age=max_age, **flags)
    return response


def unset_auth_cookies(response):
    """Remove both cookies from the browser, and return RESPONSE."""
    # With the flags they were set with: some clients keep a cookie otherwise.
    flags = cookie_flags()
    response.delete_cookie(cookie_name(LOGIN_COOKIE), httponly=True, **flags)
    response.delete_cookie(cookie_name(CSRF_COOKIE), **flags)
    return response


def unset_sent_auth_cookies(response):
    """Remove both cookies if the request came with a login, and return RESPONSE."""
    # A form that another site posts here comes without them (SameSite): an answer that
    # cleared them anyway would let any site log the user out.
    if cookies_named(cookie_name(LOGIN_COOKIE)):
        unset_auth_cookies(response)
    return response


def cookie_flags() -> dict:
    # SameSite=Strict: no request that another site starts carries the login, not even a
    # link, which could have a token renewed and then drop the answer.
    # AUTH_COOKIE_SECURE behind HTTPS: then the cookies never travel in clear.
    return {"samesite": "Strict", "secure": current_app.config["AUTH_COOKIE_SECURE"]}


def cookies_named(name: str) -> int:
    """How many cookies called NAME the request carries."""
    # Counted in the raw header, not request.cookies: a planted value that opens a quote
    # (a=") makes the parser read on across ";" and hide the cookies after it.
    pairs = request.headers.get("Cookie", "").split(";")
    return sum(pair.split("=", 1)[0].strip() == name for pair in pairs)


def login_token() -> str:
    """The request's login token, "" when there is none; 401 when the request carries
    planted cookies."""
    if planted_cookies():
        refuse_planted_cookies()
    return request.cookies.get(cookie_name(LOGIN_COOKIE), "")


def planted_cookies() -> bool:
    """Whether the request carries two login or two CSRF cookies: the browser sends a
    planted one with a longer Path first."""
    names = [cookie_name(LOGIN_COOKIE), cookie_name(CSRF_COOKIE)]
    return any(cookies_named(name) > 1 for name in names)


def refuse_planted_cookies() -> NoReturn:
    """401 saying that a neighbour planted cookies; Clear-Site-Data when our own page asked."""
    forget_planted_cookies()
    abort(401, PLANTED_COOKIE)


def forget_planted_cookies():
    # Only for this site's own pages: a neighbour's <img> could have the browser forget
    # the user's cookies, then plant its own with no second one left to see.
    if from_own_page():
        after_this_request(forget_site_cookies)


def from_own_page() -> bool:
    # The browser says who started the request, in a header that no page can set.
    return request.headers.get("Sec-Fetch-Site") == "same-origin"


def forget_site_cookies(response):
    # The browser drops every cookie of this site, any port, any Path: the planted ones too.
    response.headers["Clear-Site-Data"] = '"cookies"'
    return response
