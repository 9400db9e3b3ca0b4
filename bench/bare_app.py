"""The baseline for the throughput benchmark: a Flask app with one route that returns a
constant JSON object, served by gunicorn exactly as stage 07 is. Whatever 07 costs above
this is its own work (token check, database query, JSON of the todos, security headers)."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def constant():
    return {"ok": True}
