// test_latch_from_atomics.cpp: tests for Latch, std::latch rebuilt from an atomic counter with compare-exchange and wait/notify.
#include <doctest/doctest.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "bounded_sync.hpp"
#include "bounded_waits.hpp"
#include "latch_from_atomics.hpp"
#include "asleep_or_spinning.hpp"

using course::Latch;
using course_test::Crew;
using course_test::patience;
using course_test::run_together;

// Threads that may get stuck in a wrong wait() share the latch through a shared_ptr: a
// stuck thread is left behind when the test gives up, and must not outlive what it uses.

namespace {

// Starts a thread that records its kernel id, then waits on `latch`; `returned` turns
// true when wait() has returned.
void start_waiter(Crew& crew, const std::shared_ptr<Latch>& latch,
                  const std::shared_ptr<std::atomic<pid_t>>& tid,
                  const std::shared_ptr<std::atomic<bool>>& returned) {
    crew.start([latch, tid, returned] {
        tid->store(course_test::kernel_thread_id());
        latch->wait();
        returned->store(true);
    });
}

}  // namespace

TEST_CASE("a latch of zero is open from the start") {
    Latch open(0);
    CHECK(open.try_wait());
    open.wait();  // returns at once
    CHECK(open.try_wait());
}

TEST_CASE("a negative count is rejected") {
    CHECK_THROWS_AS(Latch(-1), std::invalid_argument);
}

TEST_CASE("count_down counts, and try_wait turns true exactly at zero") {
    Latch latch(3);
    CHECK_FALSE(latch.try_wait());
    latch.count_down();
    CHECK_FALSE(latch.try_wait());
    latch.count_down(2);
    CHECK(latch.try_wait());
    latch.wait();  // open: returns at once
}

TEST_CASE("count_down rejects a negative n and more counts than are left, changing nothing") {
    Latch latch(2);
    CHECK_THROWS_AS(latch.count_down(-1), std::invalid_argument);
    CHECK_THROWS_AS(latch.count_down(3), std::logic_error);
    CHECK_FALSE(latch.try_wait());
    latch.count_down(0);
    CHECK_FALSE(latch.try_wait());
    latch.count_down(2);  // still 2 left: the failed calls took nothing
    CHECK(latch.try_wait());
    CHECK_THROWS_AS(latch.count_down(1), std::logic_error);
    CHECK(latch.try_wait());
}

TEST_CASE("a waiting thread sleeps instead of spinning, and wakes when the count reaches zero") {
    auto latch = std::make_shared<Latch>(1);
    auto tid = std::make_shared<std::atomic<pid_t>>(0);
    auto returned = std::make_shared<std::atomic<bool>>(false);
    Crew waiter;
    start_waiter(waiter, latch, tid, returned);
    const pid_t id = course_test::wait_for_thread_id(*tid, patience);
    REQUIRE(id != 0);
    // A wait built on atomic::wait sleeps in the kernel; a loop around load() (with or
    // without yield) keeps the thread running, and the kernel says so.
    CHECK_MESSAGE(course_test::stays_asleep_within(id, patience),
                  "the thread in wait() never fell asleep: is wait() a loop that spins?");
    CHECK_FALSE(returned->load());
    latch->count_down();
    CHECK_MESSAGE(waiter.finish_within(patience),
                  "wait() did not return after the count reached zero");
    CHECK(returned->load());
}

TEST_CASE("wait blocks while the count is above zero, through every count_down but the last") {
    auto latch = std::make_shared<Latch>(3);
    auto tid = std::make_shared<std::atomic<pid_t>>(0);
    auto returned = std::make_shared<std::atomic<bool>>(false);
    Crew waiter;
    start_waiter(waiter, latch, tid, returned);
    const pid_t id = course_test::wait_for_thread_id(*tid, patience);
    REQUIRE(id != 0);
    course_test::stays_asleep_within(id, patience);  // asleep, or (a wrong wait) not
    latch->count_down();
    latch->count_down();
    course_test::give_wrong_code_a_chance();  // a wait() that returns too early does it now
    CHECK_FALSE(returned->load());
    latch->count_down();
    CHECK_MESSAGE(waiter.finish_within(patience),
                  "wait() did not return after the count reached zero");
    CHECK(returned->load());
}

