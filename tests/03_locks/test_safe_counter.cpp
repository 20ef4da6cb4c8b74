// test_safe_counter.cpp: tests for SafeCounter, the articles' locked `counter += 1` kept inside a class.
#include <doctest/doctest.h>

#include <atomic>
#include <vector>

#include "bounded_sync.hpp"
#include "safe_counter.hpp"

using course::SafeCounter;
using course_test::run_together;

TEST_CASE("a new counter reads zero, or the value it was given") {
    const SafeCounter fresh;
    CHECK(fresh.value() == 0);
    const SafeCounter started(42);
    CHECK(started.value() == 42);
}

TEST_CASE("increment adds one and add adds any amount, negative included") {
    SafeCounter counter;
    counter.increment();
    counter.increment();
    CHECK(counter.value() == 2);
    counter.add(40);
    CHECK(counter.value() == 42);
    counter.add(-50);
    CHECK(counter.value() == -8);
}

TEST_CASE("values beyond the range of int are kept exactly") {
    // The value is a long: five billion does not fit in an int.
    SafeCounter counter(3'000'000'000L);
    counter.add(2'000'000'000L);
    CHECK(counter.value() == 5'000'000'000L);
    counter.increment();
    CHECK(counter.value() == 5'000'000'001L);
    CHECK(counter.increment_if_below(6'000'000'000L));
    CHECK_FALSE(counter.increment_if_below(5'000'000'002L));
    CHECK(counter.value() == 5'000'000'002L);
    counter.add(-5'000'000'002L);
    CHECK(counter.value() == 0);
}

TEST_CASE("increment_if_below counts up to the limit and no further") {
    SafeCounter counter;
    CHECK(counter.increment_if_below(2));
    CHECK(counter.increment_if_below(2));
    CHECK_FALSE(counter.increment_if_below(2));
    CHECK(counter.value() == 2);
    CHECK_FALSE(counter.increment_if_below(0));
    CHECK(counter.value() == 2);
    CHECK(counter.increment_if_below(10));
    CHECK(counter.value() == 3);
}

TEST_CASE("four threads incrementing together lose no update") {
    // The articles' two functions incrementing one variable, with more threads. Without
    // the lock some increments vanish; and even when the total comes out right by luck,
    // the ThreadSanitizer build of this test reports the race.
    constexpr int threads = 4;
    constexpr int per_thread = 20'000;
    SafeCounter counter;
    run_together(threads, [&](int) {
        for (int i = 0; i < per_thread; ++i) counter.increment();
    });
    CHECK(counter.value() == threads * per_thread);
}

TEST_CASE("adds from several threads give the exact sum") {
    constexpr int threads = 4;
    constexpr int per_thread = 10'000;
    SafeCounter counter(1000);
    run_together(threads, [&](int t) {
        // Thread t adds t + 1 each time; thread 0 also takes some away.
        for (int i = 0; i < per_thread; ++i) {
            counter.add(t + 1);
            if (t == 0) counter.add(-1);
        }
    });
    CHECK(counter.value() == 1000 + per_thread * (2 + 3 + 4));
}

TEST_CASE("a reader sees the value only grow while other threads increment") {
    // value() races with increment() unless it takes the same lock: TSan reports it. The
    // writers go on until the reader has finished, so that every read overlaps with them,
    // and the reader goes on until the writers have written many times, so that a reader
    // that happens to start first cannot finish before any write. The writers count their
    // progress with relaxed operations, which order nothing: ThreadSanitizer still sees a
    // value() without the lock as unordered with increment().
    constexpr int writers = 3;
    constexpr long reads = 30'000;
    constexpr long writes_to_overlap = 3'000;
    SafeCounter counter;
    const SafeCounter& reader_view = counter;
    std::atomic<bool> reading{true};
    std::atomic<long> writes_done{0};
    std::atomic<int> writers_running{writers};
    std::vector<long> increments(writers, 0);
    bool went_down = false;
    run_together(writers + 1, [&](int t) {
        if (t < writers) {
            struct LeaveOnExit {
                std::atomic<int>& running;
                ~LeaveOnExit() { running.fetch_sub(1); }
            } leave{writers_running};
            long done = 0;
            while (reading.load()) {
                counter.increment();
                writes_done.fetch_add(1, std::memory_order_relaxed);
                ++done;
            }
            increments[static_cast<std::size_t>(t)] = done;
            return;
        }
        struct StopOnExit {
            std::atomic<bool>& flag;
            ~StopOnExit() { flag.store(false); }
        } stop{reading};
        long last = 0;
        // A writer that throws (an unfinished increment()) leaves: the reader stops waiting
        // for writes that will never come.
        for (long i = 0; i < reads || (writes_done.load(std::memory_order_relaxed) < writes_to_overlap &&
                                        writers_running.load() == writers);
             ++i) {
            const long now = reader_view.value();
            went_down = went_down || now < last;
            last = now;
        }
    });
    long total = 0;
    for (const long done : increments) total += done;
    CHECK_FALSE(went_down);
    CHECK(counter.value() == total);
}

TEST_CASE("the limit is never exceeded, even when many threads reach it together") {
    // Checking under one lock and incrementing under another lets two threads both see
    // "one seat left" and both take it. Many short rounds give that gap many chances.
    constexpr int threads = 4;
    constexpr int rounds = 1000;
    constexpr long limit = 20;
    int rounds_over = 0;
    long worst = 0;
    for (int round = 0; round < rounds; ++round) {
        SafeCounter seats;
        run_together(threads, [&](int) {
            while (seats.increment_if_below(limit)) {
            }
        });
        const long sold = seats.value();
        if (sold != limit) ++rounds_over;
        if (sold > worst) worst = sold;
    }
    INFO("the worst round ended at " << worst << " for a limit of " << limit);
    CHECK(rounds_over == 0);
}

TEST_CASE("a limit of one lets one thread in at a time, however often they all try") {
    // The counter as a one-seat room: increment_if_below(1) enters, add(-1) leaves. Every
    // entry is a race for the last seat, so a check and an increment under two locks get
    // tens of thousands of chances here instead of one per round: another thread checks
    // between them, and two threads are inside together.
    constexpr int threads = 4;
    constexpr long attempts_each = course_test::thread_sanitizer ? 5'000 : 50'000;
    SafeCounter seat;
    std::atomic<int> inside{0};
    std::atomic<long> crowded{0};
    std::atomic<long> entries{0};
    run_together(threads, [&](int) {
        for (long attempt = 0;
             attempt < attempts_each && crowded.load(std::memory_order_relaxed) == 0; ++attempt) {
            if (!seat.increment_if_below(1)) continue;
            entries.fetch_add(1, std::memory_order_relaxed);
            if (inside.fetch_add(1) != 0) crowded.fetch_add(1);
            if (seat.value() != 1) crowded.fetch_add(1);
            inside.fetch_sub(1);
            seat.add(-1);
        }
    });
    INFO(entries.load() << " entries in all");
    CHECK_MESSAGE(
        crowded.load() == 0,
        "two threads got the only seat at the same time: check and increment under one lock");
    CHECK(entries.load() > 0);
    CHECK(seat.value() == 0);
}

TEST_CASE("every success of increment_if_below is one increment, exactly") {
    constexpr int threads = 4;
    constexpr long limit = 30'000;
    SafeCounter counter;
    std::vector<long> successes(threads, 0);
    run_together(threads, [&](int t) {
        // Each thread also tries once more after its first refusal: still refused.
        while (counter.increment_if_below(limit)) ++successes[static_cast<std::size_t>(t)];
        if (counter.increment_if_below(limit)) ++successes[static_cast<std::size_t>(t)];
    });
    long total_successes = 0;
    for (const long s : successes) total_successes += s;
    CHECK(total_successes == limit);
    CHECK(counter.value() == limit);
}
