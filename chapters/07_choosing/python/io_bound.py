"""I/O-bound work in Python: download 10 pages from a loopback HTTP server.

Written for chapter 07 of the course, to set beside 03_io_bound_downloads.cpp.
Standard library only; runs in about two seconds:

    python3 chapters/07_choosing/python/io_bound.py

The server runs in its own process on 127.0.0.1 (a free port the kernel picks) and
sleeps 100 ms before each answer: the sleep simulates the network. CPython's threads
release the GIL while they wait on a socket, so they overlap their waits as well as
C++ threads do.
"""
import concurrent.futures
import http.server
import multiprocessing
import os
import threading
import time
import urllib.request

PAGES = 10
LATENCY = 0.100  # seconds of simulated network latency per page


class SlowHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        time.sleep(LATENCY)  # simulated network latency, not synchronisation
        body = (f"this is {self.path}\n" * 125).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # keep the table readable
        pass


class Server(http.server.ThreadingHTTPServer):
    # One thread per connection, like the C++ server. The default listen() backlog is
    # 5: ten clients connecting at once would overflow it, and the kernel would make
    # the late ones retry their connection a whole second later.
    request_queue_size = 64


def serve(port_pipe):
    server = Server(("127.0.0.1", 0), SlowHandler)
    port_pipe.send(server.server_address[1])
    server.serve_forever()


def download(port, page):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/page/{page}", timeout=10) as reply:
        return len(reply.read())


def sequential(port):
    return sum(download(port, page) for page in range(PAGES))


def thread_per_page(port):
    sizes = [0] * PAGES

    def fetch(page):
        sizes[page] = download(port, page)

    threads = [threading.Thread(target=fetch, args=(page,)) for page in range(PAGES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(sizes)


def pool(executor_class, port, workers):
    with executor_class(max_workers=workers) as executor:
        return sum(executor.map(download, [port] * PAGES, range(PAGES)))


def main():
    cores = os.cpu_count() or 1
    # The server process first, while this process has no other thread (fork rule).
    parent_end, child_end = multiprocessing.Pipe()
    server = multiprocessing.Process(target=serve, args=(child_end,), daemon=True)
    server.start()
    port = parent_end.recv()
    default_threads = min(32, cores + 4)  # ThreadPoolExecutor()'s default max_workers
    print(f"{PAGES} pages from http://127.0.0.1:{port}/, {LATENCY * 1000:.0f} ms of simulated "
          f"latency each; cores: {cores}; one run each\n")
    rows = [
        ("sequential", lambda: sequential(port)),
        ("threading.Thread per page", lambda: thread_per_page(port)),
        (f"ThreadPoolExecutor({default_threads}) (default)",
         lambda: pool(concurrent.futures.ThreadPoolExecutor, port, default_threads)),
        ("ThreadPoolExecutor(10)", lambda: pool(concurrent.futures.ThreadPoolExecutor, port, 10)),
        ("ProcessPoolExecutor(10)", lambda: pool(concurrent.futures.ProcessPoolExecutor, port, 10)),
        (f"ProcessPoolExecutor({cores}) (default)",
         lambda: pool(concurrent.futures.ProcessPoolExecutor, port, cores)),
    ]
    print(f"{'how':<36}{'ms':>8}{'bytes':>8}")
    for name, function in rows:
        start = time.perf_counter()
        size = function()
        print(f"{name:<36}{(time.perf_counter() - start) * 1000:>8.0f}{size:>8}")
    server.terminate()
    server.join()


if __name__ == "__main__":
    main()
