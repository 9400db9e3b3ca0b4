from flask import json
from werkzeug.exceptions import HTTPException


def init_app(app):
    app.register_error_handler(HTTPException, json_error)


def json_error(error: HTTPException):
    """Every error is JSON, {"error": "..."}, with the error's status code and headers."""
    response = error.get_response()
    response.data = json.dumps({"error": error.description}) + "\n"  # ends a line, as jsonify does
    response.content_type = "application/json"
    return response
