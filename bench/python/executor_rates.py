"""How many tiny tasks per second Python's concurrent.futures executors take.

Written for the course's pool benchmark (bench/pool_benchmark.cpp), which runs this
script once per round and reads its output; it also runs alone, standard library only:

    python3 bench/python/executor_rates.py [--thread-tasks N] [--process-tasks N] [--workers N]

The work is the benchmark's tiny_task, written in pure Python: sixteen rounds of
xor-shift and multiply on a 64-bit integer, the same arithmetic as the C++ version.
We time what a caller pays for each task: submit() returns a Future, and we wait for
every result. Starting the executors (threads, worker processes) is not timed; each pool
runs a few tasks first so that its workers exist before the clock starts.

Output: one line per figure, "key value", for a program to read, for example
    python 3.11.7
    thread_pool 20000 0.291534
    process_pool 5000 0.452210
meaning: tasks, then seconds for all of them.
"""
import argparse
import concurrent.futures
import multiprocessing
import os
import platform
import time

MASK = (1 << 64) - 1


def tiny_task(x):
    """The benchmark's tiny task: a few dozen nanoseconds in C++, microseconds here."""
    for _ in range(16):
        x ^= x >> 31
        x = (x * 0x9E3779B97F4A7C15) & MASK
    return x


def submit_all_then_wait(pool, tasks):
    """Seconds to submit `tasks` tiny tasks, one Future each, and read every result."""
    start = time.perf_counter()
    futures = [pool.submit(tiny_task, i) for i in range(tasks)]
    results = [f.result() for f in futures]
    seconds = time.perf_counter() - start
    # A wrong answer would make the figure meaningless: check a few.
    for i in range(0, tasks, max(1, tasks // 7)):
        if results[i] != tiny_task(i):
            raise SystemExit(f"wrong result for task {i}")
    return seconds


def warm_up(pool, workers):
    # Enough tasks that every worker thread or process has been started.
    for f in [pool.submit(tiny_task, i) for i in range(4 * workers)]:
        f.result()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--thread-tasks", type=int, default=20_000)
    parser.add_argument("--process-tasks", type=int, default=5_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    print("python", platform.python_version())
    print("start_method", multiprocessing.get_start_method())
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.workers) as pool:
        warm_up(pool, args.workers)
        print("thread_pool", args.thread_tasks, f"{submit_all_then_wait(pool, args.thread_tasks):.6f}")
    with concurrent.futures.ProcessPoolExecutor(max_workers=args.workers) as pool:
        warm_up(pool, args.workers)
        print("process_pool", args.process_tasks, f"{submit_all_then_wait(pool, args.process_tasks):.6f}")


if __name__ == "__main__":
    main()
