from flask import Blueprint, render_template

from .cookies import forget_planted_cookies, planted_cookies

bp = Blueprint("pages", __name__)


@bp.get("/")
def landing():
    return render_template("index.html", page="landing")


# Every page is the same shell; the Vue app shows the part the path names.
@bp.get("/<any(login, register, app, account):page>")
def page(page):
    # The page's script asks for it again when it sees two CSRF cookies: one was planted
    # for this page's path, where the API never sees it (static/app/api.js).
    if planted_cookies():
        forget_planted_cookies()
    return render_template("index.html", page=page)
