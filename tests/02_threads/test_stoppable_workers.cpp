// test_stoppable_workers.cpp: tests for WorkerCrew, worker threads that stop when asked (daemon threads done properly).
#include <doctest/doctest.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "bounded_sync.hpp"
#include "bounded_waits.hpp"
#include "injected_failures.hpp"
#include "stoppable_workers.hpp"

using course::WorkerCrew;
using course_test::patience;
using namespace std::chrono_literals;

namespace {

/// One unit of simulated work: it only keeps the workers from spinning, nothing waits on it.
void a_little_work() { std::this_thread::sleep_for(1ms); }

}  // namespace

TEST_CASE("every worker runs on a thread of its own, all at the same time") {
    // Each worker's first step waits until all three workers and the test have arrived:
    // workers started one after another never all get there.
    constexpr std::size_t workers = 3;
    course_test::Rendezvous meeting(workers + 1);
    std::array<std::thread::id, workers> ids{};
    std::array<bool, workers> met{};
    WorkerCrew crew(workers, [&](std::stop_token, std::size_t worker) {
        if (ids.at(worker) == std::thread::id()) {
            ids.at(worker) = std::this_thread::get_id();
            met.at(worker) = meeting.arrive_and_wait_for(patience);
        }
        a_little_work();
    });
    const bool all_met = meeting.arrive_and_wait_for(patience);
    crew.request_stop();
    crew.join();
    INFO("the workers did not all run at the same time");
    CHECK(all_met);
    CHECK(met == std::array<bool, workers>{true, true, true});
    const std::set<std::thread::id> distinct(ids.begin(), ids.end());
    CHECK(distinct.size() == workers);
    CHECK(distinct.count(std::this_thread::get_id()) == 0);
    CHECK(crew.size() == workers);
}

TEST_CASE("a step waiting on its stop token is woken by request_stop()") {
    // Every step blocks until a stop is requested, with no timeout of its own but a
    // generous bound, so a token that can never be stopped fails instead of hanging.
    constexpr std::size_t workers = 3;
    course_test::Rendezvous all_waiting(workers + 1);
    std::atomic<int> woken_by_stop{0};
    std::atomic<int> gave_up{0};
    WorkerCrew crew(workers, [&](std::stop_token stop, std::size_t) {
        std::mutex mutex;
        std::condition_variable_any never_notified;
        std::unique_lock lock(mutex);
        all_waiting.arrive_and_wait_for(patience);
        // Nothing ever notifies: only a stop request (or, on a wrong token, the bound) ends the wait.
        never_notified.wait_for(lock, stop, 5s, [] { return false; });
        if (stop.stop_requested()) {
            woken_by_stop.fetch_add(1);
        } else {
            gave_up.fetch_add(1);
        }
    });
    REQUIRE(all_waiting.arrive_and_wait_for(patience));
    crew.request_stop();
    const std::vector<std::size_t> steps = crew.join();
    INFO("the step's stop token did not report the stop: is it the crew's token?");
    CHECK(gave_up.load() == 0);
    CHECK(woken_by_stop.load() == workers);
    CHECK(steps == std::vector<std::size_t>{1, 1, 1});
}

TEST_CASE("request_stop() ends every worker, and join() counts each one's steps") {
    // The crew and what its steps use are shared with the thread that joins it, so that
    // workers that never stop make the test fail after the bound instead of hanging it.
    constexpr std::size_t workers = 3;
    struct State {
        course_test::Rendezvous busy{workers + 1};
        std::array<std::atomic<std::size_t>, workers> calls{};
    };
    const auto state = std::make_shared<State>();
    const auto crew = std::make_shared<WorkerCrew>(workers, [state](std::stop_token, std::size_t worker) {
        if (state->calls.at(worker).fetch_add(1) == 2) {
            state->busy.arrive_and_wait_for(patience);  // on its third step
        }
        a_little_work();
    });
    REQUIRE(state->busy.arrive_and_wait_for(patience));
    crew->request_stop();
    const auto steps = course_test::returns_within(patience, [crew] { return crew->join(); });
    INFO("the workers did not stop: does every worker check its stop token before each step?");
    REQUIRE(steps.has_value());
    REQUIRE(steps->size() == workers);
    for (std::size_t i = 0; i < workers; ++i) {
        CAPTURE(i);
        CHECK(steps->at(i) >= 3);
        CHECK(steps->at(i) == state->calls.at(i).load());
    }
}

TEST_CASE("the destructor stops the workers and waits for them") {
    // The crew is destroyed on a thread of its own, so that a destructor that never
    // returns fails the test after the bound instead of hanging it.
    struct State {
        course_test::Rendezvous started{3};
        std::atomic<int> in_step{0};
        std::atomic<bool> crew_gone{false};
        std::atomic<bool> stepped_after_destructor{false};
        std::array<std::atomic<bool>, 2> first{};
    };
    const auto state = std::make_shared<State>();
    auto crew = std::make_unique<WorkerCrew>(2, [state](std::stop_token, std::size_t worker) {
        state->in_step.fetch_add(1);
        if (state->crew_gone.load()) state->stepped_after_destructor.store(true);
        if (!state->first.at(worker).exchange(true)) state->started.arrive_and_wait_for(patience);
        a_little_work();
        state->in_step.fetch_sub(1);
    });
    REQUIRE(state->started.arrive_and_wait_for(patience));
    // No request_stop(), no join(): the destructor must do both.
    // The helper thread holds the only owner, so its reset() runs the destructor.
    auto destroy = [owned = std::shared_ptr<WorkerCrew>(std::move(crew))]() mutable {
        owned.reset();
        return true;
    };
    const auto destroyed = course_test::returns_within(patience, std::move(destroy));
    state->crew_gone.store(true);
    INFO("the destructor did not return: does it ask the workers to stop through the crew's token?");
    REQUIRE(destroyed.has_value());
    CHECK(state->in_step.load() == 0);
    CHECK_FALSE(state->stepped_after_destructor.load());
}

