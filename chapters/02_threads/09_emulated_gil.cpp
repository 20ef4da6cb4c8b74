// 09_emulated_gil.cpp: an emulated GIL (one lock around all work, handed over every 5 ms) shows why CPython threads don't speed up CPU work.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <latch>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using Clock = std::chrono::steady_clock;

// CPython's default switch interval (sys.getswitchinterval() == 0.005).
constexpr auto switch_interval = std::chrono::milliseconds(5);

// The interpreter lock. CPython hands it over in turn when another thread asks for it,
// so we make it fair with tickets: whoever asked first gets it next.
class InterpreterLock {
public:
    void acquire() {
        std::unique_lock lock(mutex_);
        const std::uint64_t my_ticket = next_ticket_++;
        turn_.wait(lock, [&] { return now_serving_ == my_ticket; });
        // A handover is the lock passing from one thread to another.
        const auto me = std::this_thread::get_id();
        if (last_holder_ != std::thread::id() && last_holder_ != me) ++handovers_;
        last_holder_ = me;
    }
    void release() {
        {
            std::lock_guard lock(mutex_);
            ++now_serving_;
        }
        turn_.notify_all();
    }
    long handovers() {
        std::lock_guard lock(mutex_);
        return handovers_;
    }

private:
    std::mutex mutex_;
    std::condition_variable turn_;
    std::uint64_t next_ticket_ = 0;
    std::uint64_t now_serving_ = 0;
    std::thread::id last_holder_;
    long handovers_ = 0;
};

// One "bytecode": a small step of CPU work, the same mixing as in 08_no_gil_speedup.cpp.
std::uint64_t step(std::uint64_t i) {
    std::uint64_t x = i;
    for (int round = 0; round < 4; ++round) {
        x ^= x >> 31;
        x *= 0x9e3779b97f4a7c15u;
    }
    return x >> 40;
}

// How many threads are computing right now, and the most there ever were at once.
struct ComputingCount {
    std::atomic<int> now{0};
    std::atomic<int> peak{0};
    void enter() {
        const int value = now.fetch_add(1) + 1;
        int seen = peak.load();
        while (seen < value && !peak.compare_exchange_weak(seen, value)) {
        }
    }
    void leave() { now.fetch_sub(1); }
};

// A thread's share of the work. With a lock, every step runs while holding it, and the
// thread lets go once per switch interval, as the interpreter's eval loop does.
std::uint64_t run_share(std::uint64_t begin, std::uint64_t end, InterpreterLock* gil,
                        ComputingCount& computing) {
    std::uint64_t sum = 0;
    if (gil) gil->acquire();
    computing.enter();
    auto held_since = Clock::now();
    for (std::uint64_t i = begin; i < end; ++i) {
        sum += step(i);
        if (gil && (i & 255) == 0 && Clock::now() - held_since >= switch_interval) {
            computing.leave();
            gil->release();  // give the others their turn ...
            gil->acquire();  // ... and queue up again behind them
            computing.enter();
            held_since = Clock::now();
        }
    }
    computing.leave();
    if (gil) gil->release();
    return sum;
}

struct Result {
    double ms;
    std::uint64_t sum;
    long handovers;
    int peak;
};

Result run(std::uint64_t n, unsigned thread_count, bool with_gil) {
    InterpreterLock gil;
    ComputingCount computing;
    std::vector<std::uint64_t> partial(thread_count);
    // The threads start together, so that a slow thread start on a busy machine does not
    // let the first one finish before the second begins.
    std::latch start_line(thread_count);
    const auto start = Clock::now();
    {
        std::vector<std::jthread> threads;
        for (unsigned t = 0; t < thread_count; ++t) {
            threads.emplace_back([&, t] {
                start_line.arrive_and_wait();
                partial[t] = run_share(n * t / thread_count, n * (t + 1) / thread_count,
                                       with_gil ? &gil : nullptr, computing);
            });
        }
    }
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    std::uint64_t sum = 0;
    for (auto p : partial) sum += p;
    return {ms, sum, gil.handovers(), computing.peak.load()};
}

