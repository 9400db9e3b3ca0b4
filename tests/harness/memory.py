"""Temporary folders in memory. SQLite waits for the disk at every commit, and the tests
commit thousands of times (half the time of some files): their temporary folders go to
memory where Linux has a memory-backed folder with room (PYTEST_DEBUG_TEMPROOT is
pytest's own setting for this, read when the first temporary folder is made)."""

import os
import shutil
from pathlib import Path

MEMORY_FOLDER = Path("/dev/shm")  # noqa: S108 (pytest makes its own folders in it)
if os.access(MEMORY_FOLDER, os.W_OK) and shutil.disk_usage(MEMORY_FOLDER).free > 2**30:
    os.environ.setdefault("PYTEST_DEBUG_TEMPROOT", str(MEMORY_FOLDER))
