// test_round_barrier.cpp: tests for RoundBarrier, Python's threading.Barrier(parties, action) on a mutex and a condition variable.
#include <doctest/doctest.h>

#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bounded_waits.hpp"
#include "round_barrier.hpp"

using course::RoundBarrier;
using course_test::Crew;
using course_test::patience;
using namespace std::chrono_literals;

// Threads that may get stuck in a wrong barrier share it (and whatever they touch) through a
// shared_ptr: a stuck thread is left behind when the test gives up, and must not outlive
// what it uses.

namespace {

// The calling thread's id for the kernel, and whether the kernel shows that thread asleep
// (state 'S': blocked in a futex, as a condition-variable wait is) at three looks in a row
// within `limit`. That is how a test knows a party is really waiting inside the barrier.
pid_t kernel_thread_id() {
    return static_cast<pid_t>(::syscall(SYS_gettid));
}

bool stays_asleep_within(pid_t tid, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    int asleep_in_a_row = 0;
    while (asleep_in_a_row < 3) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::ifstream stat("/proc/self/task/" + std::to_string(tid) + "/stat");
        std::string line;
        std::getline(stat, line);
        const std::string::size_type name_end = line.rfind(')');
        const bool asleep = name_end != std::string::npos && name_end + 2 < line.size() &&
                            line[name_end + 2] == 'S';
        asleep_in_a_row = asleep ? asleep_in_a_row + 1 : 0;
        std::this_thread::sleep_for(1ms);
    }
    return true;
}

// What the parties of a multi-round test share.
struct Rounds {
    explicit Rounds(int parties_, int rounds_)
        : parties(parties_),
          rounds(rounds_),
          arrived_in(static_cast<std::size_t>(parties_), -1),
          returned(static_cast<std::size_t>(parties_),
                   std::vector<std::size_t>(static_cast<std::size_t>(rounds_), 999)) {}
    const int parties;
    const int rounds;
    // Written by party t (plain data) before it arrives for round r: arrived_in[t] = r.
    std::vector<int> arrived_in;
    // Written by the completion step only (plain data).
    int completed = 0;
    int completions_too_early = 0;
    // What each party saw after arrive_and_wait() returned: the round number it got, and
    // whether the completion step of that round had run.
    std::vector<std::vector<std::size_t>> returned;
    std::atomic<int> saw_stale_completion{0};
};

}  // namespace

TEST_CASE("a barrier needs at least one party") {
    CHECK_THROWS_AS(RoundBarrier(0), std::invalid_argument);
    CHECK_THROWS_AS(RoundBarrier(-3), std::invalid_argument);
}

TEST_CASE(
    "a barrier of one party never waits, counts its rounds, and runs the completion each time") {
    int completions = 0;
    RoundBarrier alone(1, [&completions] { ++completions; });
    CHECK(alone.arrive_and_wait() == 0);
    CHECK(alone.arrive_and_wait() == 1);
    CHECK(alone.arrive_and_wait() == 2);
    CHECK(completions == 3);

    RoundBarrier no_completion(1);  // an empty completion step is allowed
    CHECK(no_completion.arrive_and_wait() == 0);
    CHECK(no_completion.arrive_and_wait() == 1);
}

TEST_CASE("no party leaves before the last one has arrived") {
    auto barrier = std::make_shared<RoundBarrier>(3);
    auto left = std::make_shared<std::atomic<int>>(0);
    auto rounds_got = std::make_shared<std::vector<std::size_t>>(2, 999);
    Crew early;
    for (int t = 0; t < 2; ++t) {
        early.start([=] {
            (*rounds_got)[static_cast<std::size_t>(t)] = barrier->arrive_and_wait();
            left->fetch_add(1);
        });
    }
    course_test::give_wrong_code_a_chance();  // a barrier that lets parties through does it now
    CHECK_MESSAGE(left->load() == 0, left->load() << " parties left before the third arrived");
    CHECK(barrier->arrive_and_wait() == 0);  // the last arrival does not wait
    REQUIRE_MESSAGE(early.finish_within(patience),
                    "the last arrival did not release the waiting parties");
    CHECK(left->load() == 2);
    CHECK((*rounds_got)[0] == 0);
    CHECK((*rounds_got)[1] == 0);
}

TEST_CASE("the last arrival wakes every waiting party, not just one") {
    constexpr int parties = 4;
    auto barrier = std::make_shared<RoundBarrier>(parties);
    Crew crew;
    for (int t = 0; t < parties; ++t)
        crew.start([=] { barrier->arrive_and_wait(); });
    CHECK_MESSAGE(crew.finish_within(patience),
                  "only " << crew.finished() << " of " << parties << " parties left the barrier");
}

