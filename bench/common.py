"""What every section shares: the stages, the bench's constants, timing and tables."""

import re
import secrets
import statistics
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the repository; run.py puts it on sys.path

STAGES = sorted(
    path.name
    for path in ROOT.iterdir()
    if re.fullmatch(r"\d\d_\w+", path.name) and (path / "__init__.py").is_file()
)
AUTH_STAGES = [name for name in STAGES if name >= "03"]
PASSWORD = "correct horse battery"  # noqa: S105 (a throwaway user's)
CHEAP_HASH_METHOD = "scrypt:1024:8:1"  # the benchmarks' cost: login and set-up stay cheap
REAL_HASH_METHOD = "scrypt:32768:8:3"  # what every stage uses by default
WERKZEUG_DEFAULT_METHOD = "scrypt:32768:8:1"
SECRET_KEY = "bench-" + secrets.token_urlsafe(32)  # 32 random bytes, like the stages' own


# --- Measuring and printing -------------------------------------------------------------


def fmt_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def spread(samples: list[float]) -> str:
    """Half the interquartile range, as a share of the median: how much the runs agree."""
    if len(samples) < 3:
        return "-"
    q1, _, q3 = statistics.quantiles(samples, n=4)
    return f"±{(q3 - q1) / 2 / statistics.median(samples) * 100:.0f}%"


def summary(samples: list[float]) -> list[str]:
    return [fmt_time(statistics.median(samples)), fmt_time(min(samples)), spread(samples)]


def table(headers: list[str], rows: list[list], left: int = 1, indent: str = "  "):
    """Print ROWS under HEADERS: the first LEFT columns (text) aligned left, the other
    columns (figures) right."""
    rows = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells):
        parts = [
            cell.ljust(width) if i < left else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return indent + "  ".join(parts).rstrip()

    print(line(headers))
    print(indent + "  ".join("-" * w for w in widths))
    for row in rows:
        print(line(row))


def heading(number: int, title: str):
    print(f"\n{number}. {title}\n")


def calibrate(function, target: float) -> int:
    """How many calls take about TARGET seconds."""
    number = 1
    while True:
        elapsed = timeit.timeit(function, number=number)
        if elapsed >= target / 4 or number >= 1_000_000:
            return max(1, int(number * target / max(elapsed, 1e-9)))
        number *= 4


def compare(candidates: dict, rounds: int = 7, target: float = 0.08) -> dict[str, list[float]]:
    """Seconds per call of each candidate, ROUNDS samples each. The rounds interleave the
    candidates, so that a burst of load on a shared machine hits all of them alike."""
    numbers = {name: calibrate(function, target) for name, function in candidates.items()}
    samples = {name: [] for name in candidates}
    for _ in range(rounds):
        for name, function in candidates.items():
            samples[name].append(timeit.timeit(function, number=numbers[name]) / numbers[name])
    return samples
