// 04_small_critical_section.cpp: keep critical sections small: compute outside the lock, publish inside.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

using Clock = std::chrono::steady_clock;

constexpr int items_per_thread = 1500;

// The expensive part: some microseconds of arithmetic on one item.
std::uint64_t expensive(int item) {
    std::uint64_t x = static_cast<std::uint64_t>(item);
    for (int i = 0; i < 3000; ++i) {
        x ^= x >> 29;
        x = x * 0x9e3779b97f4a7c15u + 1;
    }
    return x;
}

// Where the results go: shared, so every push needs the mutex.
struct Results {
    std::mutex mutex;
    std::vector<std::uint64_t> values;
};

// 1. The lock covers the computation too: the threads run one at a time.
void compute_inside(Results& out, int first) {
    for (int item = first; item < first + items_per_thread; ++item) {
        std::lock_guard lock(out.mutex);
        out.values.push_back(expensive(item));
    }
}

// 2. We compute with no lock held and take it only to push the finished value.
void compute_outside(Results& out, int first) {
    for (int item = first; item < first + items_per_thread; ++item) {
        const std::uint64_t value = expensive(item);
        std::lock_guard lock(out.mutex);
        out.values.push_back(value);
    }
}

// 3. We collect locally and publish the whole batch under one lock at the end.
void publish_once(Results& out, int first) {
    std::vector<std::uint64_t> mine;
    mine.reserve(items_per_thread);
    for (int item = first; item < first + items_per_thread; ++item) {
        mine.push_back(expensive(item));
    }
    std::lock_guard lock(out.mutex);
    out.values.insert(out.values.end(), mine.begin(), mine.end());
}

// Runs one strategy on `threads` threads; returns the time in ms and the results' sum
// (their order differs between strategies and runs, their sum does not).
double run_ms(void (*strategy)(Results&, int), int threads, std::uint64_t& checksum) {
    Results results;
    const auto start = Clock::now();
    {
        std::vector<std::jthread> pool;
        for (int t = 0; t < threads; ++t) {
            pool.emplace_back(strategy, std::ref(results), t * items_per_thread);
        }
    }
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    checksum = 0;
    for (auto v : results.values) checksum += v;
    return ms;
}

int main() {
    const unsigned cores = std::thread::hardware_concurrency();
    const int threads = 2;
    const std::vector<std::pair<std::string, void (*)(Results&, int)>> strategies{
        {"compute inside the lock", compute_inside},
        {"compute outside, push inside", compute_outside},
        {"compute outside, publish once", publish_once}};

    // Three rounds of all three strategies, so that a neighbour's burst of load hits them
    // alike; then the median per strategy.
    std::vector<std::vector<double>> times(strategies.size());
    std::vector<std::uint64_t> sums(strategies.size());
    for (int round = 0; round < 3; ++round) {
        for (std::size_t i = 0; i < strategies.size(); ++i) {
            times[i].push_back(run_ms(strategies[i].second, threads, sums[i]));
        }
    }

    std::cout << "hardware_concurrency() = " << cores << "; " << threads << " threads x "
              << items_per_thread << " items, median of 3 runs\n";
    for (std::size_t i = 0; i < strategies.size(); ++i) {
        std::sort(times[i].begin(), times[i].end());
        std::cout << "  " << std::left << std::setw(34) << strategies[i].first << std::right
                  << std::fixed << std::setprecision(1) << std::setw(8) << times[i][1] << " ms\n";
    }
    const bool same = sums[0] == sums[1] && sums[1] == sums[2];
    std::cout << "same results every way: " << (same ? "yes" : "NO") << '\n';
    return same ? 0 : 1;
}

// Output of one run (g++ -O2; the times vary, and on a busy machine the rows come closer):
//
//   $ ./04_small_critical_section
//   hardware_concurrency() = <n>; 2 threads x 1500 items, median of 3 runs
//     compute inside the lock               <n> ms
//     compute outside, push inside           <n> ms
//     compute outside, publish once          <n> ms
//   same results every way: yes
