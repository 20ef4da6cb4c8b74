// test_chunked_reduce.cpp: tests for chunked_reduce(), CPU-bound work in chunks over threads, the same answer for any thread count.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <limits>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bounded_sync.hpp"
#include "chunked_reduce.hpp"
#include "thread_states.hpp"

using course::chunked_reduce;
using namespace std::chrono_literals;

namespace {

// The sequential answer: what every call must give.
std::string joined_sequentially(std::size_t n) {
    std::string all;
    for (std::size_t i = 0; i < n; ++i) all += std::to_string(i) + ",";
    return all;
}

// A meeting point for `expected` threads that gives up after a while instead of
// blocking forever, so that a wrong implementation fails instead of hanging.
class Meeting {
public:
    explicit Meeting(std::size_t expected) : expected_(expected) {}
    // Returns true when all the expected threads arrived in time.
    bool arrive_and_wait() {
        std::unique_lock lock(mutex_);
        ++arrived_;
        all_here_.notify_all();
        if (!all_here_.wait_for(lock, 5s, [this] { return arrived_ >= expected_ || gave_up_; })) gave_up_ = true;
        all_here_.notify_all();
        return arrived_ >= expected_;
    }

private:
    std::mutex mutex_;
    std::condition_variable all_here_;
    std::size_t expected_;
    std::size_t arrived_ = 0;
    bool gave_up_ = false;
};

}  // namespace

TEST_CASE("the sum of 0..n-1 is right for any number of threads and any chunk size") {
    const std::size_t n = 1000;
    for (unsigned threads : {1u, 2u, 3u, 8u}) {
        for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, std::size_t{100}, std::size_t{1000}}) {
            INFO("threads " << threads << ", chunk size " << chunk);
            CHECK(chunked_reduce(n, [](std::size_t i) { return static_cast<long>(i); }, 0L, std::plus<long>{},
                                 threads, chunk) == 499500L);
        }
    }
}

TEST_CASE("chunks are combined in chunk order, not in the order they finish") {
    // Joining strings is associative but not commutative: only chunk order gives the
    // sequential string. The first element waits until the last one has been computed,
    // so that the last chunk is always finished before the first.
    const std::size_t n = 60;
    for (unsigned threads : {2u, 4u}) {
        INFO("threads " << threads);
        std::mutex mutex;
        std::condition_variable last_done;
        bool last_computed = false;
        const auto element = [&](std::size_t i) {
            std::unique_lock lock(mutex);
            if (i == 0) last_done.wait_for(lock, 2s, [&] { return last_computed; });
            if (i == n - 1) {
                last_computed = true;
                last_done.notify_all();
            }
            return std::to_string(i) + ",";
        };
        CHECK(chunked_reduce(n, element, std::string(), std::plus<std::string>{}, threads, 4) ==
              joined_sequentially(n));
    }
}

TEST_CASE("all the threads work at the same time") {
    // Each thread, at its first element, waits until all three threads have started.
    // Threads that run one after another never meet, and the test fails.
    constexpr unsigned threads = 3;
    Meeting meeting(threads);
    std::mutex mutex;
    std::set<std::thread::id> met;
    std::atomic<bool> all_met{true};
    const auto element = [&](std::size_t i) {
        bool first_time = false;
        {
            const std::lock_guard lock(mutex);
            first_time = met.insert(std::this_thread::get_id()).second;
        }
        if (first_time && !meeting.arrive_and_wait()) all_met.store(false);
        return static_cast<long>(i);
    };
    CHECK(chunked_reduce(30, element, 0L, std::plus<long>{}, threads, 1) == 435L);
    CHECK_MESSAGE(all_met.load(), "the 3 threads never ran at the same time");
    CHECK(met.size() == threads);
}

TEST_CASE("no more threads than asked for take part") {
    std::mutex mutex;
    std::set<std::thread::id> seen;
    const auto element = [&](std::size_t i) {
        const std::lock_guard lock(mutex);
        seen.insert(std::this_thread::get_id());
        return static_cast<long>(i);
    };
    CHECK(chunked_reduce(2000, element, 0L, std::plus<long>{}, 2, 10) == 1999000L);
    CHECK(seen.size() <= 2);
    CHECK(seen.size() >= 1);
}

TEST_CASE("each element is computed exactly once") {
    const std::size_t n = 5000;
    std::vector<std::atomic<int>> calls(n);
    const auto element = [&](std::size_t i) {
        calls[i].fetch_add(1);
        return 1L;
    };
    CHECK(chunked_reduce(n, element, 0L, std::plus<long>{}, 4, 3) == static_cast<long>(n));
    std::size_t wrong = 0;
    for (const auto& count : calls) wrong += count.load() != 1;
    CHECK_MESSAGE(wrong == 0, wrong << " elements were computed 0 times or more than once");
}

