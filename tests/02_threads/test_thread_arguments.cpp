// test_thread_arguments.cpp: tests for tally_in_parallel() and start_labelled_job(): what a thread shares, copies and owns.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <functional>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "bounded_sync.hpp"
#include "bounded_waits.hpp"
#include "injected_failures.hpp"
#include "thread_arguments.hpp"

using course::start_labelled_job;
using course::tally_in_parallel;
using course::WordTally;
using course_test::patience;

namespace {

/// A tally that waits until `expected` tallies run at once, and notes its thread.
course_test::Rendezvous* meeting = nullptr;
struct MeetingTally {
    bool met = false;
    std::thread::id ran_on;
    void operator()(const std::string&) {
        ran_on = std::this_thread::get_id();
        met = meeting->arrive_and_wait_for(patience);
    }
};

/// A tally that notes which object was called, which text it saw, and counts its copies.
std::atomic<int> tally_copies{0};
struct WitnessTally {
    const WitnessTally* called_on = nullptr;
    const char* text_seen = nullptr;
    WitnessTally() = default;
    WitnessTally(const WitnessTally& other) : called_on(other.called_on), text_seen(other.text_seen) {
        tally_copies.fetch_add(1);
    }
    WitnessTally& operator=(const WitnessTally&) = default;
    ~WitnessTally() = default;
    void operator()(const std::string& text) {
        called_on = this;
        text_seen = text.data();
    }
};

/// A tally that takes a moment and counts the tallies that have finished.
std::atomic<int> slow_tallies_finished{0};
struct SlowTally {
    void operator()(const std::string&) {
        course_test::give_wrong_code_a_chance();
        slow_tallies_finished.fetch_add(1);
    }
};

/// Overwrites the stack below the caller, where the frame of a function that has just
/// returned used to be: whatever a thread still reads from there is garbage afterwards.
[[gnu::noinline]] void scribble_on_the_stack() {
    volatile char junk[16384];
    for (volatile char& c : junk) c = 'x';
}

/// Called through a pointer, so that start_labelled_job() keeps a stack frame of its own.
auto* volatile start_job = &start_labelled_job;

}  // namespace

TEST_CASE("each text is tallied into the tally that comes back") {
    const std::vector<std::string> texts{"one two three", "  spaced   out words here ", "", "a bb ccc dddd"};
    const std::vector<WordTally> tallies = tally_in_parallel(texts);
    REQUIRE(tallies.size() == 4);
    CHECK(tallies[0].words == 3);
    CHECK(tallies[0].longest == 5);
    CHECK(tallies[1].words == 4);
    CHECK(tallies[1].longest == 6);
    CHECK(tallies[2].words == 0);
    CHECK(tallies[3].words == 4);
    CHECK(tallies[3].longest == 4);
}

TEST_CASE("the tallies run on threads of their own, all at the same time") {
    course_test::Rendezvous all_three(3);
    meeting = &all_three;
    const std::vector<MeetingTally> tallies = tally_in_parallel<MeetingTally>({"a", "b", "c"});
    meeting = nullptr;
    REQUIRE(tallies.size() == 3);
    std::set<std::thread::id> ids;
    for (const MeetingTally& tally : tallies) {
        CHECK(tally.met);
        ids.insert(tally.ran_on);
    }
    CHECK(ids.size() == 3);
    CHECK(ids.count(std::this_thread::get_id()) == 0);
    CHECK(ids.count(std::thread::id()) == 0);
}

TEST_CASE("each thread calls the caller's tally, not a copy of it") {
    tally_copies.store(0);
    const std::vector<WitnessTally> tallies = tally_in_parallel<WitnessTally>({"x", "y", "z"});
    REQUIRE(tallies.size() == 3);
    INFO("a thread worked on a copy of its tally: std::thread copies its function unless given std::ref");
    for (const WitnessTally& tally : tallies) CHECK(tally.called_on == &tally);
    CHECK(tally_copies.load() == 0);
}

