"""Requests from the attacker's own server to the stage: what an attacker does with a
stolen token, outside any browser and its rules."""

import json
import urllib.error
import urllib.request
from http.cookies import SimpleCookie

from flask import abort, current_app


def ask_stage(method: str, path: str, cookie: str | None = None) -> tuple[int, str]:
    """The status and body of METHOD PATH at the stage, sent by this server (with COOKIE
    as its Cookie header, when given)."""
    status, body, _ = send_to_stage(method, path, {"Cookie": cookie} if cookie else {})
    return status, body


def log_in_at_stage(username: str, password: str) -> SimpleCookie:
    """The cookies that the stage hands USERNAME at login (an empty SimpleCookie when the
    login fails), signing the user up first where the stage lets anyone sign up."""
    account = json.dumps({"username": username, "password": password}).encode()
    headers = {"Content-Type": "application/json"}
    send_to_stage("POST", "/api/register", headers, account)  # 409 once it exists: fine
    status, _, answer_headers = send_to_stage("POST", "/api/login", headers, account)
    cookies = SimpleCookie()
    for header in answer_headers.get_all("Set-Cookie", []) if status == 200 else []:
        cookies.load(header)
    return cookies


def send_to_stage(method: str, path: str, headers: dict, body: bytes | None = None):
    """The status, body and headers of the stage's answer to METHOD PATH."""
    url = current_app.config["STAGE_URL"] + path
    # S310 asks which URL schemes can reach urllib: STAGE_URL is ours to set, an http URL.
    request = urllib.request.Request(url, body, headers, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.read().decode(), response.headers
    except urllib.error.HTTPError as error:  # a 4xx or 5xx is an answer too
        with error:
            return error.code, error.read().decode(), error.headers
    except urllib.error.URLError as error:
        abort(502, f"No answer from {url} ({error.reason}). Is the stage running?")
