// test_parallel_sum.cpp: tests for slice_count(), run_in_slices() and parallel_sum(), threads that really run at once.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <mutex>
#include <numeric>
#include <set>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "bounded_sync.hpp"
#include "bounded_waits.hpp"
#include "injected_failures.hpp"
#include "parallel_sum.hpp"
#include "platform.hpp"

using course::parallel_sum;
using course::run_in_slices;
using course::slice_count;
using course_test::patience;

namespace {

using Slice = std::pair<std::size_t, std::size_t>;

/// The [begin, end) of every slice, recorded by slice number.
std::vector<Slice> slices_of(std::size_t count, int threads) {
    std::vector<Slice> seen(slice_count(count, threads), Slice{99, 99});
    run_in_slices(count, threads, [&](std::size_t slice, std::size_t begin, std::size_t end) {
        seen.at(slice) = {begin, end};
    });
    return seen;
}

std::vector<std::int64_t> one_to(std::int64_t n) {
    std::vector<std::int64_t> values(static_cast<std::size_t>(n));
    std::iota(values.begin(), values.end(), std::int64_t{1});
    return values;
}

}  // namespace

TEST_CASE("the sum is right for every thread count from 1 to 8") {
    const auto values = one_to(1001);
    for (int threads = 1; threads <= 8; ++threads) {
        CAPTURE(threads);
        CHECK(parallel_sum(values, threads) == 1001 * 1002 / 2);
    }
}

TEST_CASE("the slices run on threads of their own, all at the same time") {
    // Each slice waits until all three have arrived. Run one after another (joining each
    // thread before starting the next), the first slice waits in vain and gives up.
    constexpr int threads = 3;
    course_test::Rendezvous meeting(threads);
    std::mutex mutex;
    std::set<std::thread::id> ids;
    std::atomic<int> met{0};
    const std::size_t used = run_in_slices(30, threads, [&](std::size_t, std::size_t, std::size_t) {
        if (meeting.arrive_and_wait_for(patience)) met.fetch_add(1);
        std::lock_guard lock(mutex);
        ids.insert(std::this_thread::get_id());
    });
    CHECK(used == threads);
    INFO("the slices did not all run at the same time: was a thread joined before the next one started?");
    CHECK(met.load() == threads);
    CHECK(ids.size() == threads);
    CHECK(ids.count(std::this_thread::get_id()) == 0);
}

TEST_CASE("the slices cover every index once, in order, the first ones one larger") {
    CHECK(slices_of(10, 4) == std::vector<Slice>{{0, 3}, {3, 6}, {6, 8}, {8, 10}});
    CHECK(slices_of(12, 4) == std::vector<Slice>{{0, 3}, {3, 6}, {6, 9}, {9, 12}});
    CHECK(slices_of(7, 3) == std::vector<Slice>{{0, 3}, {3, 5}, {5, 7}});
    CHECK(slices_of(5, 1) == std::vector<Slice>{{0, 5}});
}

TEST_CASE("the remainder is summed too") {
    // 10 numbers on 4 threads leave 2 over; 7 on 3 leave 1 over.
    CHECK(parallel_sum(one_to(10), 4) == 55);
    CHECK(parallel_sum(one_to(7), 3) == 28);
    CHECK(parallel_sum(std::vector<std::int64_t>{-5, 3, -7, 1000000000000}, 3) == 999999999991);
}

TEST_CASE("fewer items than threads start one thread per item") {
    CHECK(slice_count(3, 8) == 3);
    CHECK(slices_of(3, 8) == std::vector<Slice>{{0, 1}, {1, 2}, {2, 3}});
    CHECK(parallel_sum(one_to(3), 8) == 6);
}

TEST_CASE("nothing to do starts no thread") {
    std::atomic<int> calls{0};
    CHECK(run_in_slices(0, 4, [&](std::size_t, std::size_t, std::size_t) { calls.fetch_add(1); }) == 0);
    CHECK(calls.load() == 0);
    CHECK(slice_count(0, 0) == 0);
    CHECK(parallel_sum(std::vector<std::int64_t>{}, 4) == 0);
}

TEST_CASE("thread count 0 means one thread per hardware thread, at least one") {
    const std::size_t hardware = std::max(1U, std::thread::hardware_concurrency());
    CHECK(slice_count(1000, 0) == hardware);
    CHECK(slice_count(1, 0) == 1);
    std::atomic<std::size_t> calls{0};
    CHECK(run_in_slices(1000, 0, [&](std::size_t, std::size_t, std::size_t) { calls.fetch_add(1); }) == hardware);
    CHECK(calls.load() == hardware);
    CHECK(parallel_sum(one_to(1000)) == 500500);
}

