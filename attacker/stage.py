"""Requests from the attacker's own server to the stage: what an attacker does with a
stolen token, outside any browser and its rules."""

import urllib.error
import urllib.request

from flask import abort, current_app


def ask_stage(method: str, path: str, cookie: str | None = None) -> tuple[int, str]:
    """The status and body of METHOD PATH at the stage, sent by this server (with COOKIE
    as its Cookie header, when given)."""
    url = current_app.config["STAGE_URL"] + path
    headers = {"Cookie": cookie} if cookie else {}
    # S310 asks which URL schemes can reach urllib: STAGE_URL is ours to set, an http URL.
    request = urllib.request.Request(url, method=method, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:  # a 4xx or 5xx is an answer too
        with error:
            return error.code, error.read().decode()
    except urllib.error.URLError as error:
        abort(502, f"No answer from {url} ({error.reason}). Is the stage running?")
