import os

from flask import Blueprint, current_app, send_from_directory

from .auth import public

bp = Blueprint("pages", __name__)


@bp.get("/")
@bp.get("/<any(login,products,orders,users,account):page>")
@public
def app_page(page=None):
    """Every page is the one page that Vite built from frontend/ into static/dist/; the
    Vue app shows the part that the path names."""
    return send_from_directory(os.path.join(current_app.static_folder, "dist"), "index.html")