TEST_CASE("a large sum on several threads matches std::accumulate") {
    // Many threads writing their results at the same time: a shared total would race here.
    std::vector<std::int64_t> values(200000);
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<std::int64_t>(i % 1000) - 300;
    const std::int64_t expected = std::accumulate(values.begin(), values.end(), std::int64_t{0});
    for (const int threads : {0, 2, 3, 7, 16}) {
        CAPTURE(threads);
        CHECK(parallel_sum(values, threads) == expected);
    }
}

TEST_CASE("an exception in one slice reaches the caller after every slice has finished") {
    std::atomic<int> finished{0};
    const auto work = [&](std::size_t slice, std::size_t, std::size_t) {
        if (slice == 1) throw std::runtime_error("slice 1 failed");
        finished.fetch_add(1);
    };
    CHECK_THROWS_WITH_AS(run_in_slices(40, 4, work), "slice 1 failed", std::runtime_error);
    CHECK(finished.load() == 3);
}

TEST_CASE("when several slices throw, the first slice's exception reaches the caller") {
    // Slice 2 fails first; slice 0 fails only once slice 2's thread is ending (a
    // thread_local destroyed at its exit says so). The first in slice order wins, whatever
    // the order in time.
    course_test::Gate slice_2_ended;
    struct OpensAtThreadExit {
        course_test::Gate* gate = nullptr;
        ~OpensAtThreadExit() {
            if (gate != nullptr) gate->open();
        }
    };
    const auto work = [&](std::size_t slice, std::size_t, std::size_t) {
        if (slice == 2) {
            static thread_local OpensAtThreadExit at_exit;
            at_exit.gate = &slice_2_ended;
            throw std::runtime_error("slice 2 failed");
        }
        if (slice == 0) {
            slice_2_ended.wait_for(patience);
            throw std::runtime_error("slice 0 failed");
        }
    };
    CHECK_THROWS_WITH_AS(run_in_slices(30, 3, work), "slice 0 failed", std::runtime_error);
}

TEST_CASE("an exception of any type reaches the caller") {
    const auto work = [](std::size_t slice, std::size_t, std::size_t) {
        if (slice == 1) throw std::string("slice 1 failed");
    };
    try {
        run_in_slices(20, 4, work);
        FAIL("run_in_slices() returned although a slice threw");
    } catch (const std::string& what) {
        CHECK(what == "slice 1 failed");
    }
}

TEST_CASE("a thread that cannot be started: the slices already running finish, then the error" *
          course_test::linux_only()) {
    // The third thread is refused (EAGAIN), as when the system is out of resources.
    std::atomic<int> done{0};
    const std::size_t threads_before = course_test::running_thread_count();
    {
        const course_test::FailCalls refused(course_test::Call::thread, EAGAIN, 1, 2);
        try {
            run_in_slices(40, 4, [&](std::size_t, std::size_t, std::size_t) {
                course_test::give_wrong_code_a_chance();
                done.fetch_add(1);
            });
            FAIL("run_in_slices() returned although a thread could not be started");
        } catch (const std::system_error& e) {
            CHECK(e.code() == std::errc::resource_unavailable_try_again);
        }
    }
    INFO("the threads already started were not all joined before the error left");
    CHECK(done.load() == 2);
    CHECK(course_test::thread_count_returns_to(threads_before, patience));
}

TEST_CASE("totals beyond the range of int are exact") {
    // Each value fits in an int; every slice's total and the sum do not.
    const std::vector<std::int64_t> values(12, std::int64_t{INT_MAX});
    for (const int threads : {1, 3, 4}) {
        CAPTURE(threads);
        CHECK(parallel_sum(values, threads) == 12 * std::int64_t{INT_MAX});
    }
    const std::vector<std::int64_t> negative(9, std::int64_t{INT_MIN});
    CHECK(parallel_sum(negative, 3) == 9 * std::int64_t{INT_MIN});
}

TEST_CASE("one value is summed on one thread") {
    CHECK(slice_count(1, 4) == 1);
    CHECK(parallel_sum(std::vector<std::int64_t>{-42}, 4) == -42);
}

TEST_CASE("when hardware_concurrency() cannot tell (0), one thread is used") {
    REQUIRE(course_test::can_pretend_hardware());
    const course_test::PretendHardwareConcurrency unknown(0);
    CHECK(slice_count(1000, 0) == 1);
    CHECK(slices_of(10, 0) == std::vector<Slice>{{0, 10}});
    CHECK(parallel_sum(one_to(100), 0) == 5050);
}

TEST_CASE("a negative thread count and an empty function are rejected") {
    CHECK_THROWS_AS(slice_count(10, -1), std::invalid_argument);
    CHECK_THROWS_AS(run_in_slices(10, -2, [](std::size_t, std::size_t, std::size_t) {}), std::invalid_argument);
    CHECK_THROWS_AS(run_in_slices(10, 2, nullptr), std::invalid_argument);
    CHECK_THROWS_AS(parallel_sum(one_to(10), -1), std::invalid_argument);
}
