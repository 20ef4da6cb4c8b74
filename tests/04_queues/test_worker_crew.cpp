// test_worker_crew.cpp: tests for run_in_order(), the worker pool done right (executor.map).
#include <doctest/doctest.h>

#include <array>
#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bounded_waits.hpp"
#include "worker_crew.hpp"

using course_test::patience;
using course_test::Rendezvous;

namespace {

// Calls course::run_in_order on a thread of its own, so that a crew that never stops fails
// this test with a message instead of hanging it. Everything the jobs use is shared_ptr-owned.
// It waits longer than a job waits for its partners, so a job's own message comes first.
template <class Job, class Fn>
auto run_in_order(std::vector<Job> jobs, std::size_t workers, Fn fn) {
    auto outcome = course_test::returns_within(
        2 * patience, [jobs = std::move(jobs), workers, fn] { return course::run_in_order(jobs, workers, fn); });
    REQUIRE_MESSAGE(outcome.has_value(),
                    "run_in_order() did not return: is every worker told to stop once the queue is "
                    "empty (close it, then join)?");
    return std::move(*outcome);
}

std::vector<int> numbers(int count) {
    std::vector<int> all(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) all[static_cast<std::size_t>(i)] = i;
    return all;
}

// Waits for `meeting` in a job; throws (and makes the other jobs give up at once) when it
// is not complete in time, which is what happens when the jobs do not run together.
void wait_in_job(Rendezvous& meeting, std::atomic<bool>& gave_up, const char* message) {
    if (gave_up.load() || !meeting.wait_for(patience)) {
        gave_up.store(true);
        throw std::runtime_error(message);
    }
}

}  // namespace

TEST_CASE("results come back in the order of the jobs") {
    const auto squares = run_in_order(numbers(100), 4, [](const int& job) { return job * job; });
    REQUIRE(squares.size() == 100);
    for (int i = 0; i < 100; ++i) CHECK(squares[static_cast<std::size_t>(i)] == i * i);
}

TEST_CASE("results keep the jobs' order when the jobs finish out of order") {
    // Two workers, three jobs. Job 0 waits until job 2 has started, which can only happen
    // once job 1 has finished and freed the other worker. So job 1 always finishes first.
    auto job2_started = std::make_shared<Rendezvous>(1);
    auto gave_up = std::make_shared<std::atomic<bool>>(false);
    const auto results = run_in_order(std::vector<std::string>{"zero", "one", "two"}, 2,
                                      [=](const std::string& job) {
                                          if (job == "two") job2_started->count_down();
                                          if (job == "zero") {
                                              wait_in_job(*job2_started, *gave_up,
                                                          "job 0 waited in vain for job 2: do two "
                                                          "workers run at the same time?");
                                          }
                                          return job + "!";
                                      });
    CHECK(results == std::vector<std::string>{"zero!", "one!", "two!"});
}

TEST_CASE("the workers run at the same time") {
    // Each job waits until all four have started: only four workers at once get there.
    constexpr int workers = 4;
    auto all_started = std::make_shared<Rendezvous>(workers);
    auto gave_up = std::make_shared<std::atomic<bool>>(false);
    const auto results = run_in_order(numbers(workers), workers, [=](const int& job) {
        all_started->count_down();
        wait_in_job(*all_started, *gave_up, "a job waited in vain for the others: the workers do not run at the same time");
        return job;
    });
    CHECK(results == numbers(workers));
}

TEST_CASE("no more jobs run at once than there are workers") {
    struct Load {
        std::atomic<int> running{0};
        std::atomic<int> most{0};
    };
    auto load = std::make_shared<Load>();
    const auto results = run_in_order(numbers(60), 3, [=](const int& job) {
        const int now = load->running.fetch_add(1) + 1;
        int most = load->most.load();
        while (now > most && !load->most.compare_exchange_weak(most, now)) {
        }
        for (int i = 0; i < 20; ++i) std::this_thread::yield();
        load->running.fetch_sub(1);
        return job;
    });
    CHECK(results == numbers(60));
    CHECK(load->most.load() >= 1);
    CHECK_MESSAGE(load->most.load() <= 3, load->most.load() << " jobs ran at once with 3 workers");
}

TEST_CASE("every job runs exactly once") {
    auto runs = std::make_shared<std::array<std::atomic<int>, 50>>();
    run_in_order(numbers(50), 4, [=](const int& job) { return (*runs)[static_cast<std::size_t>(job)].fetch_add(1); });
    for (std::size_t job = 0; job < runs->size(); ++job) CHECK_MESSAGE((*runs)[job].load() == 1, "job " << job);
}

