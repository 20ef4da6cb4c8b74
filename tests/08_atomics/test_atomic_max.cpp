// test_atomic_max.cpp: tests for fetch_max and fetch_update, compare-exchange loops, with the other thread's step forced where it hurts.
#include <doctest/doctest.h>

#include <atomic>
#include <cstddef>
#include <functional>
#include <stdexcept>
#include <vector>

#include "atomic_max.hpp"
#include "bounded_sync.hpp"

using course::fetch_max;
using course::fetch_update;
using course_test::run_together;

namespace {

// A std::atomic<T> with the members the exercise may use, and one more power: the test
// can make "another thread" change the value right after the code under test first reads
// it (by a load, or by a compare-exchange that fails), before it writes anything. That is
// the interleaving which breaks a load followed by a store; on a real machine it happens
// once in a while, here it happens every time. A loop that keeps retrying with a value it
// never reloads is stopped after many failures, so that it fails instead of spinning.
template <typename T>
class ScriptedAtomic {
public:
    using value_type = T;

    explicit ScriptedAtomic(T initial) : value_(initial) {}

    // `meddle` runs once, right after the first read; it gets the value to change.
    void after_first_read(std::function<void(std::atomic<T>&)> meddle) {
        meddle_ = std::move(meddle);
    }

    T load(std::memory_order order = std::memory_order_seq_cst) const {
        const T seen = value_.load(order);
        read_happened();
        return seen;
    }
    void store(T desired, std::memory_order order = std::memory_order_seq_cst) {
        value_.store(desired, order);
    }
    T exchange(T desired, std::memory_order order = std::memory_order_seq_cst) {
        return value_.exchange(desired, order);
    }
    bool compare_exchange_weak(T& expected, T desired,
                               std::memory_order order = std::memory_order_seq_cst) {
        return compare_exchange(expected, desired, order);
    }
    bool compare_exchange_weak(T& expected, T desired, std::memory_order success,
                               std::memory_order /*failure*/) {
        return compare_exchange(expected, desired, success);
    }
    bool compare_exchange_strong(T& expected, T desired,
                                 std::memory_order order = std::memory_order_seq_cst) {
        return compare_exchange(expected, desired, order);
    }
    bool compare_exchange_strong(T& expected, T desired, std::memory_order success,
                                 std::memory_order /*failure*/) {
        return compare_exchange(expected, desired, success);
    }

    // The value as it is now, for the test's checks (not a read that triggers anything).
    T now() const { return value_.load(); }

private:
    bool compare_exchange(T& expected, T desired, std::memory_order order) {
        if (value_.compare_exchange_strong(expected, desired, order)) {
            failures_in_a_row_ = 0;
            return true;
        }
        if (++failures_in_a_row_ > 10'000) {
            throw std::runtime_error(
                "compare_exchange failed 10000 times in a row: the loop retries with a value "
                "it never reloads");
        }
        read_happened();  // a failed compare-exchange has read the value into `expected`
        return false;
    }

    void read_happened() const {
        if (!meddle_) return;
        auto meddle = std::move(meddle_);
        meddle_ = nullptr;
        meddle(value_);
    }

    mutable std::atomic<T> value_;
    mutable std::function<void(std::atomic<T>&)> meddle_;
    int failures_in_a_row_ = 0;
};

}  // namespace

TEST_CASE("fetch_max raises a smaller value and returns the one it replaced") {
    std::atomic<long> target{0};
    CHECK(fetch_max(target, 42L) == 0);
    CHECK(target.load() == 42);
    CHECK(fetch_max(target, 100L) == 42);
    CHECK(target.load() == 100);
}

TEST_CASE("fetch_max leaves a value that is as large or larger, and returns it") {
    std::atomic<long> target{42};
    CHECK(fetch_max(target, 7L) == 42);
    CHECK(target.load() == 42);
    CHECK(fetch_max(target, 42L) == 42);
    CHECK(target.load() == 42);
}

