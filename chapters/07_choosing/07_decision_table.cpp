// 07_decision_table.cpp: the articles' "what should you use?" table, corrected for C++ and filled with this machine's own measurements.
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <csignal>
#include <functional>
#include <string>
#include <thread>
#include <vector>

extern char** environ;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

double ms_of(const std::function<void()>& once, int runs = 1) {  // median wall time
    std::vector<double> ms;
    for (int i = 0; i < runs; ++i) {
        const auto start = Clock::now();
        once();
        ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    }
    std::sort(ms.begin(), ms.end());
    return ms[ms.size() / 2];
}

std::atomic<long> sink{0};  // every result ends here, so no computation is optimised away

long count_primes(long from, long to) {  // CPU-bound work
    long count = 0;
    for (long n = std::max(from, 2L); n < to; ++n) {
        bool prime = true;
        for (long d = 2; d * d <= n && prime; ++d) prime = n % d != 0;
        count += prime;
    }
    sink += count;
    return count;
}

std::string fixed(double value, int decimals) {  // printf's %.Nf, as a std::string
    char text[32];
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
    return text;
}

// Runs part(i) for i in 0..workers-1 on threads or in forked processes; the sum.
long on_threads(unsigned workers, const std::function<long(unsigned)>& part) {
    std::vector<long> results(workers);
    {
        std::vector<std::jthread> threads;
        for (unsigned i = 0; i < workers; ++i) threads.emplace_back([&, i] { results[i] = part(i); });
    }
    long total = 0;
    for (long r : results) total += r;
    return total;
}
long on_processes(unsigned workers, const std::function<long(unsigned)>& part) {
    std::vector<std::pair<pid_t, int>> children;
    std::fflush(stdout);
    for (unsigned i = 0; i < workers; ++i) {  // only main's thread exists here: fork is safe
        int fds[2];
        if (::pipe(fds) != 0) return -1;
        const pid_t pid = ::fork();
        if (pid == 0) {
            const long result = part(i);
            ::_exit(::write(fds[1], &result, sizeof result) == sizeof result ? 0 : 1);
        }
        ::close(fds[1]);
        children.emplace_back(pid, fds[0]);
    }
    long total = 0;
    for (auto [pid, fd] : children) {
        long result = 0;
        if (::read(fd, &result, sizeof result) == sizeof result) total += result;
        ::close(fd);
        ::waitpid(pid, nullptr, 0);
    }
    return total;
}

