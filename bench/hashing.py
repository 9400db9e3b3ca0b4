"""4. Password hashing: what one login's check_password_hash costs, in time and memory."""

import statistics
import subprocess
import sys
import time

from werkzeug.security import check_password_hash, generate_password_hash

from bench.common import (
    CHEAP_HASH_METHOD,
    PASSWORD,
    REAL_HASH_METHOD,
    WERKZEUG_DEFAULT_METHOD,
    heading,
    summary,
    table,
)


def scrypt_parameters(method: str) -> tuple[int, int, int]:
    _, n, r, p = method.split(":")
    return int(n), int(r), int(p)


def measured_peak_memory(method: str) -> int:
    """The growth of peak RSS of a fresh process that computes one such hash, in bytes."""
    n, r, p = scrypt_parameters(method)
    # VmHWM is this process's own peak (ru_maxrss would start at the parent's, on Linux).
    code = (
        "import hashlib, re\n"
        "def peak():\n"
        "    status = open('/proc/self/status').read()\n"
        "    return int(re.search(r'VmHWM:\\s+(\\d+) kB', status).group(1)) * 1024\n"
        "before = peak()\n"
        f"hashlib.scrypt(b'password', salt=b'saltsaltsaltsalt', n={n}, r={r}, p={p},"
        f" maxmem={132 * n * r * p})\n"
        "print(peak() - before)\n"
    )
    result = subprocess.run(  # noqa: S603 (our own command line)
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    return int(result.stdout) if result.returncode == 0 else -1


def bench_hashing(runs: int):
    heading(4, "Password hashing: the cost of one login (one check_password_hash)")
    methods = [
        (REAL_HASH_METHOD, "every stage's default (OWASP minimum)"),
        (WERKZEUG_DEFAULT_METHOD, "Werkzeug's default"),
        (CHEAP_HASH_METHOD, "these benchmarks' setting"),
    ]
    rows = []
    reference = None
    for method, meaning in methods:
        stored = generate_password_hash(PASSWORD, method=method)
        if not check_password_hash(stored, PASSWORD):
            raise RuntimeError(f"{method}: the hash does not check")
        count = runs if scrypt_parameters(method)[0] > 4096 else runs * 10
        samples = []
        for _ in range(count):
            start = time.perf_counter()
            check_password_hash(stored, PASSWORD)
            samples.append(time.perf_counter() - start)
        n, r, p = scrypt_parameters(method)
        median = statistics.median(samples)
        reference = reference or median
        peak = measured_peak_memory(method)
        rows.append(
            [
                method,
                meaning,
                *summary(samples),
                f"{median / reference:.2f}",
                f"{1 / median:,.1f}",
                f"{n * r * 128 / 2**20:g} MiB",
                f"{peak / 2**20:.1f} MiB" if peak >= 0 else "?",
            ]
        )
    table(
        [
            "method",
            "what",
            "median",
            "fastest",
            "spread",
            "vs 8:3",
            "logins/s/core",
            "n*r*128",
            "peak RSS +",
        ],
        rows,
        left=2,
    )
    print("\n  p (the last number) repeats the work p times, one lane after the other, in the")
    print("  same n*r*128 bytes of memory: time grows with p, memory does not. A failed login")
    print("  (unknown user) costs the same: the stages check a dummy hash. 'peak RSS +' is the")
    print("  measured growth of a fresh process that computes one hash.")
