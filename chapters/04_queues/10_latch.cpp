// 10_latch.cpp: std::latch for "start together" and "wait for all", next to the mutex and condition variable it replaces.
#include <condition_variable>
#include <cstddef>
#include <iostream>
#include <latch>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

// What std::latch does, by hand: a count guarded by a mutex, and a condition variable for
// the threads waiting for it to reach zero. Note notify_all: every waiter must wake.
class CountDown {
public:
    explicit CountDown(std::ptrdiff_t count) : count_(count) {}

    void count_down() {
        std::lock_guard lock(mutex_);
        if (--count_ == 0) zero_.notify_all();
    }

    void wait() {
        std::unique_lock lock(mutex_);
        zero_.wait(lock, [this] { return count_ == 0; });
    }

private:
    std::mutex mutex_;
    std::condition_variable zero_;
    std::ptrdiff_t count_;
};

// Four runners. Each says it is ready, waits for the starting gun, runs (computes its
// square), and reports its result. Main waits until all are ready, fires the gun, and waits
// until all results are in, without joining: the runners still have work to do after it.
// The same program works with both latch types, which is the point.
template <typename Latch>
std::string race(const char* name) {
    constexpr int runners = 4;
    Latch ready(runners);  // wait for all: main waits until every runner stands at the line
    Latch gun(1);          // start together: one count_down releases every runner at once
    Latch finished(runners);
    std::vector<int> results(runners, 0);
    std::string report = name;
    {
        std::vector<std::jthread> threads;
        for (int r = 0; r < runners; ++r) {
            threads.emplace_back([&, r] {
                ready.count_down();
                gun.wait();
                results[static_cast<std::size_t>(r)] = (r + 1) * (r + 1);
                finished.count_down();  // the result is published: main may read it
                // ... a runner could go on here with cleanup; main does not wait for it
            });
        }
        ready.wait();
        report += ": all 4 runners at the line, gun fired";
        gun.count_down();
        finished.wait();
        report += "; results:";
        for (const int result : results)
            report += " " + std::to_string(result);
    }  // the jthreads join here
    return report;
}

int main() {
    std::cout << race<CountDown>("mutex + condition variable") << '\n';
    std::cout << race<std::latch>("std::latch                ") << '\n';

    // A latch counts down once: it cannot be reset, and counting below zero is undefined
    // behaviour. For rounds that repeat, use std::barrier (example 11).
    std::latch once(2);
    once.count_down(2);
    std::cout << "a latch at zero stays open: try_wait() = " << std::boolalpha << once.try_wait()
              << '\n';
}

// Output of one run (the same every time):
//
//   $ ./10_latch
//   mutex + condition variable: all 4 runners at the line, gun fired; results: 1 4 9 16
//   std::latch                : all 4 runners at the line, gun fired; results: 1 4 9 16
//   a latch at zero stays open: try_wait() = true
