// 04_gil_cpu_vs_io.cpp: an emulated GIL on CPU-bound and on I/O-bound work: why the articles say threads for I/O but processes for CPU in Python, and not in C++.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// CPython lets a thread run Python code only while it holds one process-wide lock, the
// GIL. The holder lets go every few milliseconds (sys.getswitchinterval(), 5 ms) so
// that others get a turn, and around every blocking call (read, recv, sleep...).
// Chapter 02 (09_emulated_gil.cpp) models the first rule with a fair lock; here a plain
// std::mutex is enough, and we add the second rule: no GIL while waiting for I/O.
class Gil {
public:
    void acquire() { mutex_.lock(); }
    void release() { mutex_.unlock(); }

private:
    std::mutex mutex_;
};
constexpr auto switch_interval = 5ms;

// Every result goes here, so that the compiler cannot skip the computation.
std::atomic<std::uint64_t> sink{0};

// One "bytecode instruction": a small piece of pure computation.
std::uint64_t step(std::uint64_t x) { return (x ^ (x >> 29)) * 0xBF58476D1CE4E5B9ULL + 1; }

// CPU-bound work as CPython runs it: only while holding the GIL, taking turns.
std::uint64_t python_cpu_work(Gil* gil, long steps) {
    std::uint64_t x = 1;
    if (gil) gil->acquire();
    auto turn_started = Clock::now();
    for (long i = 0; i < steps; ++i) {
        x = step(x);
        if (gil && (i & 1023) == 0 && Clock::now() - turn_started > switch_interval) {
            gil->release();  // "drop request": let another thread run
            std::this_thread::yield();
            gil->acquire();
            turn_started = Clock::now();
        }
    }
    if (gil) gil->release();
    sink ^= x;
    return x;
}

// I/O-bound work: a little Python code, then a blocking call with the GIL released.
void python_io_work(Gil* gil, int requests) {
    for (int r = 0; r < requests; ++r) {
        gil->acquire();
        python_cpu_work(nullptr, 1000);  // parse the reply: we hold the GIL
        gil->release();
        std::this_thread::sleep_for(40ms);  // simulated network wait: others may run
    }
}

// Runs `body` on `threads` threads at once, `runs` times; the median wall time in ms.
double run_ms(unsigned threads, const auto& body, int runs = 3) {
    std::vector<double> ms;
    for (int run = 0; run < runs; ++run) {
        const auto start = Clock::now();
        std::vector<std::jthread> pool;
        for (unsigned t = 0; t < threads; ++t) pool.emplace_back(body);
        pool.clear();  // joins
        ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    }
    std::sort(ms.begin(), ms.end());
    return ms[ms.size() / 2];
}

int main() {
    const unsigned cores = std::max(2u, std::thread::hardware_concurrency());
    const long total_steps = 40'000'000;  // split evenly between the threads
    std::printf("cores (hardware_concurrency): %u\n\n", std::thread::hardware_concurrency());

    // CPU-bound: the same total work on 1 thread, then on `cores` threads with and
    // without the emulated GIL.
    Gil gil;
    const double one = run_ms(1, [&] { python_cpu_work(&gil, total_steps); });
    const double with_gil = run_ms(cores, [&] { python_cpu_work(&gil, total_steps / cores); });
    const double without = run_ms(cores, [&] { python_cpu_work(nullptr, total_steps / cores); });
    std::printf("CPU-bound, %ld steps in total (median of 3)      ms   speedup\n", total_steps);
    std::printf("  1 thread                                   %7.1f     1.00x\n", one);
    std::printf("  %u threads sharing a GIL (CPython)          %7.1f     %.2fx\n", cores, with_gil, one / with_gil);
    std::printf("  %u threads, no GIL (C++)                    %7.1f     %.2fx\n\n", cores, without, one / without);

    // I/O-bound: 8 requests of 40 ms. The GIL is free during every wait, so threads
    // overlap their waits even in CPython.
    const double io_one = run_ms(1, [&] { python_io_work(&gil, 8); }, 1);
    const double io_many = run_ms(8, [&] { python_io_work(&gil, 1); }, 1);
    std::printf("I/O-bound, 8 requests with 40 ms latency (1 run)  ms   speedup\n");
    std::printf("  1 thread with the GIL                      %7.1f     1.00x\n", io_one);
    std::printf("  8 threads sharing a GIL                    %7.1f     %.2fx\n", io_many, io_one / io_many);
}

// Output of one run (figures vary from run to run and machine to machine):
//
//   $ ./04_gil_cpu_vs_io
//   cores (hardware_concurrency): <n>
//
//   CPU-bound, 40000000 steps in total (median of 3)      ms   speedup
//     1 thread                                      <n>     1.00x
//     2 threads sharing a GIL (CPython)             <n>     <n>x
//     2 threads, no GIL (C++)                       <n>     <n>x
//
//   I/O-bound, 8 requests with 40 ms latency (1 run)  ms   speedup
//     1 thread with the GIL                        <n>     1.00x
//     8 threads sharing a GIL                       <n>     <n>x
