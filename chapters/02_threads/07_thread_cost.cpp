// 07_thread_cost.cpp: what creating and joining a thread costs, and why a thread per tiny task is waste.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iomanip>
#include <iostream>
#include <thread>
#include <vector>

using Clock = std::chrono::steady_clock;

constexpr int task_count = 1000;
constexpr int repetitions = 3;

// A tiny task: a few dozen nanoseconds of arithmetic. The article's "basic tasks".
std::uint64_t tiny_task(int seed) {
    std::uint64_t x = static_cast<std::uint64_t>(seed);
    for (int i = 0; i < 50; ++i) {
        x = x * 6364136223846793005u + 1442695040888963407u;
    }
    return x >> 33;
}

// We time a whole batch several times and keep the median: a shared machine has
// outliers, and the median ignores them.
template <typename Batch>
double median_ms(Batch batch, std::uint64_t& checksum) {
    std::vector<double> times;
    for (int r = 0; r < repetitions; ++r) {
        const auto start = Clock::now();
        checksum = batch();
        times.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

int main() {
    std::vector<std::uint64_t> results(task_count);
    const auto sum_results = [&results] {
        std::uint64_t sum = 0;
        for (auto r : results) sum += r;
        return sum;
    };

    // 1. All tasks inline, in this thread.
    std::uint64_t inline_sum = 0;
    const double inline_ms = median_ms(
        [&] {
            for (int i = 0; i < task_count; ++i) results[static_cast<std::size_t>(i)] = tiny_task(i);
            return sum_results();
        },
        inline_sum);

    // 2. One thread per task, created and joined one after another: this measures the
    //    price of create + join itself, since the task is almost free.
    std::uint64_t per_task_sum = 0;
    const double per_task_ms = median_ms(
        [&] {
            for (int i = 0; i < task_count; ++i) {
                std::thread t([&results, i] { results[static_cast<std::size_t>(i)] = tiny_task(i); });
                t.join();
            }
            return sum_results();
        },
        per_task_sum);

    // 3. What to do instead: a few threads, each taking a contiguous share of the tasks.
    const unsigned hint = std::thread::hardware_concurrency();
    const int workers = static_cast<int>(hint != 0 ? hint : 2);
    std::uint64_t shared_sum = 0;
    const double few_threads_ms = median_ms(
        [&] {
            std::vector<std::jthread> threads;
            for (int w = 0; w < workers; ++w) {
                // Contiguous blocks, so two threads rarely write to the same cache line.
                const int begin = task_count * w / workers;
                const int end = task_count * (w + 1) / workers;
                threads.emplace_back([&results, begin, end] {
                    for (int i = begin; i < end; ++i) {
                        results[static_cast<std::size_t>(i)] = tiny_task(i);
                    }
                });
            }
            threads.clear();  // joins them all
            return sum_results();
        },
        shared_sum);

    const bool same = inline_sum == per_task_sum && inline_sum == shared_sum;
    std::cout << "hardware_concurrency() = " << hint << "; " << task_count
              << " tiny tasks, median of " << repetitions << " runs\n"
              << std::fixed << std::setprecision(3)
              << "  all inline in main            " << std::setw(9) << inline_ms << " ms\n"
              << "  one thread per task           " << std::setw(9) << per_task_ms << " ms\n"
              << "  " << workers << " threads, a share each       " << std::setw(9)
              << few_threads_ms << " ms\n"
              << std::setprecision(1)
              << "one task inline:        " << std::setw(8) << inline_ms * 1e6 / task_count
              << " ns\n"
              << "one thread create+join: " << std::setw(8)
              << (per_task_ms - inline_ms) * 1e3 / task_count << " us, the price of about "
              << std::setprecision(0) << (per_task_ms - inline_ms) / inline_ms << " tiny tasks\n"
              << "all three ways computed the same checksum: " << (same ? "yes" : "NO") << '\n';
    return same ? 0 : 1;
}

// Output of one run (g++ -O2; all timings vary from run to run and machine to machine):
//
//   $ ./07_thread_cost
//   hardware_concurrency() = <n>; 1000 tiny tasks, median of 3 runs
//     all inline in main                <n> ms
//     one thread per task              <n> ms
//     <n> threads, a share each           <n> ms
//   one task inline:            <n> ns
//   one thread create+join:     <n> us, the price of about <n> tiny tasks
//   all three ways computed the same checksum: yes