int main() {
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());

    // Start costs.
    const double thread_us = 1000 * ms_of([] { std::thread([] {}).join(); }, 101);
    const double fork_us = 1000 * ms_of([] { on_processes(1, [](unsigned) { return 0L; }); }, 51);
    const double spawn_us = 1000 * ms_of([] {
        pid_t pid = 0;
        char name[] = "true";
        char* argv[] = {name, nullptr};
        if (::posix_spawnp(&pid, "true", nullptr, nullptr, argv, environ) == 0) ::waitpid(pid, nullptr, 0);
    }, 11);

    // I/O-bound: 8 requests that each wait 30 ms (a sleep standing in for the network).
    const auto request = [](unsigned) { std::this_thread::sleep_for(30ms); return 1L; };
    const double io_sequential = ms_of([&] { for (unsigned i = 0; i < 8; ++i) request(i); });
    const double io_threads = ms_of([&] { on_threads(8, request); });
    // The same 8 waits as timers of one event loop on one thread, as asyncio.gather() of
    // eight asyncio.sleep(0.03) would run them: poll() sleeps until the next one is due.
    const double io_event_loop = ms_of([] {
        std::vector<Clock::time_point> due(8, Clock::now() + 30ms);
        while (!due.empty()) {
            const auto next = *std::min_element(due.begin(), due.end());
            const auto wait = std::chrono::ceil<std::chrono::milliseconds>(next - Clock::now());
            ::poll(nullptr, 0, std::max(0, static_cast<int>(wait.count())));
            std::erase_if(due, [](Clock::time_point t) { return t <= Clock::now(); });
        }
    });

    // CPU-bound: the primes below 600,000, split into interleaved slices.
    const long limit = 600'000;
    const auto slice = [&](unsigned workers) {
        return [limit, workers](unsigned i) {
            long count = 0;
            for (long from = i * 10'000L; from < limit; from += workers * 10'000L) count += count_primes(from, std::min(from + 10'000, limit));
            return count;
        };
    };
    const double cpu_sequential = ms_of([&] { slice(1)(0); }, 3);  // the slices add to `sink`
    const double cpu_threads = ms_of([&] { on_threads(cores, slice(cores)); }, 3);
    const double cpu_processes = ms_of([&] { on_processes(cores, slice(cores)); }, 3);

    // Many tiny tasks: 300 with a thread each, against 300,000 on a pool of `cores`
    // workers that take the next task number from a shared counter.
    const auto tiny = [](long i) { sink += i % 7; };
    const double per_thread_us = 1000 * ms_of([&] {
        std::vector<std::jthread> threads;
        for (long i = 0; i < 300; ++i) threads.emplace_back(tiny, i);
    }) / 300;
    const double pooled_us = 1000 * ms_of([&] {
        std::atomic<long> next{0};
        on_threads(cores, [&](unsigned) {
            for (long i; (i = next++) < 300'000;) tiny(i);
            return 0L;
        });
    }) / 300'000;

    // GUI: the longest gap between two 10 ms frames while a job of some 50-100 ms runs on a worker,
    // against the job run on the UI thread itself (one frame, then nothing until it ends).
    const double frozen_ms = ms_of([&] { count_primes(0, 600'000); });
    double longest_gap = 0;
    {
        std::atomic<bool> done{false};
        std::jthread worker([&] { count_primes(0, 600'000); done = true; });
        for (auto last = Clock::now(); !done;) {
            std::this_thread::sleep_until(last + 10ms);  // waiting for the next frame tick
            const auto now = Clock::now();
            longest_gap = std::max(longest_gap, std::chrono::duration<double, std::milli>(now - last).count());
            last = now;
        }
    }

    // Crash isolation: a child that aborts; we are still here to print its fate.
    std::fflush(stdout);
    const pid_t crasher = ::fork();
    if (crasher == 0) std::abort();
    int status = 0;
    ::waitpid(crasher, &status, 0);
    const bool contained = WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;

    std::printf("cores (hardware_concurrency): %u; start a thread: %.0f us, fork a process: %.0f us\n\n", cores, thread_us, fork_us);
    const std::string cpu = std::to_string(cores);
    const std::vector<std::vector<std::string>> table = {
        {"workload", "the articles say", "in C++, use", "measured on this machine"},
        {"I/O-bound (network, disk, copying files)", "threads", "threads; a pool sized for the waits, not the cores",
         "8 waits of 30 ms: " + fixed(io_sequential, 0) + " ms in a row, " + fixed(io_threads, 0) + " ms on 8 threads"},
        {"many connections, mostly waiting", "(not covered)", "an event loop, as in asyncio: poll, epoll; Asio",
         "the same 8 waits in one poll() loop, 1 thread: " + fixed(io_event_loop, 0) + " ms"},
        {"GUI", "threads", "a worker thread; the UI thread only draws",
         "longest frame gap: " + fixed(longest_gap, 0) + " ms with a worker, " + fixed(frozen_ms, 0) + " ms without"},
        {"CPU-bound", "processes (*)", "threads, one per core",
         cpu + " threads " + fixed(cpu_sequential / cpu_threads, 2) + "x, " + cpu + " processes " +
             fixed(cpu_sequential / cpu_processes, 2) + "x as fast as 1 thread"},
        {"many tiny tasks", "(not covered)", "a pool, tasks in batches",
         fixed(per_thread_us, 1) + " us per task with a thread each, " + fixed(pooled_us, 3) + " us on a pool"},
        {"crashes, memory caps, untrusted code", "(not covered)", "processes",
         std::string("a child's abort() ") + (contained ? "left us running" : "went unnoticed?!") + "; fork + wait " +
             fixed(fork_us, 0) + " us"},
        {"running another program", "subprocess", "posix_spawn (new process + exec)", "posix_spawnp(\"true\") + wait: " + fixed(spawn_us, 0) + " us"},
    };
    for (const auto& row : table) {
        std::printf("| %-40s | %-16s | %-50s | %-62s |\n", row[0].c_str(), row[1].c_str(), row[2].c_str(), row[3].c_str());
        if (&row == &table.front()) {
            std::printf("|%s|%s|%s|%s|\n", std::string(42, '-').c_str(), std::string(18, '-').c_str(),
                        std::string(52, '-').c_str(), std::string(64, '-').c_str());
        }
    }
    std::printf("\n(*) because of the GIL. Free-threaded CPython (python3.14t: supported since 3.14, not the\n"
                "    default) runs CPU-bound threads in parallel too, and then threads are its answer as well.\n");
    return sink.load() > 0 ? 0 : 1;
}

// Output of one run (all figures vary from run to run and machine to machine):
//
//   $ ./07_decision_table
//   cores (hardware_concurrency): <n>; start a thread: <n> us, fork a process: <n> us
//
//   | workload                                 | the articles say | in C++, use                                        | measured on this machine                                       |
//   |------------------------------------------|------------------|----------------------------------------------------|----------------------------------------------------------------|
//   | I/O-bound (network, disk, copying files) | threads          | threads; a pool sized for the waits, not the cores | 8 waits of 30 ms: <n> ms in a row, <n> ms on 8 threads          |
//   | many connections, mostly waiting         | (not covered)    | an event loop, as in asyncio: poll, epoll; Asio    | the same 8 waits in one poll() loop, 1 thread: <n> ms           |
//   | GUI                                      | threads          | a worker thread; the UI thread only draws          | longest frame gap: <n> ms with a worker, <n> ms without          |
//   | CPU-bound                                | processes (*)    | threads, one per core                              | <n> threads <n>x, <n> processes <n>x as fast as 1 thread         |
//   | many tiny tasks                          | (not covered)    | a pool, tasks in batches                           | <n> us per task with a thread each, <n> us on a pool        |
//   | crashes, memory caps, untrusted code     | (not covered)    | processes                                          | a child's abort() left us running; fork + wait <n> us          |
//   | running another program                  | subprocess       | posix_spawn (new process + exec)                   | posix_spawnp("true") + wait: <n> us                            |
//
//   (*) because of the GIL. Free-threaded CPython (python3.14t: supported since 3.14, not the
//       default) runs CPU-bound threads in parallel too, and then threads are its answer as well.
