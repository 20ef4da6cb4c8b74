// 01_lock_order_deadlock.cpp: two threads take two locks in opposite order and really deadlock; a watchdog reports who holds and waits for what, and exits 1.
//
// This program deadlocks on purpose; its exit status 1 is its point (the chapter's
// CMakeLists.txt declares it). ThreadSanitizer stays silent here: it reports a lock-order
// inversion when a lock is acquired, and the second locks never are (see 10_tsan_lock_order).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <latch>
#include <mutex>
#include <thread>

using namespace std::chrono_literals;

// Two bank accounts, each with its own lock. A transfer locks both accounts.
struct Account {
    explicit Account(const char* account_name) : name(account_name) {}
    const char* name;
    std::mutex mutex;
    long balance = 100;
};

// What each thread holds and waits for, written before each step so that the
// watchdog can read it while the thread is stuck inside lock().
struct ThreadState {
    std::atomic<const char*> holds{"nothing"};
    std::atomic<const char*> waits_for{"nothing"};
};

Account account_a("account A"), account_b("account B");
ThreadState state[2];
std::latch both_hold_their_first_lock{2};

std::mutex done_mutex;
std::condition_variable done_cv;
int transfers_done = 0;

void transfer(int id, Account& from, Account& to, long amount) {
    state[id].waits_for = from.name;
    std::lock_guard first(from.mutex);
    state[id].waits_for = "nothing";
    state[id].holds = from.name;

    // We make both threads hold their first lock before either asks for its second.
    // That is the unlucky interleaving, forced on every run; without the latch the
    // same code deadlocks only now and then, which is worse: it passes the tests.
    both_hold_their_first_lock.arrive_and_wait();

    state[id].waits_for = to.name;
    std::lock_guard second(to.mutex);  // never returns: the other thread holds `to`
    from.balance -= amount;
    to.balance += amount;

    std::lock_guard lock(done_mutex);
    ++transfers_done;
    done_cv.notify_one();
}

int main() {
    // Thread 0 moves money A -> B and locks A first; thread 1 moves B -> A and locks B first.
    std::thread t0(transfer, 0, std::ref(account_a), std::ref(account_b), 10);
    std::thread t1(transfer, 1, std::ref(account_b), std::ref(account_a), 20);

    // The main thread is the watchdog: two transfers take microseconds, so no
    // progress within one second means the threads are stuck.
    std::unique_lock lock(done_mutex);
    if (done_cv.wait_for(lock, 1s, [] { return transfers_done == 2; })) {
        lock.unlock();
        t0.join();
        t1.join();
        std::cout << "both transfers finished: no deadlock this time\n";
        return 0;
    }

    std::cout << "watchdog: no progress for 1 s\n";
    for (int id = 0; id < 2; ++id)
        std::cout << "  thread " << id << " holds " << state[id].holds.load() << " and waits for "
                  << state[id].waits_for.load() << '\n';
    std::cout << "each waits for a lock the other holds: a cycle, so neither can ever go on\n";
    // A thread blocked in lock() cannot be cancelled, and joining it would hang. All a
    // program can do is end the whole process: std::_Exit skips the destructors (the
    // std::thread objects are still joinable), so we flush std::cout by hand first.
    std::cout << "deadlock detected: exiting with status 1 on purpose" << std::endl;
    std::_Exit(1);
}

// Output of one run (the same on every run; the exit status is 1 on purpose):
//
//   $ ./01_lock_order_deadlock
//   watchdog: no progress for 1 s
//     thread 0 holds account A and waits for account B
//     thread 1 holds account B and waits for account A
//   each waits for a lock the other holds: a cycle, so neither can ever go on
//   deadlock detected: exiting with status 1 on purpose
