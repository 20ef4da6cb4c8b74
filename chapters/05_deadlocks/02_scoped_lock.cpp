// 02_scoped_lock.cpp: the same opposite-order transfers made safe by std::scoped_lock and std::lock, which lock several mutexes without deadlock.
#include <chrono>
#include <iostream>
#include <mutex>
#include <thread>

struct Account {
    std::mutex mutex;
    long balance = 1000;
};

// std::scoped_lock locks all its mutexes with std::lock's deadlock-avoidance algorithm:
// it never blocks while holding one of them. libstdc++ blocks on one, try_lock()s the
// others, and if one is busy it releases everything and starts over by blocking on the
// busy one. So the order we name the mutexes in no longer matters.
void transfer(Account& from, Account& to, long amount) {
    if (&from == &to) return;  // locking the same mutex twice would be undefined behaviour
    std::scoped_lock both(from.mutex, to.mutex);
    from.balance -= amount;
    to.balance += amount;
}

// The pre-C++17 spelling, still common in older code: std::lock, then two guards that
// adopt the locks it took, so that they are released on every path out of the scope.
void transfer_with_std_lock(Account& from, Account& to, long amount) {
    if (&from == &to) return;
    std::unique_lock lock_from(from.mutex, std::defer_lock);
    std::unique_lock lock_to(to.mutex, std::defer_lock);
    std::lock(lock_from, lock_to);
    from.balance -= amount;
    to.balance += amount;
}

template <typename Transfer>
void run(const char* name, Transfer transfer_fn) {
    Account a, b;
    const auto start = std::chrono::steady_clock::now();
    {
        // Opposite directions, as in 01: one thread names A first, the other B first.
        std::jthread a_to_b([&] {
            for (int i = 0; i < 100'000; ++i) transfer_fn(a, b, 3);
        });
        std::jthread b_to_a([&] {
            for (int i = 0; i < 100'000; ++i) transfer_fn(b, a, 3);
        });
    }
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    // Both threads are joined: join() makes their writes visible here without a lock.
    std::cout << name << ": 2 x 100000 transfers in " << ms.count() << " ms, A = " << a.balance
              << ", B = " << b.balance << ", total " << a.balance + b.balance << '\n';
}

int main() {
    run("std::scoped_lock", transfer);
    run("std::lock       ", transfer_with_std_lock);
    std::cout << "no deadlock; the same amounts went each way, so A and B are back at 1000\n";
}

// Output of one run (the times vary from run to run; the balances do not):
//
//   $ ./02_scoped_lock
//   std::scoped_lock: 2 x 100000 transfers in <n> ms, A = 1000, B = 1000, total 2000
//   std::lock       : 2 x 100000 transfers in <n> ms, A = 1000, B = 1000, total 2000
//   no deadlock; the same amounts went each way, so A and B are back at 1000
