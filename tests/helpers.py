"""Small helpers that the stages' test files share."""

import re
import threading
from http.cookies import SimpleCookie

from sqlalchemy import event


def set_cookies(response):
    """{name: morsel} of the response's Set-Cookie headers, flags and all."""
    cookies = SimpleCookie()
    for header in response.headers.getlist("Set-Cookie"):
        cookies.load(header)
    return cookies


def sql_statements(app, request):
    """The SQL statements that REQUEST() sends to the app's database."""
    statements = []
    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine

    def note(connection, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        request()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return statements


def with_token(app, token):
    """A new client that holds only TOKEN as its access_token cookie, as a thief with a
    copy would."""
    thief = app.test_client()
    thief.set_cookie("access_token", token)
    return thief


def at(path):
    """For Playwright's expect(page).to_have_url(): the page is at PATH."""
    return re.compile(rf"^http://[^/]+{re.escape(path)}$")


def at_once(count: int, action) -> list:
    """Run ACTION(number) for each number in range(COUNT), each in a thread of its own,
    all let go at the same moment; what each returned, in order."""
    start = threading.Barrier(count)
    results = [None] * count

    def run(number):
        start.wait()
        results[number] = action(number)

    threads = [threading.Thread(target=run, args=(number,)) for number in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
