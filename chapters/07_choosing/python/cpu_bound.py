"""CPU-bound work in Python: sequential, threading, multiprocessing and concurrent.futures.

Written for chapter 07 of the course, to set beside 01_cpu_bound.cpp and
02_start_and_feed_costs.cpp. Standard library only; runs in a few seconds:

    python3 chapters/07_choosing/python/cpu_bound.py [limit]

In CPython the threads take turns holding the GIL, so they do not speed up pure
Python computation; processes do, after paying to start and to be fed.
"""
import concurrent.futures
import multiprocessing
import os
import statistics
import sys
import threading
import time

CHUNK = 5_000


def count_primes(limit, worker=0, workers=1):
    """Primes below limit, in chunks dealt round-robin (worker w of k takes w, w+k...)."""
    count = 0
    for start in range(worker * CHUNK, limit, workers * CHUNK):
        for n in range(max(start, 2), min(start + CHUNK, limit)):
            if n == 2 or n % 2:
                d = 3
                while d * d <= n and n % d:
                    d += 2
                count += d * d > n
    return count


def with_threads(limit, workers):
    results = [0] * workers

    def work(w):
        results[w] = count_primes(limit, w, workers)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(results)


def _process_part(limit, w, workers, queue):
    queue.put(count_primes(limit, w, workers))


def with_processes(limit, workers):
    queue = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=_process_part, args=(limit, w, workers, queue))
             for w in range(workers)]
    for p in procs:
        p.start()
    total = sum(queue.get() for _ in procs)
    for p in procs:
        p.join()
    return total


def with_pool(executor_class, limit, workers):
    with executor_class(max_workers=workers) as pool:
        parts = pool.map(count_primes, [limit] * workers, range(workers), [workers] * workers)
        return sum(parts)


def median_ms(function, runs=3):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def start_cost_us(start_and_join, count):
    start = time.perf_counter()
    for _ in range(count):
        start_and_join()
    return (time.perf_counter() - start) / count * 1e6


def _nothing():
    pass


def main():
    limit = int(sys.argv[1]) if len(sys.argv) > 1 else 250_000
    cores = os.cpu_count() or 1
    print(f"Python {sys.version.split()[0]}; count the primes below {limit}; "
          f"cores: {cores}; median of 3 runs\n")
    rows = [
        ("sequential", 1, lambda: count_primes(limit)),
        ("threading.Thread", cores, lambda: with_threads(limit, cores)),
        ("multiprocessing.Process", cores, lambda: with_processes(limit, cores)),
        ("ThreadPoolExecutor", cores,
         lambda: with_pool(concurrent.futures.ThreadPoolExecutor, limit, cores)),
        ("ProcessPoolExecutor", cores,
         lambda: with_pool(concurrent.futures.ProcessPoolExecutor, limit, cores)),
    ]
    print(f"{'how':<26}{'workers':>8}{'median ms':>11}{'speedup':>9}{'primes':>8}")
    base = None
    for name, workers, function in rows:
        ms, primes = median_ms(function)
        base = base or ms
        print(f"{name:<26}{workers:>8}{ms:>11.1f}{base / ms:>8.2f}x{primes:>8}")

    print("\nstart one worker that does nothing, and join it:")
    print(f"  threading.Thread                     {start_cost_us(lambda: _start_join(threading.Thread), 200):9.0f} us")
    fork = multiprocessing.get_context("fork")
    print(f"  multiprocessing, 'fork' start method {start_cost_us(lambda: _start_join(fork.Process), 20):9.0f} us")
    spawn = multiprocessing.get_context("spawn")
    print(f"  multiprocessing, 'spawn' start method{start_cost_us(lambda: _start_join(spawn.Process), 3):9.0f} us"
          "  (a fresh interpreter)")


def _start_join(kind):
    worker = kind(target=_nothing)
    worker.start()
    worker.join()


if __name__ == "__main__":
    main()