TEST_CASE(
    "round after round, the completion runs once, after all arrivals and before any release") {
    // Four parties, 200 rounds, nothing else in between: a party that is released arrives
    // again at once, often before the others have woken up. Before arriving, each party
    // marks the round it is in; the completion checks that every party has arrived, and
    // counts the rounds; after the barrier each party checks that the count includes its
    // round. The marks and the count are plain data: the barrier's lock is all that orders
    // them, and ThreadSanitizer checks that it does.
    constexpr int parties = 4;
    constexpr int rounds = 200;
    auto shared = std::make_shared<Rounds>(parties, rounds);
    auto barrier = std::make_shared<RoundBarrier>(parties, [raw = shared.get()] {
        for (const int round : raw->arrived_in) {
            if (round != raw->completed) ++raw->completions_too_early;
        }
        ++raw->completed;
    });
    Crew crew;
    for (int t = 0; t < parties; ++t) {
        crew.start([shared, barrier, t] {
            const auto party = static_cast<std::size_t>(t);
            for (int r = 0; r < shared->rounds; ++r) {
                shared->arrived_in[party] = r;
                const std::size_t round = barrier->arrive_and_wait();
                shared->returned[party][static_cast<std::size_t>(r)] = round;
                if (shared->completed != r + 1) shared->saw_stale_completion.fetch_add(1);
            }
        });
    }
    REQUIRE_MESSAGE(crew.finish_within(patience),
                    "only " << crew.finished() << " of " << parties << " parties got through "
                            << rounds << " rounds: a party slept through the end of its round");
    CHECK(shared->completed == rounds);
    CHECK_MESSAGE(shared->completions_too_early == 0,
                  "the completion ran before every party had arrived");
    CHECK_MESSAGE(shared->saw_stale_completion.load() == 0,
                  "a party left the barrier before the completion of its round had run");
    int wrong_numbers = 0;
    for (const auto& got : shared->returned) {
        for (std::size_t r = 0; r < got.size(); ++r) {
            if (got[r] != r) ++wrong_numbers;
        }
    }
    CHECK_MESSAGE(wrong_numbers == 0, "arrive_and_wait() returned the wrong round number "
                                          << wrong_numbers
                                          << " times (0 for the first round, then 1, 2...)");
}

TEST_CASE("the completion runs in the thread that arrives last") {
    auto barrier_thread = std::make_shared<std::thread::id>();
    auto barrier = std::make_shared<RoundBarrier>(
        2, [barrier_thread] { *barrier_thread = std::this_thread::get_id(); });
    auto tid = std::make_shared<std::atomic<pid_t>>(0);
    Crew first;
    first.start([=] {
        tid->store(kernel_thread_id());
        barrier->arrive_and_wait();
    });
    pid_t id = 0;
    const auto deadline = std::chrono::steady_clock::now() + patience;
    while ((id = tid->load()) == 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(1ms);
    REQUIRE(id != 0);
    REQUIRE_MESSAGE(stays_asleep_within(id, patience),
                    "the first party never went to sleep in the barrier");
    CHECK(barrier->arrive_and_wait() == 0);  // this thread arrives last
    REQUIRE(first.finish_within(patience));
    CHECK(*barrier_thread == std::this_thread::get_id());
}

TEST_CASE("after arrive_and_drop, later rounds wait for one party less") {
    auto completions = std::make_shared<std::atomic<int>>(0);
    auto barrier = std::make_shared<RoundBarrier>(3, [completions] { completions->fetch_add(1); });
    auto rounds_got = std::make_shared<std::vector<std::vector<std::size_t>>>(2);
    Crew crew;
    for (int t = 0; t < 2; ++t) {
        crew.start([=] {
            for (int r = 0; r < 3; ++r)
                (*rounds_got)[static_cast<std::size_t>(t)].push_back(barrier->arrive_and_wait());
        });
    }
    barrier->arrive_and_drop();  // arrives for round 0 and leaves: rounds 1 and 2 need two
    REQUIRE_MESSAGE(
        crew.finish_within(patience),
        "the two remaining parties did not get through three rounds: do later rounds still "
        "wait for the party that dropped out?");
    CHECK(completions->load() == 3);
    for (const auto& got : *rounds_got)
        CHECK(got == std::vector<std::size_t>{0, 1, 2});
}

TEST_CASE("a drop that is the last arrival of its round ends the round") {
    auto barrier_thread = std::make_shared<std::thread::id>();
    auto barrier = std::make_shared<RoundBarrier>(
        2, [barrier_thread] { *barrier_thread = std::this_thread::get_id(); });
    auto tid = std::make_shared<std::atomic<pid_t>>(0);
    auto round_got = std::make_shared<std::size_t>(999);
    Crew waiting;
    waiting.start([=] {
        tid->store(kernel_thread_id());
        *round_got = barrier->arrive_and_wait();
    });
    pid_t id = 0;
    const auto deadline = std::chrono::steady_clock::now() + patience;
    while ((id = tid->load()) == 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(1ms);
    REQUIRE(id != 0);
    REQUIRE_MESSAGE(stays_asleep_within(id, patience),
                    "the first party never went to sleep in the barrier");
    barrier->arrive_and_drop();  // the last arrival the round needed
    REQUIRE_MESSAGE(waiting.finish_within(patience),
                    "the party waiting in round 0 was never released");
    CHECK(*round_got == 0);
    CHECK(*barrier_thread == std::this_thread::get_id());  // the drop ran the completion
    // The barrier goes on with one party.
    CHECK(barrier->arrive_and_wait() == 1);
}
