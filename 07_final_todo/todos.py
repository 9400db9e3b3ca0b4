from flask import Blueprint, abort, g, url_for
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from .auth import login_required
from .db import db
from .models import Todo
from .sessions import SESSION_ENDED, unauthorized
from .validation import bool_field, json_object, text_field

bp = Blueprint("todos", __name__, url_prefix="/api")


def get_todo_or_404(todo_id: int) -> Todo:
    # Another user's todo is "not found" too: a 403 would confirm that it exists.
    return db.first_or_404(
        db.select(Todo).filter_by(id=todo_id, user_id=g.user_id),
        description=f"no todo with id {todo_id}",
    )


@bp.get("/todos")
@login_required
def list_todos():
    todos = db.session.execute(
        db.select(Todo).filter_by(user_id=g.user_id).order_by(Todo.id)
    ).scalars()
    return [todo.to_dict() for todo in todos]


@bp.post("/todos")
@login_required
def create_todo():
    todo = Todo(user_id=g.user_id, title=text_field(json_object({"title"}), "title"))
    db.session.add(todo)
    try:
        db.session.commit()
    except IntegrityError:  # a valid token of a user who is gone (the database was reset)
        unauthorized(SESSION_ENDED)
    return todo.to_dict(), 201, {"Location": url_for(".get_todo", todo_id=todo.id)}


@bp.get("/todos/<id:todo_id>")
@login_required
def get_todo(todo_id):
    return get_todo_or_404(todo_id).to_dict()


@bp.patch("/todos/<id:todo_id>")
@login_required
def update_todo(todo_id):
    todo = get_todo_or_404(todo_id)
    body = json_object({"title", "done"})
    if "title" in body:
        todo.title = text_field(body, "title")
    if "done" in body:
        todo.done = bool_field(body, "done")
    updated = todo.to_dict()  # now: the commit forgets what was loaded
    try:
        db.session.commit()
    except StaleDataError:  # another request deleted it meanwhile
        abort(404, f"no todo with id {todo_id}")
    return updated


@bp.delete("/todos/<id:todo_id>")
@login_required
def delete_todo(todo_id):
    db.session.delete(get_todo_or_404(todo_id))
    db.session.commit()
    return "", 204