TEST_CASE("a job that throws does not stop the others, and its exception comes back at the end") {
    // Two workers. Job 0 throws at once; job 1 then waits until job 2 has started, which
    // only happens if the worker whose job failed goes on to the next job. Every job runs.
    auto runs = std::make_shared<std::atomic<int>>(0);
    auto job2_started = std::make_shared<Rendezvous>(1);
    auto gave_up = std::make_shared<std::atomic<bool>>(false);
    CHECK_THROWS_WITH_AS(
        run_in_order(numbers(6), 2,
                     [=](const int& job) {
                         runs->fetch_add(1);
                         if (job == 2) job2_started->count_down();
                         if (job == 0) throw std::runtime_error("job 0 failed");
                         if (job == 1) {
                             wait_in_job(*job2_started, *gave_up,
                                         "job 1 waited in vain for job 2: does a worker stop "
                                         "when its job fails?");
                         }
                         return job;
                     }),
        "job 0 failed", std::runtime_error);
    CHECK_MESSAGE(runs->load() == 6, "only " << runs->load() << " of 6 jobs ran");
}

TEST_CASE("an exception that is no std::exception comes back too") {
    // C++ can throw anything; catch (...) in the worker, or the program ends in std::terminate.
    struct JobFailure {
        int job;
    };
    auto runs = std::make_shared<std::atomic<int>>(0);
    try {
        run_in_order(numbers(6), 3, [=](const int& job) {
            runs->fetch_add(1);
            if (job == 4) throw JobFailure{job};
            return job;
        });
        FAIL("run_in_order() returned although job 4 threw");
    } catch (const JobFailure& failure) {
        CHECK(failure.job == 4);
    }
    CHECK_MESSAGE(runs->load() == 6, "only " << runs->load() << " of 6 jobs ran");
}

TEST_CASE("with one worker the jobs run one after the other, in the order given") {
    auto order = std::make_shared<std::vector<int>>();
    const auto results = run_in_order(numbers(20), 1, [=](const int& job) {
        order->push_back(job);  // one worker: no other thread touches it
        return job * 2;
    });
    CHECK(*order == numbers(20));
    REQUIRE(results.size() == 20);
    CHECK(results[19] == 38);
}

TEST_CASE("no more threads than jobs are started") {
    // A sanitizer may start a helper thread of its own with the first thread: start one first.
    std::thread([] {}).join();
    const std::size_t before = course_test::running_thread_count();
    auto most = std::make_shared<std::atomic<std::size_t>>(0);
    const auto results = run_in_order(numbers(2), 8, [=](const int& job) {
        const std::size_t now = course_test::running_thread_count();
        std::size_t seen = most->load();
        while (now > seen && !most->compare_exchange_weak(seen, now)) {
        }
        return job;
    });
    CHECK(results == numbers(2));
    // The test's own thread that calls run_in_order() is one more.
    CHECK_MESSAGE(most->load() <= before + 1 + 2,
                  (most->load() - before - 1)
                      << " threads ran for 2 jobs with 8 workers asked for");
}

TEST_CASE("when several jobs throw, the first job's exception wins, as with Python's map") {
    // Two workers. Job 1 throws first; job 0 throws later (once job 2 has started, so once
    // job 1 is over). The exception to report is still job 0's: the first in job order.
    auto job2_started = std::make_shared<Rendezvous>(1);
    auto gave_up = std::make_shared<std::atomic<bool>>(false);
    CHECK_THROWS_WITH_AS(run_in_order(numbers(4), 2,
                                      [=](const int& job) {
                                          if (job == 2) job2_started->count_down();
                                          if (job == 1) throw std::runtime_error("job 1 failed");
                                          if (job == 0) {
                                              wait_in_job(*job2_started, *gave_up, "job 0 waited in vain for job 2");
                                              throw std::runtime_error("job 0 failed");
                                          }
                                          return job;
                                      }),
                         "job 0 failed", std::runtime_error);
}

TEST_CASE("no jobs, no results; more workers than jobs is fine; no workers is an error") {
    CHECK(run_in_order(std::vector<int>{}, 3, [](const int& job) { return job; }).empty());
    CHECK(run_in_order(numbers(2), 8, [](const int& job) { return job + 1; }) == std::vector<int>{1, 2});
    CHECK_THROWS_AS(course::run_in_order(numbers(2), 0, [](const int& job) { return job; }), std::invalid_argument);
}

TEST_CASE("no thread is left running, after success or failure" * course_test::linux_only()) {
    // A sanitizer may start a helper thread of its own with the first thread: start one first.
    std::thread([] {}).join();
    const std::size_t before = course_test::running_thread_count();
    run_in_order(numbers(20), 4, [](const int& job) { return job; });
    CHECK_MESSAGE(course_test::thread_count_returns_to(before, patience),
                  "threads still running after run_in_order(): " << course_test::running_thread_count()
                                                                 << " now, " << before << " before");
    CHECK_THROWS_AS(run_in_order(numbers(20), 4,
                                 [](const int& job) {
                                     if (job % 5 == 0) throw std::runtime_error("fails");
                                     return job;
                                 }),
                    std::runtime_error);
    CHECK_MESSAGE(course_test::thread_count_returns_to(before, patience),
                  "threads still running after run_in_order(): " << course_test::running_thread_count()
                                                                 << " now, " << before << " before");
}
