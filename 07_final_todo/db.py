import click
from flask.cli import with_appcontext
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


def init_app(app):
    db.init_app(app)
    app.cli.add_command(init_db_command)
    with app.app_context():
        db.create_all()  # the database is created on first start


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Delete all data and create empty tables."""
    db.drop_all()
    db.create_all()
    click.echo("Initialized the database.")