TEST_CASE("fetch_max works with negative numbers, int and double") {
    std::atomic<int> below_zero{-10};
    CHECK(fetch_max(below_zero, -20) == -10);
    CHECK(below_zero.load() == -10);
    CHECK(fetch_max(below_zero, -5) == -10);
    CHECK(below_zero.load() == -5);

    std::atomic<double> temperature{20.5};
    CHECK(fetch_max(temperature, 21.25) == 20.5);
    CHECK(temperature.load() == 21.25);
    CHECK(fetch_max(temperature, 19.0) == 21.25);
    CHECK(temperature.load() == 21.25);
}

TEST_CASE("fetch_max never undoes a larger value another thread stored after its read") {
    // We read 5 and want 7; meanwhile another thread stores 10. Storing 7 now would lose it.
    ScriptedAtomic<long> target(5);
    target.after_first_read([](std::atomic<long>& value) { value.store(10); });
    const long before = fetch_max(target, 7L);
    CHECK(target.now() == 10);
    CHECK(before == 10);
}

TEST_CASE("fetch_max tries again when another thread stored a smaller raise after its read") {
    // We read 5 and want 7; meanwhile another thread raises it to 6. Our compare-exchange
    // fails, and 7 must still win, replacing the 6.
    ScriptedAtomic<long> target(5);
    target.after_first_read([](std::atomic<long>& value) { value.store(6); });
    const long before = fetch_max(target, 7L);
    CHECK(target.now() == 7);
    CHECK(before == 6);
}

TEST_CASE("fetch_max from four threads at once keeps the largest value, which never goes down") {
    constexpr int threads = 4;
    constexpr long per_thread = 20'000;
    std::atomic<long> target{-1};
    std::vector<int> went_down(threads, 0);
    run_together(threads, [&](int t) {
        // The threads climb in steps, interleaved: thread t offers t, t + 4, t + 8, ...
        long last_seen = -1;
        for (long i = 0; i < per_thread; ++i) {
            const long seen = fetch_max(target, i * threads + t);
            if (seen < last_seen) ++went_down[static_cast<std::size_t>(t)];
            last_seen = seen;
        }
    });
    CHECK(target.load() == per_thread * threads - 1);
    for (int t = 0; t < threads; ++t) {
        INFO("thread " << t);
        CHECK(went_down[static_cast<std::size_t>(t)] == 0);
    }
}

TEST_CASE("fetch_update stores update(v) and returns v") {
    std::atomic<int> flags{0b0001};
    CHECK(fetch_update(flags, [](int v) { return v | 0b0100; }) == 0b0001);
    CHECK(flags.load() == 0b0101);
    std::atomic<long> money{10};
    CHECK(fetch_update(money, [](long v) { return v * 3; }) == 10);
    CHECK(money.load() == 30);
}

TEST_CASE("fetch_update computes again from the new value when another thread got in between") {
    ScriptedAtomic<long> target(5);
    target.after_first_read([](std::atomic<long>& value) { value.store(6); });
    std::vector<long> applied_to;
    const long before = fetch_update(target, [&applied_to](long v) {
        applied_to.push_back(v);
        return v * 2;
    });
    CHECK(target.now() == 12);  // doubled from 6, not 10 computed from the stale 5
    CHECK(before == 6);
    REQUIRE_FALSE(applied_to.empty());
    CHECK(applied_to.back() == 6);
}

TEST_CASE("fetch_update from four threads at once loses no update") {
    constexpr int threads = 4;
    constexpr long per_thread = 20'000;
    std::atomic<long> count{0};
    run_together(threads, [&](int) {
        for (long i = 0; i < per_thread; ++i)
            fetch_update(count, [](long v) { return v + 1; });
    });
    CHECK(count.load() == threads * per_thread);
}

TEST_CASE("a conditional fetch_update from four threads stops exactly at its limit") {
    // "Add one unless it is 1000": a ticket counter that never sells seat 1001.
    constexpr int threads = 4;
    constexpr long limit = 1000;
    std::atomic<long> sold{0};
    std::vector<long> tickets(threads, 0);
    run_together(threads, [&](int t) {
        for (int i = 0; i < 500; ++i) {
            const long before = fetch_update(sold, [](long v) { return v < limit ? v + 1 : v; });
            if (before < limit) ++tickets[static_cast<std::size_t>(t)];
        }
    });
    long total = 0;
    for (const long n : tickets)
        total += n;
    CHECK(sold.load() == limit);
    CHECK(total == limit);
}
