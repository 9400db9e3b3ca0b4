"""The machinery of the test harness, a pytest plugin that tests/conftest.py loads with
`pytest_plugins`. A test never needs to read it; each module is one concern:

  memory            temporary folders in memory (SQLite commits without waiting for a disk)
  first_start       the database a stage makes on its first start, made once, copied per test
  scheduling        the `browser` marker, and the slow tests handed out first to `pytest -n`
  live_server       one real HTTP server for the session, handing each request to the test's app
  browser           which Chromium, the browser, and the pool of tabs used again across tests
  gunicorn          a stage under gunicorn with worker processes
  postgresql        the PostgreSQL database of the tests (postgresql_server: a throwaway one)
  routes            walking every /api/ route of a stage (for the contract and sweep tests)
  skips             the skip summary: PostgreSQL skips folded into one line
  lessons           `--lessons`: the claims that ran, one a line (make lessons)

tests/harness/README.md says how the pieces fit, and where each test file's time goes.
"""
