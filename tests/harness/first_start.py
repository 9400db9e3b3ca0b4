"""The database a stage makes on its first start, made once per test session by
create_app itself and copied for each test: quicker than making the tables again (07 and
08 run their migrations). The app then starts on it as on a database that it made earlier.
"""

import shutil
from pathlib import Path

import pytest

# {stage name: the SQLite file that the stage's first start made}, one per test session.
first_databases = {}


def close_databases(app):
    """Close the app's database connections (where it has a database)."""
    if "sqlalchemy" in app.extensions:
        with app.app_context():
            for engine in app.extensions["sqlalchemy"].engines.values():
                engine.dispose()


@pytest.fixture
def first_start_database(stage, app_config, tmp_path_factory):
    """The app_config's SQLite file, made as the stage's first start makes it."""
    copy_first_database(stage, app_config, tmp_path_factory)


def copy_first_database(stage, config, tmp_path_factory):
    """Put at CONFIG's SQLite path a copy of the database STAGE makes when it starts on no
    database at all. Nothing is copied for a database that the test has made already, nor
    for a stage that makes no SQLite file."""
    uri = config.get("SQLALCHEMY_DATABASE_URI", "")
    path = Path(uri.removeprefix("sqlite:///"))
    if not uri.startswith("sqlite:///") or not path.is_absolute() or path.exists():
        return
    if stage.__name__ not in first_databases:
        folder = tmp_path_factory.mktemp("first-start")
        first = folder / "first.sqlite"
        first_config = {
            **config,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{first}",
            "TODO_FILE": str(folder / "todos.txt"),
        }
        close_databases(stage.create_app(first_config))
        first_databases[stage.__name__] = first
    if first_databases[stage.__name__].exists():
        shutil.copyfile(first_databases[stage.__name__], path)
