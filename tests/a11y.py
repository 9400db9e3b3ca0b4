"""Accessibility checks that the browser tests share: axe-core over a page, and "where is
the keyboard, and can the user see it".

axe-core is vendored in tests/vendor/axe-core/ for the tests only: no stage serves it. It
goes into the page with page.evaluate(), which the DevTools protocol runs outside the
page's Content-Security-Policy (script-src 'self' refuses a <script> with the text in it,
and eval() too).
"""

from course import ROOT
from playwright.sync_api import expect

AXE_SOURCE = (ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js").read_text()
# What a user cannot get past (a control with no name, text too faint to read); axe's
# "moderate" and "minor" findings are advice.
BLOCKING = {"serious", "critical"}

RUN_AXE = """async () => {
  const results = await axe.run(document, { resultTypes: ["violations"] });
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((node) => ({ target: node.target.join(" "), summary: node.failureSummary })),
  }));
}"""


def axe_violations(page):
    """axe-core's violations on PAGE as it is now, of every impact."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)  # a fresh document after each navigation: load it again
    return page.evaluate(RUN_AXE)


def assert_no_axe_violations(page, state):
    """No violation of impact serious or critical on PAGE; STATE says what it shows
    ("login, wrong password"). The failure lists each violation and where it is."""
    found = [v for v in axe_violations(page) if v["impact"] in BLOCKING]
    lines = [
        f"  {v['impact']} {v['id']}: {v['help']}\n"
        + "\n".join(
            f"    at {node['target']}:\n      " + node["summary"].replace("\n", "\n      ")
            for node in v["nodes"]
        )
        for v in found
    ]
    assert not found, f"axe on {page.url} ({state}):\n" + "\n".join(lines)


# Where the focus is, and whether it shows: an outline or a ring (box-shadow) on it, or an
# outline on its parent (a search box whose frame lights up around the input); and whether
# it is on TARGET (an element, if one is given).
FOCUS = """(target) => {
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  const outlined = (style) => style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const own = getComputedStyle(element);
  const parent = getComputedStyle(element.parentElement);
  return {
    element: element.outerHTML.slice(0, 120),
    visible: outlined(own) || own.boxShadow !== "none" || outlined(parent),
    onTarget: element === target,
  };
}"""


def assert_focus_visible(page):
    """Something has the keyboard focus, and it shows (an outline or a ring)."""
    assert_shows_the_focus(page.evaluate(FOCUS))


def assert_shows_the_focus(here):
    """HERE, what FOCUS found: a control has the focus, and it shows."""
    assert here is not None, "the focus is lost: on the page itself, on nothing a user sees"
    assert here["visible"], f"the focus is on {here['element']}, which does not show it"


def tab_to(page, target, key="Tab", limit=30):
    """Press KEY (Tab, or Shift+Tab to go back) until the focus is on TARGET (a Playwright
    locator), checking on the way that every control it lands on shows the focus. (Past
    the last control the focus leaves the page for the browser's own bar, and comes back
    at the first.)"""
    target.wait_for()
    # Found once, not at each press: finding a control by its role and name is much of
    # the browser's work here.
    element = target.element_handle()
    for _ in range(limit):
        page.keyboard.press(key)
        here = page.evaluate(FOCUS, element)
        if here is None:
            continue  # in the browser's bar
        assert_shows_the_focus(here)
        if here["onTarget"]:
            return
    raise AssertionError(f"pressed {key} {limit} times and never reached {target}")


# Where the focused control is, and where the sticky header ends: a control that the keyboard
# reaches must not be hidden under the header.
UNDER_HEADER = """() => {
  const header = document.querySelector("header");
  const element = document.activeElement;
  if (!header || !element || element === document.body) return null;
  return {
    element: element.outerHTML.slice(0, 120),
    top: element.getBoundingClientRect().top,
    headerBottom: header.getBoundingClientRect().bottom,
  };
}"""


def assert_clear_of_the_header(page):
    """The focused control is below the sticky header, not under it."""
    here = page.evaluate(UNDER_HEADER)
    assert here is not None, "the focus is lost: on the page itself, on nothing a user sees"
    assert here["top"] >= here["headerBottom"] - 1, (
        f"the focus is on {here['element']}, at {here['top']}px, under the header that ends "
        f"at {here['headerBottom']}px"
    )


def assert_skip_link_first(page, main_id="main"):
    """The first Tab stop is a visible "Skip to content" link, and it takes the keyboard to
    the page's main content (not to the page itself)."""
    page.wait_for_load_state("networkidle")  # the screen drawn with its data, not redrawn later
    page.keyboard.press("Tab")
    link = page.evaluate(
        """() => { const a = document.activeElement;
                   const box = a.getBoundingClientRect();
                   return { text: a.textContent.trim(), top: box.top, height: box.height }; }"""
    )
    assert link["text"] == "Skip to content", f"the first Tab stop is {link['text']!r}"
    assert link["top"] >= 0 and link["height"] > 0, "the skip link does not show when focused"
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    expect(page.locator(f"#{main_id}")).to_be_focused()