TEST_CASE("every waiting thread wakes when the count reaches zero") {
    // Three threads asleep in wait(); the last count_down must wake all three. A notify
    // that wakes one (notify_one) leaves the other two asleep for ever.
    constexpr int waiters = 3;
    auto latch = std::make_shared<Latch>(1);
    auto returned = std::make_shared<std::atomic<bool>>(false);
    std::vector<std::shared_ptr<std::atomic<pid_t>>> tids;
    Crew crew;
    for (int w = 0; w < waiters; ++w) {
        tids.push_back(std::make_shared<std::atomic<pid_t>>(0));
        start_waiter(crew, latch, tids.back(), returned);
    }
    for (const auto& tid : tids) {
        const pid_t id = course_test::wait_for_thread_id(*tid, patience);
        REQUIRE(id != 0);
        course_test::stays_asleep_within(id, patience);
    }
    latch->count_down();
    CHECK_MESSAGE(crew.finish_within(patience),
                  "only " << crew.finished() << " of " << waiters << " waiting threads woke up");
}

TEST_CASE("wait for all: what the workers wrote before count_down is visible after wait") {
    // Each worker writes its result into a plain variable, then counts down. Reading the
    // results after wait() is only safe because the count_downs release and wait()
    // acquires; a relaxed one is a data race on the results, which ThreadSanitizer reports.
    constexpr int workers = 4;
    constexpr int rounds = 50;
    int wrong = 0;
    for (int round = 0; round < rounds; ++round) {
        Latch done(workers);
        std::vector<std::string> results(workers);
        std::vector<std::string> read_back;
        run_together(workers + 1, [&](int t) {
            if (t < workers) {
                results[static_cast<std::size_t>(t)] =
                    "result " + std::to_string(round * workers + t);
                done.count_down();
                return;
            }
            done.wait();
            read_back = results;
        });
        for (int t = 0; t < workers; ++t) {
            if (read_back.at(static_cast<std::size_t>(t)) !=
                "result " + std::to_string(round * workers + t)) {
                ++wrong;
            }
        }
    }
    CHECK(wrong == 0);
}

TEST_CASE("try_wait returning true shows what the workers wrote before count_down") {
    constexpr int workers = 3;
    constexpr int rounds = 50;
    int wrong = 0;
    for (int round = 0; round < rounds; ++round) {
        Latch done(workers);
        std::vector<long> results(workers, 0);
        long sum = -1;
        run_together(workers + 1, [&](int t) {
            if (t < workers) {
                results[static_cast<std::size_t>(t)] = round + t + 1;
                done.count_down();
                return;
            }
            const auto deadline = std::chrono::steady_clock::now() + patience;
            while (!done.try_wait()) {
                if (std::chrono::steady_clock::now() > deadline) return;
                std::this_thread::yield();
            }
            sum = results[0] + results[1] + results[2];
        });
        if (sum != 3 * round + 6) ++wrong;
    }
    CHECK(wrong == 0);
}

TEST_CASE("arrive_and_wait lets nobody go before everybody has arrived") {
    constexpr int parties = 4;
    constexpr int rounds = 50;
    int early = 0;
    for (int round = 0; round < rounds; ++round) {
        Latch start_line(parties);
        std::vector<int> arrived(parties, 0);
        std::vector<int> seen_by(parties, 0);
        run_together(parties, [&](int t) {
            arrived[static_cast<std::size_t>(t)] = 1;
            start_line.arrive_and_wait();
            int seen = 0;
            for (const int a : arrived)
                seen += a;
            seen_by[static_cast<std::size_t>(t)] = seen;
        });
        for (const int seen : seen_by) {
            if (seen != parties) ++early;
        }
    }
    CHECK(early == 0);
}

TEST_CASE("counts from many threads at once are never lost, and never go below zero") {
    // 4 threads try 500 count_downs each on a latch of 1000: exactly 1000 succeed, the
    // rest are refused with std::logic_error.
    constexpr int threads = 4;
    constexpr int tries = 500;
    constexpr int count = 1000;
    Latch latch(count);
    std::vector<int> succeeded(threads, 0);
    std::vector<int> refused(threads, 0);
    run_together(threads, [&](int t) {
        for (int i = 0; i < tries; ++i) {
            try {
                latch.count_down();
                ++succeeded[static_cast<std::size_t>(t)];
            } catch (const std::logic_error&) {
                ++refused[static_cast<std::size_t>(t)];
            }
        }
    });
    int total = 0;
    int total_refused = 0;
    for (int t = 0; t < threads; ++t) {
        total += succeeded[static_cast<std::size_t>(t)];
        total_refused += refused[static_cast<std::size_t>(t)];
    }
    CHECK(total == count);
    CHECK(total_refused == threads * tries - count);
    CHECK(latch.try_wait());
}
