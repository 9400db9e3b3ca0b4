"""The attack labs' part of the attacker site (attacker/labs.py): it serves the learner's
pages with the addresses filled in, nothing else, and keeps what they send home."""

import attacker
import attacker.labs

STAGE_URL = "http://127.0.0.1:5999"


def lab_client(lab_dir=None):
    config = {"TESTING": True, "STAGE_URL": STAGE_URL}
    if lab_dir is not None:
        config["LAB_DIR"] = str(lab_dir)
    return attacker.create_app(config).test_client()


def test_a_lab_page_is_served_with_the_addresses_filled_in(tmp_path):
    (tmp_path / "attack.html").write_text('<form action="{{ STAGE_URL }}/api/x">{{ ATTACKER_URL }}')
    (tmp_path / "payload.js").write_text("new Image().src = '{{ ATTACKER_URL }}/lab/collect';")
    client = lab_client(tmp_path)
    page = client.get("/lab/attack.html")
    assert page.status_code == 200
    assert page.content_type == "text/html; charset=utf-8"
    assert page.text == f'<form action="{STAGE_URL}/api/x">http://localhost'
    script = client.get("/lab/payload.js")
    assert script.content_type == "text/javascript; charset=utf-8"
    assert script.text == "new Image().src = 'http://localhost/lab/collect';"


def test_only_pages_of_the_lab_folder_are_served(tmp_path):
    (tmp_path / "exploit.py").write_text("print('secret')")
    (tmp_path / "cookies.txt").write_text("session_id=abc")
    client = lab_client(tmp_path)
    assert client.get("/lab/exploit.py").status_code == 404
    assert client.get("/lab/cookies.txt").status_code == 404
    assert client.get("/lab/missing.html").status_code == 404
    assert client.get("/lab/..%2Fetc%2Fpasswd.html").status_code == 404


def test_without_a_lab_running_nothing_is_served(tmp_path):
    assert lab_client().get("/lab/attack.html").status_code == 404


def test_what_a_page_sends_home_is_kept_in_order():
    client = lab_client()
    assert client.get("/lab/collected").json == []
    assert client.get("/lab/collect?stolen=abc").status_code == 204
    client.post("/lab/collect", data="session=xyz", content_type="text/plain")
    assert client.get("/lab/collected").json == [
        {"query": {"stolen": "abc"}, "body": ""},
        {"query": {}, "body": "session=xyz"},
    ]


def test_a_page_that_sends_home_without_end_fills_no_memory():
    client = lab_client()
    for number in range(attacker.labs.KEPT + 5):
        client.post(f"/lab/collect?n={number}", data="x" * (attacker.labs.KEPT_BYTES + 1))
    kept = client.get("/lab/collected").json
    assert len(kept) == attacker.labs.KEPT
    assert kept[-1]["query"] == {"n": str(attacker.labs.KEPT + 4)}
    assert len(kept[-1]["body"]) == attacker.labs.KEPT_BYTES


def test_a_body_too_large_to_keep_is_refused_before_it_is_read():
    client = lab_client()
    response = client.post("/lab/collect", data="x" * (65 * 1024), content_type="text/plain")
    assert response.status_code == 413
    assert client.get("/lab/collected").json == []
