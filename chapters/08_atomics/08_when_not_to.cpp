// 08_when_not_to.cpp: when atomics are the wrong tool: two atomic balances cannot keep one invariant, and an uncontended mutex costs little more than an atomic.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>

constexpr long total = 1000;
constexpr long transfers = 200'000;

// Two accounts, each balance an atomic: every single operation is indivisible, and still
// the pair is not. A transfer is two operations, and between them the money is nowhere.
struct AtomicAccounts {
    std::atomic<long> a{total};
    std::atomic<long> b{0};

    void transfer_to_b(long amount) {
        a.fetch_sub(amount);
        b.fetch_add(amount);  // an audit that runs between these two lines sees too little
    }
    void transfer_to_a(long amount) {
        b.fetch_sub(amount);
        a.fetch_add(amount);
    }
    long audit() const { return a.load() + b.load(); }
};

// The same accounts under one mutex: the invariant a + b == total holds at every moment
// another thread can look, because looking needs the same mutex.
struct LockedAccounts {
    mutable std::mutex mutex;
    long a = total;
    long b = 0;

    void transfer_to_b(long amount) {
        std::lock_guard lock(mutex);
        a -= amount;
        b += amount;
    }
    void transfer_to_a(long amount) {
        std::lock_guard lock(mutex);
        b -= amount;
        a += amount;
    }
    long audit() const {
        std::lock_guard lock(mutex);
        return a + b;
    }
};

// One thread moves money back and forth while another audits; returns the number of
// audits that did not find `total`.
template <typename Accounts>
long wrong_audits() {
    Accounts accounts;
    std::atomic<bool> moving{true};
    long wrong = 0;
    {
        std::jthread auditor([&] {
            while (moving.load()) {
                if (accounts.audit() != total) ++wrong;
            }
        });
        for (long i = 0; i < transfers; ++i) {
            accounts.transfer_to_b(7);
            accounts.transfer_to_a(7);
        }
        moving.store(false);
    }
    return wrong;
}

// Nanoseconds per increment on one thread, with no other thread around: the usual case.
template <typename Increment>
double ns_uncontended(Increment increment) {
    constexpr long steps = 1'000'000;
    double t[3];
    for (double& x : t) {
        const auto start = std::chrono::steady_clock::now();
        for (long i = 0; i < steps; ++i)
            increment();
        const std::chrono::duration<double, std::nano> elapsed =
            std::chrono::steady_clock::now() - start;
        x = elapsed.count() / steps;
    }
    std::sort(t, t + 3);
    return t[1];
}

int main() {
    std::printf("hardware_concurrency() = %u; %ld transfers each way\n",
                std::thread::hardware_concurrency(), transfers);

    // 1. An invariant over two variables needs a lock (or one atomic holding both).
    std::printf("two atomic balances: %ld audits saw money missing\n",
                wrong_audits<AtomicAccounts>());
    std::printf("one mutex:           %ld audits saw money missing\n",
                wrong_audits<LockedAccounts>());

    // 2. What the lock costs when nobody else wants it: one atomic exchange to lock, one
    //    store to unlock, no system call. Contention is what makes locks expensive, and it
    //    makes atomics expensive too (the cache line moves between cores either way).
    std::atomic<long> atomic_count{0};
    std::mutex mutex;
    long locked_count = 0;
    const double atomic_ns = ns_uncontended([&] { atomic_count.fetch_add(1); });
    const double mutex_ns = ns_uncontended([&] {
        std::lock_guard lock(mutex);
        ++locked_count;
    });
    std::printf("uncontended fetch_add:            %.1f ns\n", atomic_ns);
    std::printf("uncontended lock, ++, unlock:     %.1f ns\n", mutex_ns);
    std::printf("locks first; atomics where a measurement says the lock is the problem\n");
}

// Output of one run (the count of wrong audits with two atomics varies from run to run, and
// is small or 0 when the two threads rarely run at the same time; with the mutex it is
// always 0; the times depend on the machine):
//
//   $ ./08_when_not_to
//   hardware_concurrency() = <n>; 200000 transfers each way
//   two atomic balances: <n> audits saw money missing
//   one mutex:           0 audits saw money missing
//   uncontended fetch_add:            <n> ns
//   uncontended lock, ++, unlock:     <n> ns
//   locks first; atomics where a measurement says the lock is the problem