struct Setup {
    std::string label;
    unsigned threads;
    bool with_gil;
};

int main() {
    // We size the work so that one thread without the lock computes for about 0.06 s. We
    // measure processor time (std::clock), not the wall clock: on a busy machine the wall
    // clock also counts the time other programs had the core.
    const auto cpu_ms = [](std::uint64_t steps) {
        const std::clock_t before = std::clock();
        run(steps, 1, false);
        return 1000.0 * static_cast<double>(std::clock() - before) / CLOCKS_PER_SEC;
    };
    std::uint64_t n = 1u << 16;
    while (cpu_ms(n) < 20) n *= 2;
    n = static_cast<std::uint64_t>(static_cast<double>(n) * 60.0 / std::max(1.0, cpu_ms(n)));

    const std::vector<Setup> setups{{"1 thread, no lock (C++)", 1, false},
                                    {"2 threads, no lock (C++)", 2, false},
                                    {"1 thread, with the GIL", 1, true},
                                    {"2 threads, with the GIL", 2, true}};
    // Three rounds, each running every setup once, so that a neighbour's burst of load
    // hits all setups alike; then the median per setup.
    std::vector<std::vector<Result>> runs(setups.size());
    for (int round = 0; round < 3; ++round) {
        for (std::size_t i = 0; i < setups.size(); ++i) {
            runs[i].push_back(run(n, setups[i].threads, setups[i].with_gil));
        }
    }
    // Times and handovers: the median run. Threads computing at once: the most in any run.
    std::vector<Result> median;
    bool same_sum = true;
    for (auto& r : runs) {
        int peak = 0;
        for (const Result& one : r) peak = std::max(peak, one.peak);
        std::sort(r.begin(), r.end(), [](const Result& a, const Result& b) { return a.ms < b.ms; });
        median.push_back(r[1]);
        median.back().peak = peak;
        for (const Result& one : r) same_sum = same_sum && one.sum == runs[0][0].sum;
    }

    const unsigned cores = std::thread::hardware_concurrency();
    std::cout << "hardware_concurrency() = " << cores << "; " << n
              << " steps of CPU work, median of 3 runs (most at once: of all 3)\n"
              << "                           time (ms)  handovers  most computing at once\n";
    for (std::size_t i = 0; i < setups.size(); ++i) {
        const Result& r = median[i];
        std::cout << std::left << std::setw(26) << setups[i].label << std::right << std::fixed
                  << std::setprecision(1) << std::setw(10) << r.ms << std::setw(11)
                  << (setups[i].with_gil ? std::to_string(r.handovers) : "-") << std::setw(24)
                  << r.peak << '\n';
    }

    // With the lock, the threads take turns: at any instant only the holder computes,
    // whatever the number of cores. That is CPython's GIL, not a property of threads.
    std::cout << std::setprecision(2) << "second thread, no lock:   " << median[0].ms / median[1].ms
              << "x (parallel, up to the number of free cores)\n"
              << "second thread, with GIL:  " << median[2].ms / median[3].ms
              << "x (they take turns: one computes, the other waits)\n"
              << "all runs computed the same sum: " << (same_sum ? "yes" : "NO") << '\n';
    return same_sum ? 0 : 1;
}

// Output of one run (timings and handovers vary from run to run; the last column does not):
//
//   $ ./09_emulated_gil
//   hardware_concurrency() = <n>; <n> steps of CPU work, median of 3 runs (most at once: of all 3)
//                              time (ms)  handovers  most computing at once
//   1 thread, no lock (C++)         <n>          -                       1
//   2 threads, no lock (C++)        <n>          -                       2
//   1 thread, with the GIL          <n>          0                       1
//   2 threads, with the GIL         <n>         <n>                       1
//   second thread, no lock:   <n>x (parallel, up to the number of free cores)
//   second thread, with GIL:  <n>x (they take turns: one computes, the other waits)
//   all runs computed the same sum: yes
