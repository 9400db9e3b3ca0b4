"""Benchmarks of the course's stages. Run from the repo root:

    .venv/bin/python bench/run.py             # everything: about two minutes on 2 cores
    .venv/bin/python bench/run.py --only 1,3  # some sections (--help lists them)

It prints tables only; it asserts no timing. Every database is a temporary SQLite file,
every server it starts is stopped before it exits, and the repository's instance/ folder
is never used (it checks). See bench/README.md for what each figure means; each section
is a module of this folder.
"""

import argparse
import os
import signal
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    # bench.* and the stages (loaded by folder name, as tests/conftest.py does)
    sys.path.insert(0, str(ROOT))

from bench import (  # noqa: E402
    auth_cost,
    breakdown,
    hashing,
    jwt_decode,
    peers,
    startup,
    throughput,
)
from bench.machine import load_average, print_machine  # noqa: E402
from bench.servers import RUNNING  # noqa: E402


def instance_snapshot() -> dict:
    folder = ROOT / "instance"
    if not folder.is_dir():
        return {}
    return {p.name: (p.stat().st_mtime_ns, p.stat().st_size) for p in folder.iterdir()}


@contextmanager
def stopped_on_signal():
    """Ctrl-C or SIGTERM: unwind (so every server is stopped and every temp folder goes)."""

    def handler(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        for server in list(RUNNING):
            server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only", default="1,2,3,4,5,6,7", help="sections to run, e.g. 1,3 (default: all)"
    )
    parser.add_argument("--rounds", type=int, default=9, help="timing rounds in 1, 2, 6, 7 (9)")
    parser.add_argument("--connections", type=int, default=8, help="load: connections (8)")
    parser.add_argument("--seconds", type=float, default=3, help="load: seconds a round (3)")
    parser.add_argument("--load-rounds", type=int, default=5, help="load: rounds each (5)")
    parser.add_argument("--workers", type=int, default=2, help="load: gunicorn workers (2)")
    parser.add_argument(
        "--client",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="load generator: wrk if installed (auto), or Python threads",
    )
    parser.add_argument("--hash-runs", type=int, default=5, help="checks per scrypt cost (5)")
    parser.add_argument("--startup-runs", type=int, default=5, help="processes per stage (5)")
    args = parser.parse_args()
    sections = {int(part) for part in args.only.split(",") if part.strip()}

    os.chdir(ROOT)
    before = instance_snapshot()
    started = time.perf_counter()
    print_machine()
    with stopped_on_signal():
        if 1 in sections:
            jwt_decode.bench_jwt(args.rounds)
        if 2 in sections:
            auth_cost.bench_auth(args.rounds)
        if 3 in sections:
            throughput.bench_throughput(
                args.connections, args.seconds, args.load_rounds, args.client, args.workers
            )
        if 4 in sections:
            hashing.bench_hashing(args.hash_runs)
        if 5 in sections:
            startup.bench_startup(args.startup_runs)
        if 6 in sections:
            peers.bench_peers(args.rounds)
        if 7 in sections:
            breakdown.bench_breakdown(args.rounds)
    untouched = instance_snapshot() == before
    print(f"\nDone in {time.perf_counter() - started:.0f} s; load avg {load_average()} at the end.")
    print(
        "instance/ untouched."
        if untouched
        else "instance/ CHANGED during the run (by this run or by another process)."
    )


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:  # every server is stopped and every temp folder gone by now
        print("\nInterrupted.", file=sys.stderr)
        sys.exit(130)
