"""Logging a test client in the way the stage's own page does, in the style of flaskr's
AuthActions: `auth.register()`, `auth.login()`, `auth.logout()`, and `auth.log_in_as()`
for both at once. One small class for each way a stage carries a login, chosen by the
stage (see `for_stage`). Tests get one through the `auth` fixture (or `auth_for(client)`
for another client); the harness's own code uses `for_client`. A browser tab logs in the
same way with `log_in_the_browser(page)`, where the login form is not what is tested."""

TEST_PASSWORD = "correct horse battery"


class AuthActions:
    """Register, log in and log out one test client."""

    def __init__(self, client):
        self.client = client

    def register(self, username="alice", password=TEST_PASSWORD, role=None, **request):
        """REQUEST: more of the test client's options, such as environ_base."""
        body = {"username": username, "password": password}
        return self.client.post("/api/register", json=body, **request)

    def login(self, username="alice", password=TEST_PASSWORD, **request):
        body = {"username": username, "password": password}
        response = self.client.post("/api/login", json=body, **request)
        if response.status_code == 200:
            self.remember(response)
        return response

    def logout(self):
        return self.client.post("/api/logout")

    def log_in_as(self, username="alice", password=TEST_PASSWORD, role="admin"):
        """Make the user USERNAME (in stage 08 with ROLE) unless it exists, then log in as
        it; the login must succeed."""
        self.register(username, password, role=role)
        response = self.login(username, password)
        assert response.status_code == 200, response.get_json()
        return response

    def remember(self, response):
        """What the page keeps after a login, to send with every request."""


class BearerAuth(AuthActions):
    """Stage 03: the page keeps the session id and sends it in an Authorization header."""

    def remember(self, response):
        session_id = response.get_json()["session_id"]
        self.client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {session_id}"


class CookieAuth(AuthActions):
    """Stages 04 to 07: the cookies travel by themselves; the page copies the readable
    csrf_token cookie into the X-CSRF-Token header of every change (07 and 08 behind
    HTTPS: __Host-csrf_token)."""

    def remember(self, response):
        cookie = self.client.get_cookie("__Host-csrf_token") or self.client.get_cookie("csrf_token")
        csrf_token = cookie.value
        self.client.environ_base["HTTP_X_CSRF_TOKEN"] = csrf_token


class CommandLineUserAuth(CookieAuth):
    """Stage 08: no sign-up; users are made on the command line, with a role."""

    def register(self, username="alice", password=TEST_PASSWORD, role="admin", **request):
        command = ["create-user", username, "--role", role, "--password", password]
        return self.client.application.test_cli_runner().invoke(args=command)


# The way each stage with users carries a login, by the stage's number.
BY_STAGE = {
    "03": BearerAuth,
    "04": CookieAuth,
    "05": CookieAuth,
    "06": CookieAuth,
    "07": CookieAuth,
    "08": CommandLineUserAuth,
}


def for_stage(stage_name: str):
    """The AuthActions class of STAGE_NAME, or None for a stage without users."""
    return BY_STAGE.get(stage_name[:2])


def for_client(client):
    """AuthActions for CLIENT, of the stage its app is."""
    return for_stage(client.application.name)(client)


def log_in_the_browser(page, username="alice", password=TEST_PASSWORD):
    """Log PAGE's browser in through the API, as the stage's login form does (stages 04 to
    08): the browser keeps the cookies that the server sets. The user must exist."""
    body = {"username": username, "password": password}
    response = page.request.post("/api/login", data=body)
    assert response.ok, response.text()
