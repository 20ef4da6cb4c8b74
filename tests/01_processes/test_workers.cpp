// test_workers.cpp: tests for run_workers(), the mirror of Process(target, args).start() and join().
#include <doctest/doctest.h>

#include <fcntl.h>
#include <semaphore.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <ctime>
#include <fstream>
#include <set>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>

#include "bounded_sync.hpp"
#include "child_fixtures.hpp"
#include "injected_failures.hpp"
#include "platform.hpp"
#include "process_checks.hpp"
#include "workers.hpp"

using course::run_workers;
using course_test::Call;
using course_test::Shared;

namespace {

/// True once process `pid` has ended (a zombie, or gone), as /proc shows it to anyone.
bool has_ended(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text;
    if (!std::getline(stat, text)) return true;
    const auto close = text.rfind(')');
    return close == std::string::npos || close + 2 >= text.size() || text[close + 2] == 'Z' ||
           text[close + 2] == 'X';
}

}  // namespace

TEST_CASE("each worker's status comes back in the order of i") {
    const auto statuses = run_workers(5, [](int i) { return i * 10; });
    CHECK(statuses == std::vector<int>{0, 10, 20, 30, 40});
}

TEST_CASE("the statuses come in the order of i even when worker 0 ends last" * course_test::linux_only()) {
    // Worker 0 waits until the others have ended, so the workers end in the order 1, 2, 0:
    // statuses collected as the workers end come back in the wrong order.
    struct Pids {
        std::array<std::atomic<pid_t>, 3> of{};
    };
    Shared<Pids> pids;
    const auto statuses = run_workers(3, [&](int i) {
        pids->of[static_cast<std::size_t>(i)].store(getpid());
        if (i != 0) return 10 + i;
        const auto give_up = std::chrono::steady_clock::now() + course_test::patience;
        for (std::size_t other = 1; other < 3; ++other) {
            while (std::chrono::steady_clock::now() < give_up) {
                const pid_t pid = pids->of[other].load();
                if (pid != 0 && has_ended(pid)) break;
                std::this_thread::sleep_for(std::chrono::milliseconds(1));  // polling /proc
            }
        }
        return 10;
    });
    CHECK(statuses == std::vector<int>{10, 11, 12});
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
        if (i == 1) raise(SIGKILL);  // the one signal the test program's handlers cannot catch
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

TEST_CASE("an exception of any type ends the worker with status 1") {
    // An exception that is not a std::exception must not escape into the caller's code,
    // which the child would then run as if it were the parent (status 125, see README).
    const auto statuses = run_workers(3, [](int i) -> int {
        if (i == 0) throw 42;
        if (i == 1) throw std::string("a string");
        return 7;
    });
    CHECK(statuses == std::vector<int>{1, 1, 7});
}

TEST_CASE("a worker ends with _exit(): what the caller had buffered is written once") {
    // Text written to a FILE but not yet flushed is copied into every child by fork().
    // exit() flushes that copy, so the text would land once more per worker.
    course_test::UnflushedFile log("written once by the parent\n");
    const auto statuses = run_workers(3, [](int i) { return i; });
    CHECK(statuses == std::vector<int>{0, 1, 2});
    INFO("a worker flushed the caller's stdio buffers: end it with _exit(), not exit()");
    CHECK(log.contents() == "written once by the parent\n");
}

TEST_CASE("a negative count is rejected") {
    CHECK_THROWS_AS(run_workers(-1, [](int) { return 0; }), std::invalid_argument);
}

TEST_CASE("no worker is left behind") {
    REQUIRE(run_workers(3, [](int i) { return i; }).size() == 3);
    CHECK(course_test::no_children_left());
}

TEST_CASE("waits interrupted by a signal are resumed") {
    {
        const course_test::FailCalls interrupted(Call::wait, EINTR, 2);
        CHECK(run_workers(3, [](int i) { return i + 3; }) == std::vector<int>{3, 4, 5});
        INFO("run_workers() did not wait through waitpid() (or wait(), waitid())");
        CHECK(interrupted.left() == 0);
    }
    CHECK(course_test::no_children_left());
}

TEST_CASE("only the workers are waited for, not the caller's other children") {
    course_test::ChildOfTheTest other(42);
    CHECK(run_workers(3, [](int i) { return i; }) == std::vector<int>{0, 1, 2});
    INFO("run_workers() reaped a child it did not start");
    CHECK(other.left_alone());
    CHECK(course_test::no_children_left());
}

TEST_CASE("a worker that cannot be started: the others are waited for, then the error") {
    // The third fork() fails as it does when the system is out of processes (EAGAIN).
    struct Ran {
        std::atomic<int> count{0};
    };
    Shared<Ran> ran;
    {
        const course_test::FailCalls refused(Call::fork, EAGAIN, 1, 2);
        try {
            run_workers(4, [&](int) {
                ran->count.fetch_add(1);
                return 0;
            });
            FAIL("run_workers() returned although a worker could not be started");
        } catch (const std::system_error& e) {
            CHECK(e.code().value() == EAGAIN);
        }
    }
    INFO("the workers started before the failure were not waited for");
    CHECK(course_test::no_children_left());
    CHECK(ran->count.load() == 2);
    while (waitpid(-1, nullptr, 0) > 0) {
    }
}
