// 02_mutex_counter.cpp: the articles' lock: std::mutex with std::lock_guard, the mirror of `with lock: x += 1`.
#include <iostream>
#include <functional>
#include <latch>
#include <mutex>
#include <thread>

constexpr int increments_per_thread = 1'000'000;

// Python:
//     lock = threading.Lock()
//     with lock:
//         x += 1
// C++: the same shape. The mutex and the data it guards are declared together, and
// every access to counter happens with counter_mutex held.
std::mutex counter_mutex;
long counter = 0;

void add_many(std::latch& start_line) {
    start_line.arrive_and_wait();
    for (int i = 0; i < increments_per_thread; ++i) {
        // lock_guard locks in its constructor and unlocks in its destructor, so the
        // mutex is released on every way out of the block, exceptions included.
        // Calling counter_mutex.lock() / unlock() by hand works until someone adds an
        // early return or a throwing call between them.
        std::lock_guard lock(counter_mutex);
        ++counter;
    }
}

// The same idea packaged: the mutex is private, so no caller can forget it.
class GuardedCounter {
public:
    void add(long amount) {
        std::lock_guard lock(mutex_);
        value_ += amount;
    }
    long value() const {
        std::lock_guard lock(mutex_);  // reads need the lock too
        return value_;
    }

private:
    mutable std::mutex mutex_;  // mutable: locking does not change the counter's value
    long value_ = 0;
};

int main() {
    constexpr long expected = 2L * increments_per_thread;
    for (int round = 1; round <= 3; ++round) {
        counter = 0;
        std::latch start_line(2);
        std::thread first(add_many, std::ref(start_line));
        std::thread second(add_many, std::ref(start_line));
        first.join();
        second.join();
        std::cout << "round " << round << ": expected " << expected << ", got " << counter
                  << (counter == expected ? "  (correct)\n" : "  (WRONG)\n");
    }

    GuardedCounter guarded;
    {
        std::jthread a([&guarded] { for (int i = 0; i < 1000; ++i) guarded.add(1); });
        std::jthread b([&guarded] { for (int i = 0; i < 1000; ++i) guarded.add(1); });
    }
    std::cout << "GuardedCounter: " << guarded.value() << '\n';
    return counter == expected && guarded.value() == 2000 ? 0 : 1;
}

// Output of one run (always the same):
//
//   $ ./02_mutex_counter
//   round 1: expected 2000000, got 2000000  (correct)
//   round 2: expected 2000000, got 2000000  (correct)
//   round 3: expected 2000000, got 2000000  (correct)
//   GuardedCounter: 2000
