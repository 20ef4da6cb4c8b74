// 03_lock_types.cpp: unique_lock (unlock early, try, move) and scoped_lock (several mutexes at once, no deadlock).
#include <iostream>
#include <mutex>
#include <string>
#include <thread>

// unique_lock: a lock_guard that can also be unlocked early, re-locked, tried, moved,
// and handed to a condition variable (chapter 04). It costs a flag, so we use it only
// when we need one of those.
std::mutex stats_mutex;

void try_to_report(const std::string& who) {
    // try_to_lock: take the mutex only if it is free right now, never wait for it.
    std::unique_lock lock(stats_mutex, std::try_to_lock);
    std::cout << who + (lock.owns_lock() ? ": got the lock, reporting\n" : ": lock busy, skipping\n");
}

void demo_unique_lock() {
    std::unique_lock lock(stats_mutex);  // main holds it
    // While we hold it, the thread's try must fail: this outcome does not depend on timing.
    std::thread busy(try_to_report, "thread 1");
    busy.join();

    lock.unlock();  // release early, before the end of the scope
    std::thread free_now(try_to_report, "thread 2");
    free_now.join();

    lock.lock();  // and take it again; the destructor will release it
    std::cout << "main: holds the lock again: " << std::boolalpha << lock.owns_lock() << '\n';
}

// scoped_lock: locks any number of mutexes as one step, using a deadlock-avoiding
// algorithm (the same as std::lock). Two transfers in opposite directions would each
// take their "from" lock first and wait forever for the other one; with scoped_lock
// they cannot. Chapter 05 is all about that deadlock.
struct Account {
    std::mutex mutex;
    long balance = 0;
};

void transfer(Account& from, Account& to, long amount) {
    std::scoped_lock lock(from.mutex, to.mutex);
    from.balance -= amount;
    to.balance += amount;
}

void demo_scoped_lock() {
    Account alice;
    Account bob;
    alice.balance = 100'000;
    bob.balance = 100'000;
    {
        std::jthread alice_pays([&] { for (int i = 0; i < 100'000; ++i) transfer(alice, bob, 3); });
        std::jthread bob_pays([&] { for (int i = 0; i < 100'000; ++i) transfer(bob, alice, 2); });
    }
    // No thread runs now, so we may read the balances without the locks.
    std::cout << "alice " << alice.balance << ", bob " << bob.balance << ", total "
              << alice.balance + bob.balance << " (it must stay 200000)\n";
}

int main() {
    demo_unique_lock();
    demo_scoped_lock();
}

// Output of one run (always the same):
//
//   $ ./03_lock_types
//   thread 1: lock busy, skipping
//   thread 2: got the lock, reporting
//   main: holds the lock again: true
//   alice 0, bob 200000, total 200000 (it must stay 200000)
