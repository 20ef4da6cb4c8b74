// 03_lost_wakeup.cpp: why the condition is checked under the same lock as the wait: a notify that falls in between is lost.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <semaphore>
#include <thread>

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

long ms_since(Clock::time_point start) {
    return static_cast<long>(
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
}

// Broken: the consumer checks `ready` without the mutex, then waits. A notify sent
// between the check and the wait reaches nobody, and nobody sends another one.
// The two semaphores are test scaffolding: they force that unlucky interleaving on
// every run, where a real program would hit it once in a million runs.
void broken() {
    std::atomic<bool> ready{false};
    std::mutex mutex;
    std::condition_variable cv;
    std::binary_semaphore checked{0}, notified{0};

    std::jthread consumer([&] {
        if (!ready.load()) {       // 1. check: not ready, so we decide to wait
            checked.release();     //    (scaffolding: let the producer run now)
            notified.acquire();    //    (scaffolding: until it has notified)
            std::unique_lock lock(mutex);
            const auto start = Clock::now();
            // 2. wait: without a predicate, as the broken design has nothing to re-check.
            // We bound the wait at 300 ms; a plain wait() would never return.
            const auto status = cv.wait_for(lock, 300ms);
            std::cout << "broken: " << (status == std::cv_status::timeout ? "timed out" : "woken")
                      << " after " << ms_since(start) << " ms although ready = "
                      << std::boolalpha << ready.load() << ": the wake-up was lost\n";
        }
    });
    std::jthread producer([&] {
        checked.acquire();
        {
            std::lock_guard lock(mutex);  // taking the lock here does not help:
            ready = true;                 // the consumer did not hold it while checking
        }
        cv.notify_one();  // nobody is waiting yet
        notified.release();
    });
}

// Fixed: the consumer holds the mutex from the check until wait() releases it
// atomically while going to sleep. The producer needs the same mutex to set
// `ready`, so its notify can only come once the consumer is really waiting.
void fixed() {
    bool ready = false;  // a plain bool: always read and written under `mutex`
    std::mutex mutex;
    std::condition_variable cv;
    std::binary_semaphore checked{0};

    std::jthread consumer([&] {
        std::unique_lock lock(mutex);
        const auto start = Clock::now();
        const auto safety_net = start + 2s;
        checked.release();  // (scaffolding: the producer may run from here on)
        // The predicate form re-checks `ready` under the lock before every sleep and
        // after every wake-up, spurious or not. The 2 s bound is only a safety net: how
        // soon the notify arrives depends on how busy the machine is, so we report
        // whether the notify woke us, and the time only as a figure.
        const bool ok = cv.wait_until(lock, safety_net, [&] { return ready; });
        const bool by_notify = ok && Clock::now() < safety_net;
        std::cout << "fixed:  " << (by_notify ? "woken by the notify" : "reached the safety net")
                  << " after " << ms_since(start) << " ms, ready = " << std::boolalpha << ready
                  << '\n';
    });
    std::jthread producer([&] {
        checked.acquire();
        {
            std::lock_guard lock(mutex);  // blocks until the consumer sleeps in wait_for
            ready = true;
        }
        cv.notify_one();
    });
    // The scaffolding of broken() would deadlock here: a consumer that holds the mutex
    // while waiting for `notified` stops the producer from ever taking it.
}

int main() {
    broken();
    fixed();
}

// Output of one run (the milliseconds vary; the fixed consumer is woken within a few ms,
// later when the machine is busy):
//
//   $ ./03_lost_wakeup
//   broken: timed out after <n> ms although ready = true: the wake-up was lost
//   fixed:  woken by the notify after <n> ms, ready = true
