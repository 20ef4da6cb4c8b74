// 03_store_buffering.cpp: the store-buffering litmus test: both threads read 0, an outcome seq_cst forbids and release/acquire allows; and what seq_cst costs.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

constexpr long rounds = 100'000;

// A meeting point for the two threads that spins instead of sleeping, so that both leave it
// within nanoseconds of each other: the litmus test needs them to overlap. Meeting k is
// passed once both threads have arrived k times. After a few hundred spins we yield, so
// that a thread that lost its CPU (this machine is shared) gets it back.
class SpinMeeting {
  public:
    void arrive_and_wait(long k) {
        arrivals_.fetch_add(1, std::memory_order_acq_rel);
        for (int spins = 0; arrivals_.load(std::memory_order_acquire) < 2 * k; ++spins) {
            if (spins > 500) std::this_thread::yield();
        }
    }

  private:
    std::atomic<long> arrivals_{0};
};

// Thread one stores x then loads y; thread two stores y then loads x. If every operation
// took its turn in one global order (what seq_cst promises), the first store of that order
// would be seen by the other thread's load, so r1 == 0 && r2 == 0 could never happen.
template <std::memory_order store_order, std::memory_order load_order>
long count_both_zero() {
    std::atomic<int> x{0};
    std::atomic<int> y{0};
    int r1 = 0;  // written by thread one, read by thread one after the meetings: no race
    int r2 = 0;
    long both_zero = 0;
    SpinMeeting meeting;

    std::jthread two([&] {
        for (long round = 0; round < rounds; ++round) {
            meeting.arrive_and_wait(2 * round + 1);  // start together
            y.store(1, store_order);
            r2 = x.load(load_order);
            meeting.arrive_and_wait(2 * round + 2);  // both done
        }
    });
    for (long round = 0; round < rounds; ++round) {
        meeting.arrive_and_wait(2 * round + 1);
        x.store(1, store_order);
        r1 = y.load(load_order);
        meeting.arrive_and_wait(2 * round + 2);
        // Thread two waits at the next start line until we have reset the flags.
        if (r1 == 0 && r2 == 0) ++both_zero;
        x.store(0, std::memory_order_relaxed);
        y.store(0, std::memory_order_relaxed);
    }
    return both_zero;
}

// Nanoseconds for one store followed by one load of another variable, on one thread.
// A seq_cst store must not be overtaken by the load that follows it, so on x86 it is an
// `xchg` (or `mov` + `mfence`) that drains the store buffer; a release store is a plain `mov`.
template <std::memory_order store_order, std::memory_order load_order>
double ns_per_store_then_load() {
    constexpr long steps = 2'000'000;
    std::atomic<long> a{0};
    std::atomic<long> b{0};
    long sink = 0;
    const auto start = std::chrono::steady_clock::now();
    for (long i = 0; i < steps; ++i) {
        a.store(i, store_order);
        sink += b.load(load_order);
    }
    const std::chrono::duration<double, std::nano> elapsed =
        std::chrono::steady_clock::now() - start;
    return sink == 0 ? elapsed.count() / steps : -1.0;
}

template <std::memory_order store_order, std::memory_order load_order>
double median_of_3() {
    double t[3];
    for (double& x : t)
        x = ns_per_store_then_load<store_order, load_order>();
    if (t[0] > t[1]) std::swap(t[0], t[1]);
    if (t[1] > t[2]) std::swap(t[1], t[2]);
    if (t[0] > t[1]) std::swap(t[0], t[1]);
    return t[1];
}

int main() {
    std::printf("hardware_concurrency() = %u; %ld rounds per test\n",
                std::thread::hardware_concurrency(), rounds);

    // With release stores and acquire loads, each thread's load may be performed while its
    // own store still sits in the core's store buffer, invisible to the other core.
    const long weak = count_both_zero<std::memory_order_release, std::memory_order_acquire>();
    std::printf("release/acquire: r1 == 0 && r2 == 0 in %ld of %ld rounds\n", weak, rounds);

    // With seq_cst the outcome is forbidden, on every CPU, however many rounds we run.
    const long strong = count_both_zero<std::memory_order_seq_cst, std::memory_order_seq_cst>();
    std::printf("seq_cst:         r1 == 0 && r2 == 0 in %ld of %ld rounds\n", strong, rounds);

    // The price of that promise, paid on every seq_cst store.
    std::printf("one store + one load, release/acquire: %.1f ns\n",
                median_of_3<std::memory_order_release, std::memory_order_acquire>());
    std::printf("one store + one load, seq_cst:         %.1f ns\n",
                median_of_3<std::memory_order_seq_cst, std::memory_order_seq_cst>());
    return strong == 0 ? 0 : 1;
}

// Output of one run of an optimised build (g++ -O2) on a 2-vCPU x86-64 machine. The first
// count varies from run to run, and is 0 when the two threads rarely run at the same time
// (a busy machine, one core); the seq_cst count is always 0; the times depend on the machine:
//
//   $ ./03_store_buffering
//   hardware_concurrency() = <n>; 100000 rounds per test
//   release/acquire: r1 == 0 && r2 == 0 in <n> of 100000 rounds
//   seq_cst:         r1 == 0 && r2 == 0 in 0 of 100000 rounds
//   one store + one load, release/acquire: <n> ns
//   one store + one load, seq_cst:         <n> ns
//
// Output of one run without optimisation (g++ -O0), where g++ passes the memory order to its
// atomic built-ins as a variable, and a built-in that cannot see a constant order makes the
// strongest one: every store is seq_cst, the first count is 0 and both times are alike:
//
//   $ ./03_store_buffering
//   hardware_concurrency() = <n>; 100000 rounds per test
//   release/acquire: r1 == 0 && r2 == 0 in 0 of 100000 rounds
//   seq_cst:         r1 == 0 && r2 == 0 in 0 of 100000 rounds
//   one store + one load, release/acquire: <n> ns
//   one store + one load, seq_cst:         <n> ns
