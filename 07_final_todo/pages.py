from flask import Blueprint, render_template

bp = Blueprint("pages", __name__)


@bp.get("/")
def landing():
    return render_template("index.html", page="landing")


# Every page is the same shell; the Vue app shows the part the path names.
@bp.get("/<any(login, register, app, account):page>")
def page(page):
    return render_template("index.html", page=page)
