import os

from flask import Blueprint, current_app, send_from_directory

from .auth import public
from .cookies import forget_planted_cookies, planted_cookies

bp = Blueprint("pages", __name__)


@bp.get("/")
@bp.get("/<any(login,products,orders,users,account):page>")
@public
def app_page(page=None):
    """Every page is the one page that Vite built from frontend/ into static/dist/; the
    Vue app shows the part that the path names."""
    # The page's script asks for it again when it sees two CSRF cookies: one was planted
    # for this page's path, where the API never sees it (frontend/src/api.js).
    if planted_cookies():
        forget_planted_cookies()
    return send_from_directory(os.path.join(current_app.static_folder, "dist"), "index.html")
