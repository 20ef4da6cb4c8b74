// pool_benchmark.cpp: tiny tasks through the course's thread and process pools, the thread
// pool with batched workers, std::async, a thread per task, BS::thread_pool (when its header
// was found at configure time) and Python's concurrent.futures executors (when python3 is
// on PATH), all in one run; medians of repeated runs, tasks per second and ratios.
//
// Build and run from the repository root:
//     cmake --build --preset dev --target pool_benchmark && build/dev/bench/pool_benchmark
// Options: --quick (a tenth of the tasks), --repeat N (rounds, 7 by default), --no-python.
//
// The figures depend on the machine and on what else runs on it, so this program is
// never a test: it prints its verdicts and always exits 0 (unless a pool computes a
// wrong answer, which no load excuses).
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <future>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "batched_thread_pool.hpp"
#include "process_pool.hpp"
#include "thread_pool.hpp"

// BS::thread_pool (Barak Shoshany's header-only pool), as an outside reference, only where
// the reader has installed it: CMake looks for BS_thread_pool.hpp and defines this.
#ifdef COURSE_BENCH_HAVE_BS_THREAD_POOL
#include <BS_thread_pool.hpp>
#endif

#ifndef COURSE_BENCH_PYTHON_SCRIPT
#define COURSE_BENCH_PYTHON_SCRIPT "bench/python/executor_rates.py"
#endif
#ifndef COURSE_BENCH_BUILD_TYPE
#define COURSE_BENCH_BUILD_TYPE "unknown"
#endif
#ifndef COURSE_BENCH_SANITIZER
#define COURSE_BENCH_SANITIZER ""
#endif

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;

// The task of chapter 06's example 08: a few dozen nanoseconds of work that the compiler
// cannot fold away. Anything slower would measure the work; we want the machinery.
std::uint64_t tiny_task(std::uint64_t x) {
    for (int round = 0; round < 16; ++round) {
        x ^= x >> 31;
        x *= 0x9E3779B97F4A7C15ULL;
    }
    return x;
}

// The sum of tiny_task(0..n-1): every workload must reproduce it, so a pool that drops or
// repeats a task cannot look fast.
std::uint64_t expected_sum(std::size_t n) {
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < n; ++i) sum += tiny_task(i);
    return sum;
}

[[noreturn]] void wrong_answer(const std::string& workload) {
    std::fprintf(stderr, "pool_benchmark: %s computed a wrong result\n", workload.c_str());
    std::exit(1);
}

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

struct Options {
    bool quick = false;
    int repeat = 7;
    bool python = true;
};

// One line of the table: its samples, one per round, and what it is compared with.
struct Row {
    std::string name;
    std::size_t tasks = 0;
    std::vector<double> seconds;
    std::string reference;  // the name of the row it is compared with, or empty

