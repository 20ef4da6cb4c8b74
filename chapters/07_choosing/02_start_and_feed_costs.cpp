// 02_start_and_feed_costs.cpp: what a process costs over a thread: starting it (fork, posix_spawn) and feeding it data through a pipe.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <numeric>
#include <thread>
#include <vector>

extern char** environ;
using Clock = std::chrono::steady_clock;

// Runs `once` `times` times and returns the median duration in microseconds.
double median_us(int times, const std::function<void()>& once) {
    std::vector<double> us;
    for (int i = 0; i < times; ++i) {
        const auto start = Clock::now();
        once();
        us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    }
    std::sort(us.begin(), us.end());
    return us[us.size() / 2];
}

bool read_exact(int fd, char* data, std::size_t size) {
    while (size > 0) {
        const ssize_t n = ::read(fd, data, size);
        if (n <= 0) return false;
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}
bool write_all(int fd, const char* data, std::size_t size) {
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n <= 0) return false;
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

std::uint64_t sum(const std::uint64_t* first, std::size_t count) { return std::accumulate(first, first + count, std::uint64_t{0}); }

void fork_and_wait() {
    const pid_t pid = ::fork();
    if (pid == 0) ::_exit(0);
    ::waitpid(pid, nullptr, 0);
}

int main() {
    std::printf("cores (hardware_concurrency): %u\n\n", std::thread::hardware_concurrency());
    std::fflush(stdout);  // before any fork, or the children would flush our buffer too

    // 1. Start a worker that does nothing, and wait for it.
    std::printf("start one worker that does nothing and wait for it (median):\n");
    std::printf("  %-46s %9.1f us\n", "std::thread + join",
                median_us(200, [] { std::thread([] {}).join(); }));
    std::printf("  %-46s %9.1f us\n", "fork + waitpid (small process)", median_us(100, fork_and_wait));

    // fork copies no memory, only the page tables (copy-on-write), but those grow with
    // the memory the parent has touched: a big parent forks more slowly.
    std::vector<std::uint64_t> data(8u << 20);  // 64 MiB, every page touched
    std::iota(data.begin(), data.end(), std::uint64_t{1});
    std::printf("  %-46s %9.1f us\n", "fork + waitpid (after touching 64 MiB)", median_us(30, fork_and_wait));

    // posix_spawn starts ANOTHER program: a new process that runs exec at once, in one
    // call (glibc makes the process with a vfork-like clone that copies no page tables).
    // It is the way to run a tool, like Python's subprocess; loading a program costs more
    // than a fork of a small process.
    const double spawn_us = median_us(30, [] {
        pid_t pid = 0;
        char name[] = "true";
        char* argv[] = {name, nullptr};
        if (::posix_spawnp(&pid, "true", nullptr, nullptr, argv, environ) == 0) ::waitpid(pid, nullptr, 0);
    });
    std::printf("  %-46s %9.1f us\n\n", "posix_spawnp(\"true\") + waitpid", spawn_us);

    // 2. Feed 32 MiB to a worker that sums it. A thread reads the data where it is. A
    //    process started before the data existed (a pool worker) must receive a copy
    //    through a pipe, as ProcessPoolExecutor pickles every argument.
    const std::size_t count = 4u << 20;  // 4 Mi numbers = 32 MiB
    const std::uint64_t expected = sum(data.data(), count);
    std::printf("feed 32 MiB to a worker that sums it (median of 3):\n");
    const double thread_us = median_us(3, [&] {
        std::uint64_t result = 0;
        std::thread([&] { result = sum(data.data(), count); }).join();
        if (result != expected) std::printf("wrong sum!\n");
    });
    std::printf("  %-46s %9.1f ms\n", "thread reads the data in place", thread_us / 1000);

    const double pipe_us = median_us(3, [&] {
        int to_child[2], from_child[2];
        if (::pipe(to_child) != 0 || ::pipe(from_child) != 0) return;
        const pid_t pid = ::fork();
        if (pid == 0) {  // the child ignores its copy-on-write snapshot and reads the pipe
            ::close(to_child[1]);
            std::vector<std::uint64_t> block(1u << 17);  // 1 MiB at a time
            std::uint64_t total = 0;
            for (std::size_t done = 0; done < count; done += block.size()) {
                if (!read_exact(to_child[0], reinterpret_cast<char*>(block.data()), block.size() * 8)) ::_exit(1);
                total += sum(block.data(), block.size());
            }
            ::_exit(write_all(from_child[1], reinterpret_cast<const char*>(&total), 8) ? 0 : 1);
        }
        ::close(to_child[0]);
        ::close(from_child[1]);
        write_all(to_child[1], reinterpret_cast<const char*>(data.data()), count * 8);
        ::close(to_child[1]);
        std::uint64_t result = 0;
        read_exact(from_child[0], reinterpret_cast<char*>(&result), 8);
        ::close(from_child[0]);
        ::waitpid(pid, nullptr, 0);
        if (result != expected) std::printf("wrong sum!\n");
    });
    std::printf("  %-46s %9.1f ms  (%.0f MB/s through the pipe)\n", "process receives it through a pipe",
                pipe_us / 1000, 32.0 * 1.048576 / (pipe_us / 1e6));
}

// Output of one run (figures vary from run to run and machine to machine):
//
//   $ ./02_start_and_feed_costs
//   cores (hardware_concurrency): <n>
//
//   start one worker that does nothing and wait for it (median):
//     std::thread + join                                  <n> us
//     fork + waitpid (small process)                     <n> us
//     fork + waitpid (after touching 64 MiB)            <n> us
//     posix_spawnp("true") + waitpid                     <n> us
//
//   feed 32 MiB to a worker that sums it (median of 3):
//     thread reads the data in place                       <n> ms
//     process receives it through a pipe                  <n> ms  (<n> MB/s through the pipe)
