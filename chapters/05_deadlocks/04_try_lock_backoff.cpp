// 04_try_lock_backoff.cpp: opposite lock orders without deadlock: hold one lock, only try the other, and on failure release and back off for a random time.
#include <algorithm>
#include <chrono>
#include <iostream>
#include <latch>
#include <mutex>
#include <random>
#include <thread>

// Never block on a second lock while holding a first one: that removes "hold and wait",
// one of the four conditions a deadlock needs. We block on the first lock, only TRY the
// second, and if it is busy we release the first and start over.
//
// With a std::timed_mutex, `second.try_lock_for(100us)` would wait a bounded time instead
// of failing at once: the same algorithm. We use try_lock() because ThreadSanitizer in
// GCC 12 and clang 14 misreads timed_mutex::try_lock_for (it does not intercept
// pthread_mutex_clocklock, which libstdc++ uses) and reports errors that are not there.

// Simulated work done while holding the first lock (reading the account, say): it widens
// the window in which the other thread can grab our second lock. Nothing waits on it.
unsigned long prepare(unsigned long x) {
    for (unsigned long i = 0; i < 300; ++i) x = x * 31 + i;
    return x;
}

struct Account {
    std::mutex mutex;
    long balance = 0;
    unsigned long checksum = 0;
};

long transfers(Account& from, Account& to, unsigned seed, std::latch& start) {
    std::mt19937 rng(seed);  // one generator per thread: std::mt19937 is not thread-safe
    long retries = 0;
    start.arrive_and_wait();  // both threads begin together, so that they collide
    for (int i = 0; i < 20'000; ++i) {
        for (int attempt = 0;; ++attempt) {
            std::unique_lock hold(from.mutex);
            from.checksum = prepare(from.checksum);
            if (to.mutex.try_lock()) {
                std::lock_guard adopt(to.mutex, std::adopt_lock);
                --from.balance;
                ++to.balance;
                break;
            }
            hold.unlock();  // give the first lock back so that the other thread can finish
            ++retries;
            // The back-off. Sleeping here is the policy itself, not synchronisation:
            // a random pause, its range doubling with each failure (up to 64 us). Two
            // threads that retried at once, or after the same fixed pause, could collide
            // again and again in lock-step: a livelock, busy but making no progress.
            const int cap = 1 << std::min(attempt, 6);
            std::uniform_int_distribution<int> pause_us(0, cap);
            std::this_thread::sleep_for(std::chrono::microseconds(pause_us(rng)));
        }
    }
    return retries;
}

int main() {
    Account a, b;
    long retries_ab = 0, retries_ba = 0;
    std::latch start_line{2};
    const auto start = std::chrono::steady_clock::now();
    {
        std::jthread t1([&] { retries_ab = transfers(a, b, 1, start_line); });
        std::jthread t2([&] { retries_ba = transfers(b, a, 2, start_line); });
    }
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    // Each thread moved 1 unit 20000 times, in opposite directions: both balances end at 0.
    std::cout << "2 x 20000 transfers in opposite lock orders took " << ms.count() << " ms\n";
    std::cout << "second lock busy, first released, backed off and retried: " << retries_ab
              << " + " << retries_ba << " times\n";
    std::cout << "balances " << a.balance << " and " << b.balance
              << ": every transfer done, no deadlock\n";
}

// Output of one run (the time and the retry counts vary a lot from run to run, and are
// sometimes 0 when one thread happens to finish before the other gets going):
//
//   $ ./04_try_lock_backoff
//   2 x 20000 transfers in opposite lock orders took <n> ms
//   second lock busy, first released, backed off and retried: <n> + <n> times
//   balances 0 and 0: every transfer done, no deadlock
