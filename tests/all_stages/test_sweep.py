"""A property-based sweep (Hypothesis) over every JSON route of every stage, found from
the app's url_map, not from a list kept by hand: random and hostile bodies, query
strings, headers, path parameters and content types. Whatever comes, the answer is never
a 500, every error is JSON with an "error", and a refused request changes nothing.

The examples are derandomized (the profiles are in conftest.py), so every run (and CI)
tries the same ones; set HYPOTHESIS_PROFILE=explore for new random ones, many more."""

import json
import os
from urllib.parse import quote

import pytest
from course import STAGES
from harness.routes import api_urls, assert_json_client_error, concrete_url, new_user_client
from hypothesis import given
from hypothesis import strategies as st

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
FIELDS = [
    "text", "title", "done", "username", "password", "current_password", "new_password",
    "sku", "name", "price_cents", "quantity", "customer", "items", "role", "active",
    "product_id", "id", "__proto__",
]  # fmt: skip
# What changes on a refused request by design: the count of failed logins (07, 08).
CHANGES_ON_PURPOSE = {"login_failures"}

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=300),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=15,
)
json_objects = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=10), json_values)
bodies = st.one_of(
    st.none(),
    json_objects.map(json.dumps),
    json_values.map(json.dumps),
    st.binary(max_size=300),
    st.sampled_from(
        [
            '{"title": "a", "title": 5}',  # a duplicate key: the last one wins in Python
            '{"text": "a", "text": "b\\nc"}',
            "[" * 3000 + "]" * 3000,  # deeper than Python's JSON parser goes
            '{"title": "\\ud800"}',  # a lone surrogate
            '{"title": NaN}',
            "",
        ]
    ),
)
content_types = st.sampled_from(
    [None, "application/json", "text/plain", "application/x-www-form-urlencoded",
     "multipart/form-data; boundary=x", "application/json; charset=latin-1", "nonsense"]
)  # fmt: skip
path_values = st.one_of(
    st.just(None),  # an object the client may see (made if needed)
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.text(min_size=1, max_size=40),
    st.sampled_from(["..", "../..", "%00", "0", "1e3", "١", " 1", "1.0", "x" * 300]),
)
queries = st.dictionaries(
    st.sampled_from(["token", "q", "id", "page"]) | st.text(max_size=8),
    st.text(max_size=50),
    max_size=3,
)
headers = st.fixed_dictionaries(
    {},
    optional={
        "X-CSRF-Token": st.text(max_size=60),
        "Authorization": st.text(max_size=60).map(lambda t: f"Bearer {t}"),
        "Accept": st.sampled_from(["text/html", "*/*", "application/xml"]),
    },
).map(lambda h: {name: as_header(value) for name, value in h.items()})


def as_header(text):
    """TEXT as an HTTP client can send it: bytes seen as Latin-1, no line breaks."""
    text = text.encode("utf-8", "replace").decode("latin-1")
    return "".join(char for char in text if char not in "\r\n\x00")


def snapshot(app):
    """Everything the stage has stored, but what changes on purpose."""
    if "sqlalchemy" not in app.extensions:  # 02_1: a text file
        path = app.config["TODO_FILE"]
        if not os.path.exists(path):
            return ""
        with open(path, encoding="utf-8") as file:
            return file.read()
    db = app.extensions["sqlalchemy"]
    with app.app_context():
        return {
            table.name: sorted(
                tuple(value for column, value in row._mapping.items() if column != "last_seen")
                for row in db.session.execute(table.select())
            )
            for table in db.metadata.sorted_tables
            if table.name not in CHANGES_ON_PURPOSE
        }


def fill_path(client, route, value):
    if value is None:
        return concrete_url(client, route)
    collection, _, rest = route.partition("<")
    return collection + quote(value, safe="") + rest.partition(">")[2]


@pytest.mark.parametrize("stage_name", STAGES)
def test_no_request_gets_a_500_and_a_refused_one_changes_nothing(app):
    client = new_user_client(app)
    routes = sorted(api_urls(app))

    @given(
        route=st.sampled_from(routes),
        method=st.sampled_from(METHODS),
        path_value=path_values,
        query=queries,
        body=bodies,
        content_type=content_types,
        extra_headers=headers,
    )
    def check(route, method, path_value, query, body, content_type, extra_headers):
        url = fill_path(client, route, path_value)
        before = snapshot(app)
        response = client.open(
            url,
            method=method,
            query_string=query,
            data=body,
            content_type=content_type,
            headers=extra_headers,
        )
        assert_json_client_error(response)
        if response.status_code >= 400:
            assert snapshot(app) == before, (method, url, body, response.get_json())

    check()