TEST_CASE("a floating-point sum does not depend on the number of threads") {
    // Floating-point addition is not associative: the grouping must be the chunks', in
    // chunk order, for the result to be the same to the last bit.
    const auto element = [](std::size_t i) { return 1.0 / static_cast<double>(i + 1); };
    const double one_thread = chunked_reduce(100'000, element, 0.0, std::plus<double>{}, 1, 1000);
    for (unsigned threads : {2u, 3u, 5u}) {
        INFO("threads " << threads);
        CHECK(chunked_reduce(100'000, element, 0.0, std::plus<double>{}, threads, 1000) == one_thread);
    }
}

TEST_CASE("fewer elements than threads, one short chunk, or none at all") {
    const auto square = [](std::size_t i) { return static_cast<long>(i * i); };
    CHECK(chunked_reduce(3, square, 0L, std::plus<long>{}, 8, 1) == 5L);
    CHECK(chunked_reduce(10, square, 0L, std::plus<long>{}, 4, 100) == 285L);
    CHECK(chunked_reduce(0, square, 7L, std::plus<long>{}, 4, 10) == 7L);
    CHECK(chunked_reduce(5, [](std::size_t i) { return static_cast<long>(i + 1); }, 1L, std::multiplies<long>{}, 2,
                         2) == 120L);
}

TEST_CASE("an exception thrown by an element comes out of chunked_reduce") {
    const auto element = [](std::size_t i) -> long {
        if (i == 500) throw std::runtime_error("element 500 failed");
        return 1;
    };
    CHECK_THROWS_WITH_AS(chunked_reduce(1000, element, 0L, std::plus<long>{}, 3, 10), "element 500 failed",
                         std::runtime_error);
}

TEST_CASE("zero threads or a chunk size of zero is refused") {
    const auto one = [](std::size_t) { return 1L; };
    CHECK_THROWS_AS(chunked_reduce(10, one, 0L, std::plus<long>{}, 0, 1), std::invalid_argument);
    CHECK_THROWS_AS(chunked_reduce(10, one, 0L, std::plus<long>{}, 2, 0), std::invalid_argument);
}

TEST_CASE("a thread that is done with its chunk takes the next one while a slow chunk still runs") {
    // Element 0 (chunk 0) waits until element 7 (the last chunk) has been computed: the
    // other thread must take chunks 1 to 7 one after another meanwhile. Threads started in
    // waves, one chunk each, would wait for chunk 0 before taking chunk 2.
    std::mutex mutex;
    std::condition_variable last_done;
    bool last_computed = false;
    bool waited_in_vain = false;
    const auto element = [&](std::size_t i) {
        std::unique_lock lock(mutex);
        if (i == 0) waited_in_vain = !last_done.wait_for(lock, 5s, [&] { return last_computed; });
        if (i == 7) {
            last_computed = true;
            last_done.notify_all();
        }
        return static_cast<long>(i);
    };
    CHECK(chunked_reduce(8, element, 0L, std::plus<long>{}, 2, 1) == 28L);
    CHECK_MESSAGE(!waited_in_vain, "the last chunk was not computed while the first one was still running");
}

TEST_CASE("after a failure, no thread takes a new chunk") {
    std::atomic<int> calls{0};
    const auto element = [&calls](std::size_t i) -> long {
        ++calls;
        if (i == 5) throw std::runtime_error("element 5 failed");
        return 1;
    };
    // One thread: chunk 0 stops at element 5, and no other chunk is taken.
    CHECK_THROWS_WITH_AS(chunked_reduce(1000, element, 0L, std::plus<long>{}, 1, 10), "element 5 failed",
                         std::runtime_error);
    CHECK(calls == 6);
}

TEST_CASE("when two chunks fail, the exception thrown first reaches the caller" * course_test::linux_only()) {
    // Chunks 0 and 1 run at once on the two threads. Element 0 fails at once; element 1
    // fails only after the thread of element 0 has ended, so its exception is the later one.
    course_test::Rendezvous both_running(2);
    std::atomic<pid_t> first_thread{0};
    const auto element = [&](std::size_t i) -> long {
        both_running.arrive_and_wait_for(course_test::patience);
        if (i == 0) {
            first_thread = course_test::current_thread_id();
            throw std::runtime_error("first failure");
        }
        while (first_thread.load() == 0) std::this_thread::yield();
        course_test::thread_is_gone(first_thread.load(), course_test::patience);
        throw std::logic_error("second failure");
    };
    CHECK_THROWS_WITH_AS(chunked_reduce(2, element, 0L, std::plus<long>{}, 2, 1), "first failure", std::runtime_error);
}

TEST_CASE("an exception that is not a std::exception comes out of chunked_reduce too") {
    const auto element = [](std::size_t i) -> long {
        if (i == 42) throw 42;
        return 1;
    };
    CHECK_THROWS_AS(chunked_reduce(100, element, 0L, std::plus<long>{}, 3, 5), int);
}

TEST_CASE("an exception thrown by combine comes out of chunked_reduce") {
    const auto element = [](std::size_t i) { return static_cast<long>(i); };
    const auto combine = [](long a, long b) -> long {
        if (b == 7) throw std::domain_error("cannot combine 7");
        return a + b;
    };
    CHECK_THROWS_AS(chunked_reduce(20, element, 0L, combine, 2, 4), std::domain_error);
}

TEST_CASE("one element, and one chunk as large as a size_t can count") {
    const auto value = [](std::size_t i) { return static_cast<long>(i + 5); };
    CHECK(chunked_reduce(1, value, 0L, std::plus<long>{}, 4, 1) == 5L);
    // A chunk size of "everything": the number of chunks must not overflow to 0.
    CHECK(chunked_reduce(10, value, 0L, std::plus<long>{}, 2, std::numeric_limits<std::size_t>::max()) == 95L);
}

TEST_CASE("a total that outgrows int comes back whole") {
    const auto element = [](std::size_t i) { return static_cast<long long>(i); };
    CHECK(chunked_reduce(100'000, element, 0LL, std::plus<long long>{}, 3, 1000) == 4'999'950'000LL);
}