    double median() const {
        std::vector<double> sorted = seconds;
        std::sort(sorted.begin(), sorted.end());
        const std::size_t n = sorted.size();
        return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
    double rate() const { return static_cast<double>(tasks) / median(); }
};

// ---- The thread workloads ------------------------------------------------------------

// The end of every workload that returns futures of numbers: read them all, stop the
// clock, then check the answer (outside the measured time).
double collect(std::vector<std::future<std::uint64_t>>& futures, Clock::time_point start, std::size_t tasks,
               const std::string& workload) {
    std::uint64_t sum = 0;
    for (auto& future : futures) sum += future.get();
    const double seconds = seconds_since(start);
    if (sum != expected_sum(tasks)) wrong_answer(workload);
    return seconds;
}

// What Python's submit() + result() does: one future per task, all submitted, then all read.
double pool_future_per_task(course::ThreadPool& pool, std::size_t tasks) {
    std::vector<std::future<std::uint64_t>> futures;
    futures.reserve(tasks);
    const auto start = Clock::now();
    for (std::size_t i = 0; i < tasks; ++i) futures.push_back(pool.submit(tiny_task, std::uint64_t{i}));
    return collect(futures, start, tasks, "ThreadPool, future per task");
}

// The same workload through the pool whose workers take a fair share of the queue per trip
// (bench/batched_thread_pool.hpp): what batching inside the pool buys, at the price of
// ThreadPoolExecutor's semantics (chapter 06, example 11).
double batched_workers_future_per_task(course_bench::BatchedThreadPool& pool, std::size_t tasks) {
    std::vector<std::future<std::uint64_t>> futures;
    futures.reserve(tasks);
    const auto start = Clock::now();
    for (std::size_t i = 0; i < tasks; ++i) futures.push_back(pool.submit(tiny_task, std::uint64_t{i}));
    return collect(futures, start, tasks, "batched workers, future per task");
}

#ifdef COURSE_BENCH_HAVE_BS_THREAD_POOL
// BS::thread_pool's submit: submit_task(callable) since its version 4, submit(callable) before.
template <class Pool, class F>
auto bs_submit(Pool& pool, F&& task) {
    if constexpr (requires { pool.submit_task(task); }) {
        return pool.submit_task(std::forward<F>(task));
    } else {
        return pool.submit(std::forward<F>(task));
    }
}

// The same workload through BS::thread_pool: a future per task, all submitted, then read.
template <class Pool>
double bs_future_per_task(Pool& pool, std::size_t tasks) {
    std::vector<std::future<std::uint64_t>> futures;
    futures.reserve(tasks);
    const auto start = Clock::now();
    for (std::size_t i = 0; i < tasks; ++i) futures.push_back(bs_submit(pool, [i] { return tiny_task(i); }));
    return collect(futures, start, tasks, "BS::thread_pool, future per task");
}
#endif

// The same tasks, 1000 to a submit() (Python's map(..., chunksize=1000)): one future per
// batch, so the queue and the future are paid once per thousand tasks.
double pool_batches(course::ThreadPool& pool, std::size_t tasks) {
    constexpr std::size_t batch = 1000;
    std::vector<std::future<std::uint64_t>> futures;
    futures.reserve(tasks / batch + 1);
    const auto start = Clock::now();
    for (std::size_t first = 0; first < tasks; first += batch) {
        const std::size_t last = std::min(tasks, first + batch);
        futures.push_back(pool.submit([first, last] {
            std::uint64_t sum = 0;
            for (std::size_t i = first; i < last; ++i) sum += tiny_task(i);
            return sum;
        }));
    }
    return collect(futures, start, tasks, "ThreadPool, batches");
}

// No pool: std::async(launch::async) starts a thread for every call.
double async_per_task(std::size_t tasks) {
    std::vector<std::future<std::uint64_t>> futures;
    futures.reserve(tasks);
    const auto start = Clock::now();
    for (std::size_t i = 0; i < tasks; ++i) futures.push_back(std::async(std::launch::async, tiny_task, i));
    return collect(futures, start, tasks, "std::async per task");
}

// No pool and no future: a std::thread per task, each writing its own slot, then joined.
double thread_per_task(std::size_t tasks) {
    std::vector<std::uint64_t> results(tasks);
    std::vector<std::thread> threads;
    threads.reserve(tasks);
    const auto start = Clock::now();
    for (std::size_t i = 0; i < tasks; ++i) threads.emplace_back([&results, i] { results[i] = tiny_task(i); });
    for (auto& thread : threads) thread.join();
    const double seconds = seconds_since(start);
    std::uint64_t sum = 0;
    for (std::uint64_t value : results) sum += value;
    if (sum != expected_sum(tasks)) wrong_answer("std::thread per task");
    return seconds;
}

// ---- The process workloads -----------------------------------------------------------

// What a worker process runs: the payload is a number in decimal, the reply tiny_task of it.
std::uint64_t parse(std::string_view text) {
    std::uint64_t x = 0;
    std::from_chars(text.data(), text.data() + text.size(), x);
    return x;
}

std::string tiny_task_as_text(std::string_view payload) { return std::to_string(tiny_task(parse(payload))); }

// One task in flight: submit, wait for the reply, submit the next. Every task pays the
// whole round trip: two pipe writes, two wake-ups of sleeping processes, two reads.
double process_one_in_flight(course::ProcessPool& pool, std::size_t tasks) {
    std::uint64_t sum = 0;
    const auto start = Clock::now();
    for (std::size_t i = 0; i < tasks; ++i) sum += parse(pool.submit(std::to_string(i)).get());
    const double seconds = seconds_since(start);
    if (sum != expected_sum(tasks)) wrong_answer("ProcessPool, one in flight");
    return seconds;
}

// Pipelined: submit them all, then read them all. Requests queue up in the pipes, so a
// worker finds the next one waiting instead of sleeping between tasks.
double process_pipelined(course::ProcessPool& pool, std::size_t tasks) {
    std::vector<std::future<std::string>> futures;
    futures.reserve(tasks);
    const auto start = Clock::now();
    for (std::size_t i = 0; i < tasks; ++i) futures.push_back(pool.submit(std::to_string(i)));
    std::uint64_t sum = 0;
    for (auto& future : futures) sum += parse(future.get());
    const double seconds = seconds_since(start);
    if (sum != expected_sum(tasks)) wrong_answer("ProcessPool, pipelined");
    return seconds;
}

// ---- Python --------------------------------------------------------------------------

bool on_path(const std::string& program) {
    const char* path = std::getenv("PATH");
    std::istringstream dirs(path ? path : "");
    for (std::string dir; std::getline(dirs, dir, ':');) {
        const std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
        if (::access(candidate.c_str(), X_OK) == 0) return true;
    }
    return false;
}

// Runs the script once and returns its "key value..." lines. We start it with
// posix_spawnp, not fork: by now this process has threads (the process pool's), and
// posix_spawn is safe to call from a threaded program.
std::optional<std::map<std::string, std::string>> run_python(std::size_t thread_tasks,
                                                             std::size_t process_tasks, unsigned workers) {
    int out[2];
    if (::pipe(out) != 0) return std::nullopt;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    posix_spawn_file_actions_addclose(&actions, out[1]);
    std::vector<std::string> args{"python3",
                                  COURSE_BENCH_PYTHON_SCRIPT,
                                  "--thread-tasks",
                                  std::to_string(thread_tasks),
                                  "--process-tasks",
                                  std::to_string(process_tasks),
                                  "--workers",
                                  std::to_string(workers)};
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    const int failed = posix_spawnp(&pid, "python3", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    std::string text;
    char buffer[4096];
    for (ssize_t n; !failed && (n = ::read(out[0], buffer, sizeof buffer)) != 0;) {
        if (n > 0) text.append(buffer, static_cast<std::size_t>(n));
        else if (errno != EINTR) break;
    }
    ::close(out[0]);
    int status = 0;
    if (failed || ::waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return std::nullopt;
    std::map<std::string, std::string> values;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        const auto space = line.find(' ');
        if (space != std::string::npos) values[line.substr(0, space)] = line.substr(space + 1);
    }
    return values;
}

// "20000 0.291534" -> 0.291534, checking the task count is the one we asked for.
std::optional<double> python_seconds(const std::map<std::string, std::string>& values, const std::string& key,
                                     std::size_t tasks) {
    const auto found = values.find(key);
    if (found == values.end()) return std::nullopt;
    std::istringstream fields(found->second);
    std::size_t count = 0;
    double seconds = 0;
    if (!(fields >> count >> seconds) || count != tasks || seconds <= 0) return std::nullopt;
    return seconds;
}

// ---- Output --------------------------------------------------------------------------

std::string compiler() {
#if defined(__clang__)
    return "clang " __clang_version__;
#elif defined(__GNUC__)
    return "GCC " __VERSION__;
#else
    return "unknown compiler";
#endif
}

const Row* find(const std::vector<Row>& rows, const std::string& name) {
    for (const Row& row : rows)
        if (row.name == name && !row.seconds.empty()) return &row;
    return nullptr;
}

void print_table(const std::vector<Row>& rows) {
    std::printf("| %-48s | %7s | %9s | %15s | %10s | %-38s |\n", "workload", "tasks", "median ms", "min..max ms",
                "tasks/s", "ratio vs the reference");
    std::printf("|%s|%s|%s|%s|%s|%s|\n", std::string(50, '-').c_str(), std::string(9, '-').c_str(),
                std::string(11, '-').c_str(), std::string(17, '-').c_str(), std::string(12, '-').c_str(),
                std::string(40, '-').c_str());
    for (const Row& row : rows) {
        if (row.seconds.empty()) continue;
        const auto [low, high] = std::minmax_element(row.seconds.begin(), row.seconds.end());
        char spread[64];
        std::snprintf(spread, sizeof spread, "%.2f..%.2f", *low * 1e3, *high * 1e3);
        std::string ratio = row.reference.empty() ? "(reference)" : "- (no reference figure)";
        if (const Row* reference = find(rows, row.reference)) {
            char text[96];
            std::snprintf(text, sizeof text, "%.1f x %s", row.rate() / reference->rate(), reference->name.c_str());
            ratio = text;
        }
        std::printf("| %-48s | %7zu | %9.2f | %15s | %10.0f | %-38s |\n", row.name.c_str(), row.tasks,
                    row.median() * 1e3, spread, row.rate(), ratio.c_str());
    }
}

// The 1-minute load average: how many threads wanted a core, on average, besides ours.
// Above the core count, every figure here is slowed by other programs.
double load_average() {
    double load[1] = {-1};
    return ::getloadavg(load, 1) == 1 ? load[0] : -1;
}

// A target line ends in PASS or MISS; neither changes the exit status.
const char* verdict(double value, double target) { return value >= target ? "PASS" : "MISS"; }

}  // namespace

int main(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--quick") {
            options.quick = true;
        } else if (arg == "--no-python") {
            options.python = false;
        } else if (arg == "--repeat" && i + 1 < argc && std::atoi(argv[i + 1]) > 0) {
            options.repeat = std::atoi(argv[++i]);
        } else {
            std::printf("usage: %s [--quick] [--repeat N] [--no-python]\n", argv[0]);
            return arg == "--help" || arg == "-h" ? 0 : 2;
        }
    }
    const std::size_t scale = options.quick ? 10 : 1;
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());

    // Task counts: enough for each run to last tens of milliseconds on a 2-vCPU machine,
    // so that the clock's resolution and one unlucky time slice do not decide the figure.
    std::vector<Row> rows{
        {"course ThreadPool, future per task", 200'000 / scale, {}, "Python ThreadPoolExecutor"},
        {"batched workers (fair share), future per task", 200'000 / scale, {}, "Python ThreadPoolExecutor"},
        {"BS::thread_pool, future per task", 200'000 / scale, {}, "Python ThreadPoolExecutor"},
        {"course ThreadPool, batches of 1000 (future each)", 2'000'000 / scale, {}, "Python ThreadPoolExecutor"},
        {"std::async(launch::async) per task", 2'000 / scale, {}, "Python ThreadPoolExecutor"},
        {"std::thread per task", 2'000 / scale, {}, "Python ThreadPoolExecutor"},
        {"Python ThreadPoolExecutor", 20'000 / scale, {}, ""},
        {"course ProcessPool, one task in flight", 5'000 / scale, {}, "Python ProcessPoolExecutor"},
        {"course ProcessPool, pipelined", 100'000 / scale, {}, "Python ProcessPoolExecutor"},
        {"Python ProcessPoolExecutor", 5'000 / scale, {}, ""},
    };
    auto row = [&rows](const char* name) -> Row& {
        for (Row& r : rows)
            if (r.name == name) return r;
        std::abort();
    };

    std::printf("pool_benchmark: tiny tasks through the course's pools, std::async, a thread per task,"
                " BS::thread_pool and Python's executors\n");
    std::printf("cores (hardware_concurrency): %u; compiler: %s; build type: %s, this program -O2%s%s\n", cores,
                compiler().c_str(), COURSE_BENCH_BUILD_TYPE, *COURSE_BENCH_SANITIZER ? "; sanitizer: " : "",
                COURSE_BENCH_SANITIZER);

    const double load_before = load_average();
    std::string python_note = "python3 not found on PATH, skipped";
    bool python = options.python && on_path("python3") && ::access(COURSE_BENCH_PYTHON_SCRIPT, R_OK) == 0;
    if (!options.python) python_note = "skipped: --no-python";
    else if (on_path("python3") && !python) python_note = "script " COURSE_BENCH_PYTHON_SCRIPT " not found, skipped";

    // The process pool first, while this program has a single thread: its workers are
    // forked, and a child forked from a threaded process may inherit a lock held by a
    // thread that does not exist in the child (chapter 01).
    // And with stdout flushed: a child gets a copy of our unwritten output and prints the
    // banner a second time if anything in it flushes (we saw it under ThreadSanitizer).
    std::fflush(stdout);
    course::ProcessPool processes(cores, tiny_task_as_text);
    course::ThreadPool threads;  // its default size: one worker per core
    course_bench::BatchedThreadPool batched(cores);
    std::printf("ThreadPool workers: %zu (batched: %zu); ProcessPool workers: %u; %d rounds, median and spread of them\n",
                threads.size(), batched.size(), cores, options.repeat);
#ifdef COURSE_BENCH_HAVE_BS_THREAD_POOL
    BS::thread_pool outside(cores);
    std::printf("BS::thread_pool: %s, %zu workers\n", COURSE_BENCH_BS_THREAD_POOL_HEADER,
                static_cast<std::size_t>(outside.get_thread_count()));
#else
    std::printf("BS::thread_pool: BS_thread_pool.hpp was not found at configure time, skipped (bench/README.md)\n");
#endif

    // A warm-up round, not counted: first touches of memory, threads and processes that
    // have not run yet, the allocator growing its arenas.
    pool_future_per_task(threads, row("course ThreadPool, future per task").tasks / 10);
    batched_workers_future_per_task(batched, row("course ThreadPool, future per task").tasks / 10);
#ifdef COURSE_BENCH_HAVE_BS_THREAD_POOL
    bs_future_per_task(outside, row("course ThreadPool, future per task").tasks / 10);
#endif
    process_pipelined(processes, 1000);

    // Progress goes to a terminal only, and to stderr: the output stays a clean report.
    const bool progress = ::isatty(STDERR_FILENO) != 0;
    // Rounds: each round runs every workload once. On a shared machine the load changes
    // from second to second; interleaving spreads it over all workloads alike, so that
    // the ratios compare figures taken under the same conditions.
    for (int round = 0; round < options.repeat; ++round) {
        if (progress) std::fprintf(stderr, "\rround %d of %d...", round + 1, options.repeat);
        Row* r = &row("course ThreadPool, future per task");
        r->seconds.push_back(pool_future_per_task(threads, r->tasks));
        r = &row("batched workers (fair share), future per task");
        r->seconds.push_back(batched_workers_future_per_task(batched, r->tasks));
#ifdef COURSE_BENCH_HAVE_BS_THREAD_POOL
        r = &row("BS::thread_pool, future per task");
        r->seconds.push_back(bs_future_per_task(outside, r->tasks));
#endif
        r = &row("course ThreadPool, batches of 1000 (future each)");
        r->seconds.push_back(pool_batches(threads, r->tasks));
        r = &row("std::async(launch::async) per task");
        r->seconds.push_back(async_per_task(r->tasks));
        r = &row("std::thread per task");
        r->seconds.push_back(thread_per_task(r->tasks));
        r = &row("course ProcessPool, one task in flight");
        r->seconds.push_back(process_one_in_flight(processes, r->tasks));
        r = &row("course ProcessPool, pipelined");
        r->seconds.push_back(process_pipelined(processes, r->tasks));
        if (python) {
            Row& py_threads = row("Python ThreadPoolExecutor");
            Row& py_processes = row("Python ProcessPoolExecutor");
            const auto values = run_python(py_threads.tasks, py_processes.tasks, cores);
            std::optional<double> t, p;
            if (values) {
                t = python_seconds(*values, "thread_pool", py_threads.tasks);
                p = python_seconds(*values, "process_pool", py_processes.tasks);
            }
            if (!t || !p) {  // no figures from Python: carry on without it
                python = false;
                python_note = "python3 found, but " COURSE_BENCH_PYTHON_SCRIPT " failed: skipped";
                py_threads.seconds.clear();
                py_processes.seconds.clear();
                continue;
            }
            py_threads.seconds.push_back(*t);
            py_processes.seconds.push_back(*p);
            if (values->count("python")) python_note = "Python " + values->at("python");
            if (values->count("start_method")) python_note += ", start method " + values->at("start_method");
        }
    }
    if (progress) std::fprintf(stderr, "\r%30s\r", "");
    threads.shutdown();
    processes.shutdown();

    std::printf("Python: %s\n", python_note.c_str());
    std::printf("load average (1 minute): %.2f before, %.2f after, on %u cores%s\n\n", load_before, load_average(),
                cores, load_before > cores ? ": a busy machine, so lower figures than when idle" : "");
    print_table(rows);
    std::printf("\n");

    const double pool_rate = row("course ThreadPool, future per task").rate();
    std::printf("course ThreadPool: %.2f M tasks/s with futures (target >= 1.6 M): %s\n", pool_rate / 1e6,
                verdict(pool_rate, 1.6e6));
    std::printf("batched workers vs one task per trip, same run: %.2f x\n",
                row("batched workers (fair share), future per task").rate() / pool_rate);
    if (const Row* bs = find(rows, "BS::thread_pool, future per task")) {
        std::printf("course ThreadPool vs BS::thread_pool, same run: %.2f x\n", pool_rate / bs->rate());
    } else {
        std::printf("course ThreadPool vs BS::thread_pool: no BS::thread_pool figure (header not found)\n");
    }
    if (const Row* py = find(rows, "Python ThreadPoolExecutor")) {
        const double ratio = pool_rate / py->rate();
        std::printf("ratio to Python ThreadPoolExecutor: %.1f x (target >= 20 x): %s\n", ratio, verdict(ratio, 20));
    } else {
        std::printf("ratio to Python ThreadPoolExecutor: no Python figure (%s)\n", python_note.c_str());
    }
    if (const Row* py = find(rows, "Python ProcessPoolExecutor")) {
        const double ratio = row("course ProcessPool, pipelined").rate() / py->rate();
        std::printf("pipelined ProcessPool vs Python ProcessPoolExecutor: %.1f x (target >= 50 x): %s\n", ratio,
                    verdict(ratio, 50));
    } else {
        std::printf("pipelined ProcessPool vs Python ProcessPoolExecutor: no Python figure (%s)\n",
                    python_note.c_str());
    }
    std::printf("(figures vary with the machine and its load; PASS and MISS never change the exit status)\n");
    return 0;
}
