"""Lab: alice's launch token, read from the server's access log (tools/labs.py)."""

TITLE = "Launch a missile with alice's token, found in the server's access log"
DIFFICULTY = "apprentice"
FILES = ["exploit.py"]
BREAK = None
DEFENCE_STAGE = None
DEFENCE_BREAK = "log-hides-the-token"  # the fix: each log line's ?token=... blanked


def setup(stage):
    return {"token": stage.tokens.create_token("alice")}


def victim(browser, lab):
    """Alice opens her missile page, as she does every morning, and does not launch."""
    page = browser.new_page()
    page.goto(f"{lab.stage_url}/?token={lab.facts['token']}")
    page.get_by_text("Token accepted").wait_for()
    page.close()


def exploit_env(lab):
    return {"LAB_ACCESS_LOG": lab.access_log}


def check(stage, facts):
    db, launch = stage.db.db, stage.models.Launch
    launches = db.session.scalars(db.select(launch).filter_by(launched_by="alice")).all()
    if not launches:
        return "no missile was launched with alice's token (the launch log has none by alice)"
    return None  # alice never pressed the button: the launch is yours
