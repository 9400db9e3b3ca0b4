"""The slide decks as the page builds them (slides/deck.js): deck.md holds every slide
once, named on its first line (<!-- .slide: id="..." -->); slides/decks/NAME.txt lists the
slides of deck NAME, one name a line, in the order they are shown. Each deck belongs to
the class plan of the same name, teaching/plan-NAME.md."""

import re

from course import ROOT

SLIDES = ROOT / "slides"
TEACHING = ROOT / "teaching"
DECK = (SLIDES / "deck.md").read_text()
SLIDE_TEXTS = DECK.split("\n---\n")  # the separator deck.js gives reveal.js
DECKS = {"45-minutes": 45, "120-minutes": 120}  # each deck's name and its plan's length


def slide_id(slide):
    found = re.match(r'\n*<!-- \.slide: id="([^"]+)"', slide)
    return found and found.group(1)


SLIDE_BY_ID = {slide_id(slide): slide for slide in SLIDE_TEXTS}


def deck_ids(name):
    return (SLIDES / "decks" / f"{name}.txt").read_text().split()


def deck_slides(name):
    """The texts of deck NAME's slides, in order."""
    return [SLIDE_BY_ID[slide] for slide in deck_ids(name)]


def title(slide):
    return re.search(r"^#+ (.+)$", slide, flags=re.MULTILINE).group(1)


def minutes(slide):
    found = re.search(r"\nNote:\n\*\*(\d+) min\.\*\* \S", slide)
    return found and int(found.group(1))


def plan(name):
    return (TEACHING / f"plan-{name}.md").read_text()


def section(markdown, heading):
    """The text under `## HEADING`, up to the next `## ` heading."""
    found = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", markdown, re.M | re.S)
    assert found, f"no section '## {heading}'"
    return found.group(1)


def timetable(name):
    """[(minutes, part)] of the plan's timetable."""
    rows = re.findall(r"^\| (\d+) \| ([^|]+?) \|", section(plan(name), "Timetable"), re.M)
    return [(int(minutes), part) for minutes, part in rows]


def slide_table(name):
    """[(number, title, part)] of the plan's "Slides for this plan" table."""
    rows = re.findall(
        r"^\| (\d+) \| ([^|]+?) \| ([^|]+?) \|", section(plan(name), "Slides for this plan"), re.M
    )
    return [(int(number), title, part) for number, title, part in rows]


def objectives(markdown):
    """The bullet list of a plan's "Objectives" section or of a slide, one item a string."""
    items = re.findall(r"^- (.*(?:\n  .*)*)", markdown, flags=re.MULTILINE)
    return [" ".join(item.split()) for item in items]