TEST_CASE("a step can call request_stop() to end the whole crew") {
    // Worker 0 "finds the answer" on its fifth step and stops everyone; nobody else asks.
    std::atomic<std::size_t> worker_0_steps{0};
    WorkerCrew* crew_pointer = nullptr;
    course_test::Gate crew_ready;
    WorkerCrew crew(3, [&](std::stop_token, std::size_t worker) {
        if (worker == 0 && worker_0_steps.fetch_add(1) + 1 == 5) {
            if (crew_ready.wait_for(patience)) crew_pointer->request_stop();
        }
        a_little_work();
    });
    crew_pointer = &crew;
    crew_ready.open();
    const std::vector<std::size_t> steps = crew.join();
    REQUIRE(steps.size() == 3);
    CHECK(steps[0] == 5);
}

TEST_CASE("a step that throws ends its worker, and join() rethrows it once all have stopped") {
    course_test::Gate thrown;
    course_test::Gate others_went_on;
    std::atomic<std::size_t> worker_0_steps_after{0};
    WorkerCrew crew(2, [&](std::stop_token, std::size_t worker) {
        if (worker == 1) {
            thrown.open();
            throw std::runtime_error("worker 1 failed");
        }
        // Worker 0 goes on working after worker 1 has failed.
        if (thrown.wait_for(0ms) && worker_0_steps_after.fetch_add(1) + 1 == 3) others_went_on.open();
        a_little_work();
    });
    REQUIRE(thrown.wait_for(patience));
    INFO("worker 0 stopped when worker 1 failed");
    CHECK(others_went_on.wait_for(patience));
    crew.request_stop();
    CHECK_THROWS_WITH_AS(crew.join(), "worker 1 failed", std::runtime_error);
}

TEST_CASE("when several steps throw, join() rethrows the lowest worker number's exception") {
    // Worker 2 fails first; worker 0 fails only once worker 2's thread is ending (a
    // thread_local destroyed at its exit says so). The lowest worker number wins, whatever
    // the order in time.
    course_test::Gate worker_2_ended;
    course_test::Gate worker_0_failing;
    struct OpensAtThreadExit {
        course_test::Gate* gate = nullptr;
        ~OpensAtThreadExit() {
            if (gate != nullptr) gate->open();
        }
    };
    WorkerCrew crew(3, [&](std::stop_token, std::size_t worker) {
        if (worker == 2) {
            static thread_local OpensAtThreadExit at_exit;
            at_exit.gate = &worker_2_ended;
            throw std::runtime_error("worker 2 failed");
        }
        if (worker == 0) {
            worker_2_ended.wait_for(patience);
            worker_0_failing.open();
            throw std::runtime_error("worker 0 failed");
        }
        a_little_work();
    });
    REQUIRE(worker_0_failing.wait_for(patience));
    crew.request_stop();
    CHECK_THROWS_WITH_AS(crew.join(), "worker 0 failed", std::runtime_error);
}

TEST_CASE("an exception of any type ends its worker and reaches join()") {
    course_test::Gate throwing;
    WorkerCrew crew(2, [&throwing](std::stop_token, std::size_t worker) {
        if (worker == 0) {
            throwing.open();
            throw 42;
        }
        a_little_work();
    });
    REQUIRE(throwing.wait_for(patience));
    crew.request_stop();
    try {
        crew.join();
        FAIL("join() returned although a step threw");
    } catch (int value) {
        CHECK(value == 42);
    }
}

TEST_CASE("a worker that cannot be started: the others are stopped and joined, then the error") {
    // The third worker's thread is refused (EAGAIN). The constructor runs on a thread of
    // its own, so that two workers that never stop fail the test instead of hanging it.
    struct State {
        std::array<std::atomic<std::size_t>, 4> steps{};
    };
    const auto state = std::make_shared<State>();
    const auto outcome = course_test::returns_within(patience, [state]() -> std::string {
        const course_test::FailCalls refused(course_test::Call::thread, EAGAIN, 1, 2);
        try {
            WorkerCrew crew(4, [state](std::stop_token, std::size_t worker) {
                state->steps.at(worker).fetch_add(1);
                a_little_work();
            });
            return "the constructor returned";
        } catch (const std::system_error& e) {
            return e.code() == std::errc::resource_unavailable_try_again ? "refused" : e.what();
        }
    });
    INFO("the workers already started were not stopped: request a stop before the exception leaves");
    REQUIRE(outcome.has_value());
    CHECK(*outcome == "refused");
    CHECK(state->steps[2].load() == 0);
    CHECK(state->steps[3].load() == 0);
}

TEST_CASE("stopping twice and joining twice are harmless") {
    WorkerCrew crew(2, [](std::stop_token, std::size_t) { a_little_work(); });
    crew.request_stop();
    crew.request_stop();
    const std::vector<std::size_t> steps = crew.join();
    CHECK(steps.size() == 2);
    CHECK(crew.join() == steps);
}

TEST_CASE("no workers or an empty step is rejected") {
    CHECK_THROWS_AS(WorkerCrew(0, [](std::stop_token, std::size_t) {}), std::invalid_argument);
    CHECK_THROWS_AS(WorkerCrew(2, nullptr), std::invalid_argument);
}
