// 05_false_sharing.cpp: two threads, two counters, nothing shared; unless both counters sit on one cache line. Measured, then fixed with alignas.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <latch>
#include <new>
#include <thread>

// The size of the block in which cores share memory: the cache line. C++17 names it
// std::hardware_destructive_interference_size; some standard libraries (libc++ before
// version 19) do not define it, and then 64 bytes is the right guess for x86 and most ARM.
#ifdef __cpp_lib_hardware_interference_size
constexpr std::size_t cache_line = std::hardware_destructive_interference_size;
constexpr const char* cache_line_source = "std::hardware_destructive_interference_size";
#else
constexpr std::size_t cache_line = 64;
constexpr const char* cache_line_source = "a guess: this library does not define the constant";
#endif

constexpr long increments = 5'000'000;

// Side by side: 16 bytes, one cache line.
struct Adjacent {
    std::atomic<long> first{0};
    std::atomic<long> second{0};
};

// Each counter starts a cache line of its own.
struct Padded {
    alignas(cache_line) std::atomic<long> first{0};
    alignas(cache_line) std::atomic<long> second{0};
};

// Each counter has one writer, so a load and a store are enough (no read-modify-write
// instruction); relaxed, because no other data hangs on them. Still, every store needs
// the line in this core's cache in exclusive state: when the other core writes the other
// counter on the same line, the line travels between the two cores on every increment.
void count_up(std::atomic<long>& counter, std::latch& start_line) {
    start_line.arrive_and_wait();
    for (long i = 0; i < increments; ++i) {
        counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }
}

template <typename Counters>
double ns_per_increment() {
    Counters counters;
    std::latch start_line(2);
    const auto start = std::chrono::steady_clock::now();
    {
        std::jthread one(count_up, std::ref(counters.first), std::ref(start_line));
        std::jthread two(count_up, std::ref(counters.second), std::ref(start_line));
    }
    const std::chrono::duration<double, std::nano> elapsed =
        std::chrono::steady_clock::now() - start;
    const bool right = counters.first.load() == increments && counters.second.load() == increments;
    return right ? elapsed.count() / (2.0 * increments) : -1.0;
}

template <typename Counters>
double median_of_3() {
    double t[3];
    for (double& x : t)
        x = ns_per_increment<Counters>();
    std::sort(t, t + 3);
    return t[1];
}

int main() {
    std::printf("hardware_concurrency() = %u; cache line: %zu bytes (%s)\n",
                std::thread::hardware_concurrency(), cache_line, cache_line_source);
    std::printf("two threads, %ld increments each, each thread on its own counter\n", increments);
    std::printf("sizeof(Adjacent) = %zu bytes, sizeof(Padded) = %zu bytes\n", sizeof(Adjacent),
                sizeof(Padded));
    const double adjacent = median_of_3<Adjacent>();
    const double padded = median_of_3<Padded>();
    std::printf("counters on one cache line:   %.2f ns per increment\n", adjacent);
    std::printf("counters on two cache lines:  %.2f ns per increment\n", padded);
    std::printf("one line / two lines: %.1fx (median of 3 runs)\n", adjacent / padded);
}

// Output of one run on a 2-vCPU x86-64 machine (the times vary from run to run and between
// machines; with one free core, or on a busy machine, the two threads take turns and the
// ratio falls towards 1x):
//
//   $ ./05_false_sharing
//   hardware_concurrency() = <n>; cache line: <n> bytes (<...>)
//   two threads, 5000000 increments each, each thread on its own counter
//   sizeof(Adjacent) = 16 bytes, sizeof(Padded) = <n> bytes
//   counters on one cache line:   <n> ns per increment
//   counters on two cache lines:  <n> ns per increment
//   one line / two lines: <n>x (median of 3 runs)
