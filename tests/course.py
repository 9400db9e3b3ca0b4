"""Where the course's folders are, for the tests that read them: ROOT, the stages and the
folder each stage is loaded from."""

import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAGES = sorted(
    path.name
    for path in ROOT.iterdir()
    if re.fullmatch(r"\d\d_\w+", path.name) and (path / "__init__.py").is_file()
)
# A folder of stage copies to test instead of the repository's own (tools/practise.py sets
# it to the scratch folder where it broke a stage, or applied an exercise's answer).
STAGES_DIR = Path(os.environ.get("COURSE_STAGES_DIR") or ROOT).resolve()
if STAGES_DIR != ROOT:
    sys.path.insert(0, str(STAGES_DIR))
# Werkzeug's scrypt with a small cost (under a millisecond, where the tests hash thousands
# of passwords): the stages' real default is far slower on purpose.
CHEAP_HASH_METHOD = "scrypt:128:8:1"


def stage_folder(stage_name):
    """Where the stage is loaded from: its copy in STAGES_DIR if there is one."""
    copy = STAGES_DIR / stage_name
    return copy if copy.is_dir() else ROOT / stage_name
