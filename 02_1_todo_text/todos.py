import os
import threading
from contextlib import contextmanager

import click
from flask import Blueprint, abort, current_app
from flask.cli import with_appcontext

from .validation import json_object, text_field

bp = Blueprint("todos", __name__, url_prefix="/api")

# The development server answers requests in threads, in one process: one thread at a
# time may use the file.
file_lock = threading.Lock()


def read_todos() -> list[str]:
    path = current_app.config["TODO_FILE"]
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as file:
        return [line.removesuffix("\n") for line in file]


def write_todos(todos: list[str]):
    path = current_app.config["TODO_FILE"]
    os.makedirs(os.path.dirname(path), exist_ok=True)
    # Readable by its owner only: os.open() sets the mode when it creates the file.
    private = os.open(f"{path}.tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(private, "w", encoding="utf-8", newline="\n") as file:
        file.writelines(f"{todo}\n" for todo in todos)
    os.replace(f"{path}.tmp", path)  # atomic: a crash mid-write leaves the old file whole


@contextmanager
def changing_todos():
    """Read the todos, let the caller change the list, then write it back, all under
    the lock. When the caller aborts (a 404, say), nothing is written."""
    with file_lock:
        todos = read_todos()
        yield todos
        write_todos(todos)


def check_index(todos: list[str], index: int):
    if index >= len(todos):
        abort(404, f"no todo at index {index}")


def text_from_body() -> str:
    # One todo is one line of the file: a line break would split it in two.
    return text_field(json_object({"text"}), "text")


@bp.get("/todos")
def list_todos():
    with file_lock:
        return read_todos()


@bp.post("/todos")
def add_todo():
    text = text_from_body()
    with changing_todos() as todos:
        todos.append(text)
        index = len(todos) - 1
    return {"index": index, "text": text}, 201


@bp.put("/todos/<int:index>")
def replace_todo(index):
    text = text_from_body()
    with changing_todos() as todos:
        check_index(todos, index)
        todos[index] = text
    return {"index": index, "text": text}


@bp.delete("/todos/<int:index>")
def delete_todo(index):
    with changing_todos() as todos:
        check_index(todos, index)
        del todos[index]
    return "", 204


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Delete all todos."""
    with file_lock:
        write_todos([])
    click.echo("Emptied the todo file.")
