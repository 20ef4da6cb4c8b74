// 13_atomic_wait.cpp: Python's threading.Event twice: with a mutex and a condition variable, and with atomic::wait and notify_all.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

// threading.Event with the tools of section 2: a flag under a mutex, a condition variable
// for the waiters. wait_for() gives up after a timeout, as Python's e.wait(timeout) does.
class LockedEvent {
public:
    void set() {
        {
            std::lock_guard lock(mutex_);
            set_ = true;
        }
        changed_.notify_all();
    }
    void clear() {
        std::lock_guard lock(mutex_);
        set_ = false;
    }
    bool is_set() {
        std::lock_guard lock(mutex_);
        return set_;
    }
    void wait() {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [this] { return set_; });
    }
    bool wait_for(std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout, [this] { return set_; });
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    bool set_ = false;
};

// The same with C++20's atomic wait: wait(0) sleeps while the value is 0 and returns once
// it is not; notify_all() wakes every thread asleep on it. No mutex, no condition variable,
// no lost wake-up: wait() compares and sleeps as one step in the kernel (a futex). What it
// cannot do in C++20 is give up after a timeout: there is no wait_for.
class AtomicEvent {
public:
    void set() {
        state_.store(1, std::memory_order_release);
        state_.notify_all();
    }
    void clear() { state_.store(0, std::memory_order_relaxed); }
    bool is_set() const { return state_.load(std::memory_order_acquire) == 1; }
    void wait() const { state_.wait(0, std::memory_order_acquire); }

private:
    std::atomic<int> state_{0};  // an int: on Linux a 4-byte atomic is a futex of its own
};

// Three workers wait for a loader to fill a table; the event tells them it is ready.
template <typename Event>
void load_then_work(const char* name) {
    Event ready;
    std::vector<int> table;  // plain data: the event publishes it
    std::vector<long> sums(3, 0);
    {
        std::vector<std::jthread> workers;
        for (std::size_t w = 0; w < sums.size(); ++w) {
            workers.emplace_back([&, w] {
                ready.wait();  // Python: ready.wait()
                for (const int x : table)
                    sums[w] += x * static_cast<int>(w + 1);
            });
        }
        for (int i = 1; i <= 100; ++i)
            table.push_back(i);
        ready.set();  // Python: ready.set()
    }
    std::cout << name << ": is_set() = " << std::boolalpha << ready.is_set() << ", sums " << sums[0]
              << ' ' << sums[1] << ' ' << sums[2] << '\n';
    ready.clear();
    std::cout << name << ": after clear(), is_set() = " << ready.is_set() << '\n';
}

int main() {
    load_then_work<LockedEvent>("mutex + condition variable");
    load_then_work<AtomicEvent>("atomic wait/notify        ");

    LockedEvent never;
    const auto start = std::chrono::steady_clock::now();
    const bool woke = never.wait_for(50ms);  // Python: never.wait(0.05) returns False
    const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    std::cout << "wait_for(50 ms) on an event nobody sets: " << woke << " after " << waited.count()
              << " ms\n(only the condition-variable version can time out)\n";
}

// Output of one run (the last wait takes 50 ms or a little more):
//
//   $ ./13_atomic_wait
//   mutex + condition variable: is_set() = true, sums 5050 10100 15150
//   mutex + condition variable: after clear(), is_set() = false
//   atomic wait/notify        : is_set() = true, sums 5050 10100 15150
//   atomic wait/notify        : after clear(), is_set() = false
//   wait_for(50 ms) on an event nobody sets: false after <n> ms
//   (only the condition-variable version can time out)
