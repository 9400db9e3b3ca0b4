"""The PostgreSQL database of the tests (stages 07 and 08 run some tests on both SQLite
and PostgreSQL): the one $TEST_POSTGRESQL_URL names (.ci/run sets it), or else a throwaway
server's (postgresql_server.py). Without either, every PostgreSQL test skips with a reason
that starts with POSTGRESQL_SKIP (skips.py folds them into one line)."""

import contextlib
import os

import pytest
from sqlalchemy import MetaData, create_engine

from harness import postgresql_server

POSTGRESQL_SKIP = "PostgreSQL tests"


@pytest.fixture(scope="session")
def postgresql_database():
    """The URL of the tests' database; a throwaway server is started for this test session
    where PostgreSQL is installed and the tests do not run as root (each worker of
    `pytest -n` starts its own)."""
    if url := os.environ.get("TEST_POSTGRESQL_URL"):
        yield url
        return
    how = "or set TEST_POSTGRESQL_URL=postgresql+psycopg://user:pw@host/db"
    if reason := postgresql_server.why_not():
        pytest.skip(f"{POSTGRESQL_SKIP}: {reason}, {how}")
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(postgresql_server.throwaway_server())
        except (RuntimeError, OSError) as error:
            pytest.skip(f"{POSTGRESQL_SKIP}: the throwaway server did not start ({error}), {how}")
        yield url


@pytest.fixture(scope="session")
def postgresql_engine(postgresql_database):
    """One connection pool to the database of the tests, kept for the whole session: a new
    connection for each test costs more than the cleaning it is for."""
    engine = create_engine(postgresql_database)
    yield engine
    engine.dispose()


@pytest.fixture
def postgresql_url(postgresql_database, postgresql_engine, stage_name):
    """An empty PostgreSQL database for the stage, in the database of the tests. Each
    stage, and each worker of `pytest -n`, gets a schema of its own, whose tables are
    emptied for every test (quicker than making them again)."""
    schema = f"stage{stage_name[:2]}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    with postgresql_engine.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        connection.exec_driver_sql(f"SET LOCAL search_path TO {schema}")  # until the commit
        empty_tables(connection)
    url = postgresql_database
    return url + f"{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


def empty_tables(connection):
    """Delete every row of every table of the connection's current schema; ids start
    again at 1."""
    tables = connection.exec_driver_sql(
        "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = current_schema()"
    ).scalars()
    if names := ", ".join(tables):
        connection.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


def empty_database(url):
    """Drop every table of the database at URL."""
    engine = create_engine(url)
    try:
        tables = MetaData()
        tables.reflect(engine)
        tables.drop_all(engine)
    finally:
        engine.dispose()