TEST_CASE("each thread reads the caller's text, not a copy of it") {
    const std::vector<std::string> texts{"a text long enough to live on the heap", "short"};
    const std::vector<WitnessTally> tallies = tally_in_parallel<WitnessTally>(texts);
    REQUIRE(tallies.size() == 2);
    INFO("a thread read a copy of its text: std::thread copies its arguments unless given std::cref");
    CHECK(tallies[0].text_seen == texts[0].data());
    CHECK(tallies[1].text_seen == texts[1].data());
}

TEST_CASE("every thread has finished when tally_in_parallel() returns") {
    slow_tallies_finished.store(0);
    const std::vector<SlowTally> tallies = tally_in_parallel<SlowTally>({"a", "b", "c"});
    const int finished_at_return = slow_tallies_finished.load();
    // A thread wrongly left running (detached) finishes before the test goes on.
    const auto give_up = std::chrono::steady_clock::now() + patience;
    while (slow_tallies_finished.load() < 3 && std::chrono::steady_clock::now() < give_up) {
        std::this_thread::yield();
    }
    REQUIRE(tallies.size() == 3);
    INFO("tally_in_parallel() returned while threads were still tallying: join them all first");
    CHECK(finished_at_return == 3);
}

TEST_CASE("no texts give no tallies") {
    CHECK(tally_in_parallel(std::vector<std::string>{}).empty());
}

TEST_CASE("the label reaches the job intact after start_labelled_job() has returned") {
    course_test::Gate go;
    std::string seen;
    std::jthread worker = start_job(7, [&go, &seen](const std::string& label) {
        go.wait_for(patience);  // read the label only once the function's frame is long gone
        seen = std::string(label.data(), std::min<std::size_t>(label.size(), 64));
    });
    scribble_on_the_stack();
    go.open();
    worker.join();
    INFO("the thread read a label that no longer existed: does it own a copy, or refer to a local?");
    CHECK(seen == "job #7");
}

TEST_CASE("the job runs on its own thread, and start_labelled_job() does not wait for it") {
    course_test::Gate go;
    bool go_came = false;
    std::thread::id ran_on;
    std::jthread worker = start_labelled_job(1, [&](const std::string&) {
        ran_on = std::this_thread::get_id();
        go_came = go.wait_for(patience);  // opened only once start_labelled_job() has returned
    });
    go.open();
    worker.join();
    INFO("start_labelled_job() waited for the job instead of returning at once");
    CHECK(go_came);
    CHECK(ran_on != std::this_thread::get_id());
    CHECK(ran_on != std::thread::id());
}

TEST_CASE("each job gets its own label, and runs once") {
    std::array<std::string, 3> labels;
    std::atomic<int> calls{0};
    {
        std::vector<std::jthread> workers;
        const std::array<int, 3> ids{1, 22, -333};
        for (std::size_t i = 0; i < ids.size(); ++i) {
            workers.push_back(start_labelled_job(ids[i], [&labels, &calls, i](const std::string& label) {
                labels[i] = label;
                calls.fetch_add(1);
            }));
            CHECK(workers.back().joinable());
        }
    }
    CHECK(labels == std::array<std::string, 3>{"job #1", "job #22", "job #-333"});
    CHECK(calls.load() == 3);
}

TEST_CASE("a thread that cannot be started is a std::system_error") {
    // The system refuses the thread (EAGAIN), as it does when it is out of resources.
    const course_test::FailCalls refused(course_test::Call::thread, EAGAIN);
    bool ran = false;
    try {
        std::jthread worker = start_labelled_job(3, [&ran](const std::string&) { ran = true; });
        FAIL("start_labelled_job() returned a thread although none could be started");
    } catch (const std::system_error& e) {
        CHECK(e.code() == std::errc::resource_unavailable_try_again);
    }
    CHECK_FALSE(ran);
}

TEST_CASE("an empty job is rejected") {
    CHECK_THROWS_AS(start_labelled_job(1, std::function<void(const std::string&)>()), std::invalid_argument);
    CHECK_THROWS_AS(start_labelled_job(2, nullptr), std::invalid_argument);
}
