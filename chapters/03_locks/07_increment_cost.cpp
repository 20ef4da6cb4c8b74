// 07_increment_cost.cpp: what one increment costs: per-thread local count vs one shared atomic vs one shared mutex.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <iomanip>
#include <iostream>
#include <iterator>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using Clock = std::chrono::steady_clock;

// The work: count the "hits" in a block of bytes, as a real counter counts events.
// The data is read-only while threads run, so reading it from every thread is fine.
std::vector<unsigned char> make_data() {
    std::vector<unsigned char> data(1 << 16);
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = i % 3 != 0;  // two thirds are hits
    return data;
}
const std::vector<unsigned char> data = make_data();
const long hits_per_pass = static_cast<long>(std::count(data.begin(), data.end(), 1));

std::atomic<long> shared_atomic{0};
std::mutex shared_mutex;
long shared_guarded = 0;

// 1. Each thread counts into its own local variable and adds it to the total once.
void count_local(int passes, long& result) {
    long local = 0;
    for (int p = 0; p < passes; ++p) {
        for (unsigned char byte : data) local += byte;
    }
    result = local;  // one write per thread, to its own slot
}

// 2. Every hit is one fetch_add on a counter shared by all threads.
void count_atomic(int passes, long&) {
    for (int p = 0; p < passes; ++p) {
        for (unsigned char byte : data) {
            if (byte) shared_atomic.fetch_add(1, std::memory_order_relaxed);
        }
    }
}

// 3. Every hit locks the shared mutex.
void count_mutex(int passes, long&) {
    for (int p = 0; p < passes; ++p) {
        for (unsigned char byte : data) {
            if (byte) {
                std::lock_guard lock(shared_mutex);
                ++shared_guarded;
            }
        }
    }
}

// One run: returns the wall-clock ns per increment, all threads' increments together.
double run_once(void (*count)(int, long&), int passes, int threads, bool& correct) {
    shared_atomic = 0;
    shared_guarded = 0;
    std::vector<long> locals(static_cast<std::size_t>(threads), 0);
    const auto start = Clock::now();
    {
        std::vector<std::jthread> pool;
        for (auto& slot : locals) pool.emplace_back(count, passes, std::ref(slot));
    }
    long total = shared_atomic.load() + shared_guarded;
    for (long l : locals) total += l;  // the summing step of method 1
    const double ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count();
    const long increments = hits_per_pass * passes * threads;
    correct = correct && total == increments;
    return ns / static_cast<double>(increments);
}

// We give each method enough passes over the data that one run on one thread takes
// about 20 ms on this build (plain, optimised or sanitised), then take the median of 3.
int passes_for(void (*count)(int, long&), bool& correct) {
    int passes = 1;
    while (passes < 4096) {
        const double ms = run_once(count, passes, 1, correct) * 1e-6 * static_cast<double>(hits_per_pass * passes);
        if (ms >= 20) break;
        passes *= 2;
    }
    return passes;
}

double median_ns(void (*count)(int, long&), int passes, int threads, bool& correct) {
    double times[3];
    for (double& t : times) t = run_once(count, passes, threads, correct);
    std::sort(std::begin(times), std::end(times));
    return times[1];
}

int main() {
    const unsigned cores = std::thread::hardware_concurrency();
    std::cout << "hardware_concurrency() = " << cores
              << "; ns per increment (wall time / all increments), median of 3 runs\n"
              << "                                   1 thread   2 threads\n";
    bool correct = true;
    const auto row = [&](const std::string& label, void (*count)(int, long&)) {
        const int passes = passes_for(count, correct);
        std::cout << std::left << std::setw(34) << label << std::right << std::fixed
                  << std::setprecision(2);
        for (int threads : {1, 2}) {
            std::cout << std::setw(threads == 1 ? 9 : 12) << median_ns(count, passes, threads, correct);
        }
        std::cout << '\n';
    };
    row("local count, summed at the end", count_local);
    row("one shared atomic, fetch_add", count_atomic);
    row("one shared mutex, lock each time", count_mutex);
    std::cout << "every total was right: " << (correct ? "yes" : "NO") << '\n';
    return correct ? 0 : 1;
}

// Output of one run (g++ -O2; figures vary from run to run and machine to machine):
//
//   $ ./07_increment_cost
//   hardware_concurrency() = <n>; ns per increment (wall time / all increments), median of 3 runs
//                                      1 thread   2 threads
//   local count, summed at the end         <n>        <n>
//   one shared atomic, fetch_add           <n>        <n>
//   one shared mutex, lock each time      <n>       <n>
//   every total was right: yes
