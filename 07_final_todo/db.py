import click
from flask.cli import with_appcontext
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


def init_app(app):
    db.init_app(app)
    app.cli.add_command(init_db_command)
    with app.app_context():
        create_tables()  # the database is created on first start


def create_tables():
    # Worker processes (gunicorn -w 4) start at once and may race to create the same
    # table: the loser tries again, and finds it made. Three tries are plenty.
    for attempt in range(3):
        try:
            db.create_all()
            return
        except DatabaseError:
            if attempt == 2:
                raise


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Delete all data and create empty tables."""
    db.drop_all()
    db.create_all()
    click.echo("Initialized the database.")
