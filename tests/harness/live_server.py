"""One real HTTP server in a thread for the whole test session, on a free port. Each test
that needs one hands it its app (the `live_server` fixture of conftest.py): one address
for every test lets the browser's tabs be used again from test to test (see browser.py)."""

import threading

import pytest
from werkzeug.serving import make_server

# Where a tab is sent between tests to be emptied: an empty page of the server's own.
BETWEEN_TESTS = "/between-tests"


class CurrentApp:
    """A WSGI app that hands each request to the app of the test running now; it answers
    BETWEEN_TESTS itself, with an empty page, where Tabs empties a tab's storage."""

    app = None
    url = None  # the server's address, http://127.0.0.1:PORT

    def serve(self, app):
        """Hand the requests to APP from now on (None: to no app)."""
        self.app = None if app is None else whole_responses(app)

    def __call__(self, environ, start_response):
        if environ["PATH_INFO"] == BETWEEN_TESTS:
            start_response("200 OK", [("Content-Type", "text/html")])
            return [b"<!doctype html><title>Between tests</title>"]
        if self.app is None:  # between tests: what a page sends late reaches no test's app
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"No test is running."]
        return self.app(environ, start_response)


@pytest.fixture(scope="session")
def http_server():
    """The CurrentApp that the server serves: `http_server.serve(app)`, `http_server.url`."""
    current = CurrentApp()
    server = make_server("127.0.0.1", 0, current, threaded=True)
    current.url = f"http://127.0.0.1:{server.server_port}"
    # Polled every 0.1 s for shutdown(): often enough for the end of the session, and a
    # thread woken 100 times a second (0.01) costs a second of CPU a worker, for nothing.
    thread = threading.Thread(target=server.serve_forever, args=(0.1,), daemon=True)
    thread.start()
    yield current
    server.shutdown()
    thread.join()
    server.server_close()


def whole_responses(app):
    """APP, with each response read whole and closed before it is sent. Werkzeug's
    development server skips closing a response when the browser hangs up half way (a
    page that moves on while its scripts load), and the file left open then warns, and
    fails, in whichever test runs next."""

    def wsgi_app(environ, start_response):
        response = app(environ, start_response)
        try:
            return [b"".join(response)]
        finally:
            if hasattr(response, "close"):
                response.close()

    return wsgi_app
