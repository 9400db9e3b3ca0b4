"""`make lessons` prints each lesson as a claim, made from its test's name
(tests/lessons.py): the claims read as sentences, apostrophes included."""

import re

import lessons
from conftest import ROOT

# A lesson: a test function under @pytest.mark.lesson("weakness") or ("fix").
LESSON = re.compile(r"^@pytest\.mark\.lesson\(\"\w+\"\)\n(?:@.*\n)*def (test_\w+)", re.MULTILINE)


def lesson_names():
    return {
        name
        for module in (ROOT / "tests").rglob("test_*.py")
        for name in LESSON.findall(module.read_text())
    }


def test_a_lesson_claim_keeps_its_apostrophes():
    assert lessons.claim("test_another_users_todo_is_not_found") == (
        "another user's todo is not found"
    )
    assert lessons.claim("test_another_origins_form_cannot_change_anything") == (
        "another origin's form cannot change anything"
    )
    # a plural stays a plural
    assert lessons.claim("test_logout_everywhere_cannot_exist_without_sessions_on_the_server") == (
        "logout everywhere cannot exist without sessions on the server"
    )


def test_every_lesson_claim_reads_as_a_sentence():
    """No possessive without its apostrophe: "another users todo" is not English."""
    claims = {lessons.claim(name) for name in lesson_names()}
    assert len(claims) >= 40
    assert "another user's todo is not found" in claims
    assert "a live session's token is renewed after it expires" in claims
    assert sorted(c for c in claims if re.search(r"\banother \w+s\b|\bnobodys\b", c)) == []
