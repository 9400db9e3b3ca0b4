"""Worker processes that start at the same moment, as gunicorn's workers do: the tests of
what must hold when several of them start at once (stage 07's key file, its first
migration). A new process imports the stage, then forks the workers, as gunicorn forks
its workers from one process: none of them pays for importing the stage again (a process
started on its own, as multiprocessing's `spawn` starts it, takes a second of CPU for that).
Not forked from the test's own process: it runs threads (the live server's), and a fork
copies none of them, locks they hold included.

    at_once_in_workers(6, "07_final_todo", start_app, database_url)

runs `start_app(stage, database_url)` in six workers and returns what each returned.
`python workers.py` is that new process: it reads the work, as JSON, on its standard input.
"""

import importlib
import json
import multiprocessing
import subprocess
import sys


def at_once_in_workers(count, stage_name, function, *args):
    """[FUNCTION(stage, *ARGS) in each of COUNT worker processes, all let go at once], in
    the order they finished. FUNCTION is a module's own; ARGS and what it returns, JSON."""
    work = {
        "sys.path": sys.path,  # the test's: where the stage and FUNCTION's module are found
        "count": count,
        "stage": stage_name,
        "module": function.__module__,
        "function": function.__name__,
        "args": args,
    }
    finished = subprocess.run(
        [sys.executable, __file__],
        input=json.dumps(work),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stderr
    return json.loads(finished.stdout.splitlines()[-1])


def main():
    work = json.load(sys.stdin)
    sys.path[:0] = work["sys.path"]
    stage = importlib.import_module(work["stage"])
    function = getattr(importlib.import_module(work["module"]), work["function"])
    context = multiprocessing.get_context("fork")
    start, results = context.Barrier(work["count"]), context.Queue()
    workers = [
        context.Process(target=run, args=(start, results, function, stage, work["args"]))
        for _ in range(work["count"])
    ]
    for worker in workers:
        worker.start()
    returned = [results.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join()
    print(json.dumps(returned))


def run(start, results, function, stage, args):
    start.wait()
    results.put(function(stage, *args))


if __name__ == "__main__":
    main()
