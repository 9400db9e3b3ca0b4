"""The machine the figures come from: printed first, so that a run says where it ran."""

import importlib.metadata
import os
import platform
import tempfile
import time
from pathlib import Path


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_total() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "?"


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def filesystem_of(path: str) -> str:
    best, kind = "", "?"
    try:
        for line in Path("/proc/mounts").read_text().splitlines():
            _, mount, fstype, *_ = line.split()
            if path.startswith(mount) and len(mount) > len(best):
                best, kind = mount, fstype
    except OSError:
        pass
    return kind


def busy_warning(cores: int) -> str:
    """A sentence when other programs keep the machine busy (a load average over half the
    cores), else nothing."""
    try:
        load = os.getloadavg()[0]
    except OSError:
        return ""
    if load <= cores / 2:
        return ""
    return (
        f"the load average is {load:.1f} on {cores} cores: other programs are running, so"
        "\n              the figures will be noisy (trust the fastest runs, or run again later)"
    )


def print_machine():
    versions = []
    packages = ["Flask", "Werkzeug", "SQLAlchemy", "Flask-SQLAlchemy", "PyJWT", "gunicorn"]
    packages += ["Flask-JWT-Extended", "Flask-Login"]  # bench/requirements.txt
    for package in packages:
        try:
            versions.append(f"{package} {importlib.metadata.version(package)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{package} -")
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    print("Benchmarks of the course's stages (bench/run.py)")
    print(f"  date        {time.strftime('%Y-%m-%d %H:%M:%S %Z')}")
    print(f"  CPU         {cpu_model()}")
    print(f"  cores       {os.cpu_count()} logical, {usable} usable by this process")
    print(f"  memory      {memory_total()}")
    print(f"  Python      {platform.python_implementation()} {platform.python_version()}")
    print(f"  OS          {platform.platform()}")
    print(f"  packages    {', '.join(versions)}")
    print(f"  temp files  {tempfile.gettempdir()} ({filesystem_of(tempfile.gettempdir())})")
    print(f"  load avg    {load_average()} (1, 5, 15 min) at start")
    busy = busy_warning(usable)
    if busy:
        print(f"  WARNING     {busy}")
    print("  Times: median of the runs, the fastest run, and the spread (half the")
    print("  interquartile range over the median). On a busy machine trust the fastest run.")
