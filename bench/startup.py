"""5. Startup: a fresh process that imports a stage and calls create_app()."""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from bench.common import ROOT, SECRET_KEY, STAGES, fmt_time, heading, spread, table

FRAMEWORK_CODE = """
import json, time
start = time.perf_counter()
import flask, flask_sqlalchemy
print(json.dumps([time.perf_counter() - start, 0.0]))
"""

STARTUP_CODE = """
import json, sys, time
start = time.perf_counter()
import importlib
module = importlib.import_module(sys.argv[1])
imported = time.perf_counter()
app = module.create_app(json.loads(sys.argv[2]))
created = time.perf_counter()
print(json.dumps([imported - start, created - imported]))
"""


def bench_startup(runs: int):
    heading(5, "Startup: a fresh `python -c` process that imports a stage and calls create_app()")
    folder = tempfile.mkdtemp(prefix="bench-start-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    samples = {stage: {"import": [], "create_app": [], "process": []} for stage in STAGES}
    baseline, frameworks = [], []
    try:
        for run in range(runs):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", "pass"], check=True, env=env, cwd=ROOT)  # noqa: S603
            baseline.append(time.perf_counter() - start)
            result = subprocess.run(  # noqa: S603 (our own command line)
                [sys.executable, "-c", FRAMEWORK_CODE],
                capture_output=True, text=True, check=True, env=env, cwd=ROOT,
            )  # fmt: skip
            frameworks.append(json.loads(result.stdout)[0])
            for stage in STAGES:  # round by round, so load bursts hit every stage alike
                run_folder = f"{folder}/{stage}-{run}"
                os.mkdir(run_folder)
                config = {
                    "SECRET_KEY": SECRET_KEY,  # 07/08 would otherwise read instance/secret_key
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{run_folder}/db.sqlite",
                    "TODO_FILE": f"{run_folder}/todos.txt",
                }
                start = time.perf_counter()
                result = subprocess.run(  # noqa: S603 (our own command line)
                    [sys.executable, "-c", STARTUP_CODE, stage, json.dumps(config)],
                    capture_output=True,
                    text=True,
                    env=env,
                    cwd=ROOT,
                    timeout=60,
                )
                elapsed = time.perf_counter() - start
                if result.returncode != 0:
                    raise RuntimeError(f"{stage} did not start:\n{result.stderr}")
                imported, created = json.loads(result.stdout.strip().splitlines()[-1])
                samples[stage]["import"].append(imported)
                samples[stage]["create_app"].append(created)
                samples[stage]["process"].append(elapsed)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"  {runs} runs each, a new empty database every time (create_app creates the tables).")
    print(f"  An empty interpreter (python -c pass): {fmt_time(statistics.median(baseline))};")
    print(f"  `import flask, flask_sqlalchemy` alone: {fmt_time(statistics.median(frameworks))}.\n")
    rows = []
    for stage, values in samples.items():
        rows.append(
            [
                stage,
                fmt_time(statistics.median(values["import"])),
                fmt_time(statistics.median(values["create_app"])),
                fmt_time(min(values["create_app"])),
                spread(values["create_app"]),
                fmt_time(statistics.median(values["process"])),
            ]
        )
    table(["stage", "import", "create_app()", "fastest", "spread", "whole process"], rows)
