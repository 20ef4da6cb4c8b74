// test_workers.cpp: tests for run_workers(), the mirror of Process(target, args).start() and join().
#include <doctest/doctest.h>

#include <semaphore.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <ctime>
#include <set>
#include <stdexcept>

#include "process_checks.hpp"
#include "workers.hpp"

using course::run_workers;
using course_test::Shared;

TEST_CASE("each worker's status comes back in the order of i") {
    const auto statuses = run_workers(5, [](int i) { return i * 10; });
    CHECK(statuses == std::vector<int>{0, 10, 20, 30, 40});
}

TEST_CASE("zero workers give no status") {
    CHECK(run_workers(0, [](int) { return 1; }).empty());
}

TEST_CASE("each worker runs once, in a process of its own") {
    struct Seen {
        std::atomic<int> calls{0};
        std::array<pid_t, 4> pids{};
    };
    Shared<Seen> seen;
    run_workers(4, [&](int i) {
        seen->calls.fetch_add(1);
        seen->pids[static_cast<std::size_t>(i)] = getpid();
        return 0;
    });
    CHECK(seen->calls.load() == 4);
    const std::set<pid_t> distinct(seen->pids.begin(), seen->pids.end());
    CHECK(distinct.size() == 4);
    CHECK(distinct.count(getpid()) == 0);
    CHECK(distinct.count(0) == 0);
}

TEST_CASE("all the workers run at the same time") {
    // Each worker waits until all three have arrived. Started one after another (waiting
    // for each before starting the next), the first would wait in vain; it gives up after
    // a few seconds and reports 1, so that mistake fails here instead of hanging.
    struct Meeting {
        std::atomic<int> arrived{0};
        sem_t all_here;
    };
    Shared<Meeting> meeting;
    REQUIRE(sem_init(&meeting->all_here, 1, 0) == 0);
    constexpr int workers = 3;
    const auto statuses = run_workers(workers, [&](int) {
        if (meeting->arrived.fetch_add(1) + 1 == workers) {
            for (int i = 1; i < workers; ++i) sem_post(&meeting->all_here);
            return 0;
        }
        timespec give_up{};
        clock_gettime(CLOCK_REALTIME, &give_up);
        give_up.tv_sec += 3;
        while (sem_timedwait(&meeting->all_here, &give_up) != 0) {
            if (errno != EINTR) return 1;
        }
        return 0;
    });
    sem_destroy(&meeting->all_here);
    CHECK(statuses == std::vector<int>{0, 0, 0});
}

TEST_CASE("only the low byte of a status survives") {
    CHECK(run_workers(2, [](int i) { return 256 + i; }) == std::vector<int>{0, 1});
}

TEST_CASE("a worker killed by a signal reads as minus the signal number") {
    const auto statuses = run_workers(3, [](int i) {
        if (i == 1) raise(SIGKILL);
        return 0;
    });
    CHECK(statuses == std::vector<int>{0, -9, 0});
}

TEST_CASE("an exception in a worker ends it with status 1") {
    const auto statuses = run_workers(2, [](int i) -> int {
        if (i == 0) throw std::runtime_error("worker 0 fails");
        return 7;
    });
    CHECK(statuses == std::vector<int>{1, 7});
}

TEST_CASE("a negative count is rejected") {
    CHECK_THROWS_AS(run_workers(-1, [](int) { return 0; }), std::invalid_argument);
}

TEST_CASE("no worker is left behind") {
    REQUIRE(run_workers(3, [](int i) { return i; }).size() == 3);
    CHECK(course_test::no_children_left());
}
