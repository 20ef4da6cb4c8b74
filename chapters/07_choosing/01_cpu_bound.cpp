// 01_cpu_bound.cpp: CPU-bound work sequentially, on threads and in processes (the articles' "CPU-bound: use multiprocessing", measured in C++).
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

using Clock = std::chrono::steady_clock;

// The work: count the primes below `limit` by trial division, in chunks of 10,000
// numbers. Worker w of k takes chunks w, w+k, w+2k... so every worker gets a fair mix
// of small (cheap) and large (dear) numbers.
constexpr long chunk = 10000;
long count_primes(long limit, unsigned worker, unsigned workers) {
    long count = 0;
    for (long start = static_cast<long>(worker) * chunk; start < limit; start += static_cast<long>(workers) * chunk) {
        for (long n = std::max(start, 2L); n < std::min(start + chunk, limit); ++n) {
            bool prime = n == 2 || n % 2 != 0;
            for (long d = 3; d * d <= n && prime; d += 2) prime = n % d != 0;
            count += prime;
        }
    }
    return count;
}

// Threads: the same address space, so each thread writes its count into its own slot.
long on_threads(long limit, unsigned workers) {
    std::vector<long> counts(workers, 0);
    {
        std::vector<std::jthread> threads;
        for (unsigned w = 0; w < workers; ++w)
            threads.emplace_back([&counts, limit, w, workers] { counts[w] = count_primes(limit, w, workers); });
    }  // joined here
    long total = 0;
    for (long c : counts) total += c;
    return total;
}

// Processes: each child has its own copy of memory, so its count must come back
// through a pipe. Each child is reaped with waitpid. This process has no other thread
// running when it forks (the threads above are joined), so fork is safe here.
long on_processes(long limit, unsigned workers) {
    std::vector<pid_t> children;
    std::vector<int> pipes;
    for (unsigned w = 0; w < workers; ++w) {
        int fds[2];
        if (::pipe(fds) != 0) return -1;
        std::fflush(stdout);
        const pid_t pid = ::fork();
        if (pid == 0) {
            ::close(fds[0]);
            const long count = count_primes(limit, w, workers);
            const bool sent = ::write(fds[1], &count, sizeof count) == sizeof count;
            ::_exit(sent ? 0 : 1);
        }
        ::close(fds[1]);
        children.push_back(pid);
        pipes.push_back(fds[0]);
    }
    long total = 0;
    for (unsigned w = 0; w < workers; ++w) {
        long count = 0;
        if (::read(pipes[w], &count, sizeof count) != sizeof count) count = -1'000'000;
        total += count;
        ::close(pipes[w]);
        ::waitpid(children[w], nullptr, 0);
    }
    return total;
}

int main(int argc, char** argv) {
    const long limit = argc > 1 ? std::stol(argv[1]) : 1'200'000;
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    std::printf("count the primes below %ld; cores (hardware_concurrency): %u; median of 3 runs\n\n", limit, cores);

    struct Row { std::string name; unsigned workers; long (*run)(long, unsigned); };
    const std::vector<Row> rows = {
        {"sequential", 1, [](long l, unsigned) { return count_primes(l, 0, 1); }},
        {"threads", cores, on_threads},
        {"processes", cores, on_processes},
        {"threads, 2 x cores", 2 * cores, on_threads},
    };
    std::printf("%-20s %8s %10s %9s %8s\n", "how", "workers", "median ms", "speedup", "primes");
    double sequential_ms = 0;
    for (const Row& row : rows) {
        std::vector<double> ms;
        long primes = 0;
        for (int run = 0; run < 3; ++run) {
            const auto start = Clock::now();
            primes = row.run(limit, row.workers);
            ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
        }
        std::sort(ms.begin(), ms.end());
        if (sequential_ms == 0) sequential_ms = ms[1];
        std::printf("%-20s %8u %10.1f %8.2fx %8ld\n", row.name.c_str(), row.workers, ms[1], sequential_ms / ms[1], primes);
    }
    // With pure computation and a single number to send back, processes cost about
    // what threads cost: a fork is a fraction of a millisecond. Example 02 shows where
    // they fall behind: starting many of them, and feeding them data.
    std::printf("\nthe speedup is capped by the core count; on a shared machine it varies from run to run\n");
}

// Output of one run (figures vary from run to run and machine to machine):
//
//   $ ./01_cpu_bound
//   count the primes below 1200000; cores (hardware_concurrency): <n>; median of 3 runs
//
//   how                   workers  median ms   speedup   primes
//   sequential                  1       <n>     1.00x    92938
//   threads                     <n>       <n>     <n>x    92938
//   processes                   <n>       <n>     <n>x    92938
//   threads, 2 x cores          <n>       <n>     <n>x    92938
//
//   the speedup is capped by the core count; on a shared machine it varies from run to run
