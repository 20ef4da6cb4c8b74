// test_bounded_buffer.cpp: tests for BoundedBuffer, the mirror of Python's Queue(maxsize).
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "bounded_buffer.hpp"
#include "bounded_waits.hpp"

using course::BoundedBuffer;
using course_test::Crew;
using course_test::Hooked;
using course_test::patience;
using course_test::ThreadIds;
using namespace std::chrono_literals;

namespace {

// A thread that waits (spinning, so that it is never mistaken for one asleep in the buffer)
// until the test says go, then calls the buffer. Armed on the item the test's own thread
// copies next, it is told to go while the buffer's lock is held, and the test waits until
// it sleeps on that lock: it is then first in line for the lock, before any thread that
// the buffer's call wakes up. Given a `victim` asleep in the buffer, the thief, once it
// has the lock (while it moves an item), keeps it until the victim is awake and waiting for
// the lock too: the victim's wake-up is then certain to find the item (or the room) gone.
class Thief {
public:
    explicit Thief(pid_t victim = 0)
        : victim_(victim),
          victim_sleeps_on_(victim != 0 ? course_test::futex_address(victim) : std::nullopt) {}

    // In the thief's thread, before its call.
    void wait_for_go() {
        id_.store(course_test::kernel_thread_id());
        const auto give_up = std::chrono::steady_clock::now() + patience;
        while (!go_.load() && std::chrono::steady_clock::now() < give_up)
            std::this_thread::yield();
        if (victim_sleeps_on_) {
            Hooked<int>::on_next_copy([this] {
                course_test::woken_and_waiting_for_lock_within(victim_, *victim_sleeps_on_,
                                                               patience);
            });
        }
    }

    // In the test's thread, before the call that takes the buffer's lock.
    void arm_for_next_copy() {
        while (id_.load() == 0)
            std::this_thread::yield();
        Hooked<int>::on_next_copy([this] {
            go_.store(true);
            course_test::falls_asleep_within(id_.load(),
                                             patience);  // waiting for the lock held now
        });
    }

    void go() { go_.store(true); }

    // Lets the thief go however the test's call ends (a call that throws included), so that
    // it never spins until its bound.
    struct GoOnExit {
        Thief& thief;
        ~GoOnExit() {
            thief.go();
            Hooked<int>::disarm();
        }
    };

private:
    const pid_t victim_;
    const std::optional<unsigned long> victim_sleeps_on_;
    std::atomic<pid_t> id_{0};
    std::atomic<bool> go_{false};
};

// Puts `value` while a thief waits for the buffer's lock; the thief takes an item at once
// (try_get_for(0)), and keeps the lock until `victim` (asleep in the buffer) is awake and
// waiting for it. Returns true when the thief got this item, ahead of the woken victim.
bool put_with_thief_in_line(const std::shared_ptr<BoundedBuffer<Hooked<int>>>& buffer, int value,
                            pid_t victim) {
    auto thief = std::make_shared<Thief>(victim);
    auto thief_got = std::make_shared<std::optional<int>>();
    Crew crew;
    crew.start([=] {
        thief->wait_for_go();
        if (std::optional<Hooked<int>> item = buffer->try_get_for(0ms)) *thief_got = item->value;
        Hooked<int>::disarm();
    });
    {
        const Thief::GoOnExit go_on_exit{*thief};
        thief->arm_for_next_copy();
        buffer->put(Hooked<int>(value));
    }
    REQUIRE(crew.finish_within(patience));
    return *thief_got == value;
}

}  // namespace

// Threads share the buffer through a shared_ptr: a thread stuck in a wrong put() or get()
// is left behind when the test gives up, and must not outlive what it uses.

TEST_CASE("items come out in the order they were put") {
    BoundedBuffer<std::string> buffer(3);
    CHECK(buffer.capacity() == 3);
    buffer.put("a");
    buffer.put("b");
    buffer.put("c");
    CHECK(buffer.size() == 3);
    CHECK(buffer.get() == "a");
    CHECK(buffer.get() == "b");
    buffer.put("d");
    CHECK(buffer.get() == "c");
    CHECK(buffer.get() == "d");
    CHECK(buffer.size() == 0);
}

TEST_CASE("a capacity of zero is rejected") {
    CHECK_THROWS_AS(BoundedBuffer<int>(0), std::invalid_argument);
}

TEST_CASE("try_put_for on a full buffer gives up and leaves the buffer as it was") {
    BoundedBuffer<int> buffer(2);
    CHECK(buffer.try_put_for(1, 0ms));
    CHECK(buffer.try_put_for(2, 10ms));
    CHECK_FALSE(buffer.try_put_for(3, 0ms));
    CHECK_FALSE(buffer.try_put_for(3, 10ms));
    CHECK(buffer.size() == 2);
    CHECK(buffer.get() == 1);
    CHECK(buffer.get() == 2);
}

TEST_CASE("try_get_for on an empty buffer gives up with nothing") {
    BoundedBuffer<int> buffer(2);
    CHECK_FALSE(buffer.try_get_for(0ms).has_value());
    CHECK_FALSE(buffer.try_get_for(10ms).has_value());
    buffer.put(5);
    CHECK(buffer.try_get_for(0ms) == 5);
    CHECK_FALSE(buffer.try_get_for(0ms).has_value());
}

TEST_CASE("put waits while the buffer is full, so the producer never gets ahead") {
    constexpr std::size_t capacity = 2;
    constexpr int items = 6;
    auto buffer = std::make_shared<BoundedBuffer<int>>(capacity);
    auto puts_done = std::make_shared<std::atomic<int>>(0);
    auto producer_id = std::make_shared<ThreadIds>(1);
    Crew producer;
    producer.start([=] {
        producer_id->tell(0);
        for (int i = 0; i < items; ++i) {
            buffer->put(i);
            puts_done->fetch_add(1);
        }
    });
    producer_id->wait_until_all_asleep();  // in the third put(), or done if put() never waits
    CHECK_MESSAGE(buffer->size() <= capacity, "the buffer holds " << buffer->size() << " items, its capacity is "
                                                                  << capacity << ": put() must wait for room");
    CHECK(puts_done->load() == static_cast<int>(capacity));
    for (int i = 0; i < items; ++i) {
        const std::optional<int> item = buffer->try_get_for(patience);
        REQUIRE_MESSAGE(item.has_value(), "the producer never put item " << i);
        CHECK(*item == i);
        CHECK(buffer->size() <= capacity);
    }
    CHECK_MESSAGE(producer.finish_within(patience), "the producer is still blocked in put()");
}

TEST_CASE("get waits while the buffer is empty and wakes up when an item is put") {
    auto buffer = std::make_shared<BoundedBuffer<int>>(2);
    auto got = std::make_shared<std::optional<int>>();
    auto consumer_id = std::make_shared<ThreadIds>(1);
    Crew consumer;
    consumer.start([=] {
        consumer_id->tell(0);
        *got = buffer->get();  // empty: waits for the put() below
    });
    consumer_id->wait_until_all_asleep();
    buffer->put(3);
    REQUIRE_MESSAGE(
        consumer.finish_within(patience),
        "the consumer sleeps in get() forever: put() must wake a consumer waiting for an item");
    CHECK(*got == 3);
}

TEST_CASE("a producer waiting on a full buffer wakes up when a consumer takes an item") {
    auto buffer = std::make_shared<BoundedBuffer<int>>(1);
    buffer->put(1);
    auto producer_id = std::make_shared<ThreadIds>(1);
    Crew producer;
    producer.start([=] {
        producer_id->tell(0);
        buffer->put(2);  // full: waits for the get() below
    });
    producer_id->wait_until_all_asleep();
    CHECK(buffer->get() == 1);
    REQUIRE_MESSAGE(producer.finish_within(patience),
                    "the producer sleeps in put() forever: get() must wake a producer waiting for room");
    CHECK(buffer->get() == 2);
}

TEST_CASE("every producer waiting on a full buffer gets its turn as consumers take items") {
    constexpr int producers = 3;
    auto buffer = std::make_shared<BoundedBuffer<int>>(1);
    buffer->put(0);
    auto ids = std::make_shared<ThreadIds>(producers);
    Crew crew;
    for (int p = 0; p < producers; ++p) {
        crew.start([=] {
            ids->tell(p);
            buffer->put(p + 1);
        });
    }
    ids->wait_until_all_asleep();
    std::vector<int> taken;
    for (int i = 0; i <= producers; ++i) {
        const std::optional<int> item = buffer->try_get_for(patience);
        REQUIRE_MESSAGE(item.has_value(),
                        "only " << i << " of " << producers + 1
                                << " items came out: a producer waiting for room was never woken");
        taken.push_back(*item);
    }
    REQUIRE(crew.finish_within(patience));
    std::sort(taken.begin(), taken.end());
    CHECK(taken == std::vector<int>{0, 1, 2, 3});
}

TEST_CASE("try_put_for waits for room that appears within its timeout") {
    auto buffer = std::make_shared<BoundedBuffer<int>>(1);
    buffer->put(1);
    auto added = std::make_shared<std::optional<bool>>();
    auto producer_id = std::make_shared<ThreadIds>(1);
    Crew producer;
    producer.start([=] {
        producer_id->tell(0);
        *added = buffer->try_put_for(2, patience);
    });
    producer_id->wait_until_all_asleep();  // a try_put_for() that does not wait has given up by now
    CHECK(buffer->get() == 1);
    REQUIRE(producer.finish_within(patience));
    CHECK_MESSAGE(*added == true,
                  "try_put_for() gave up although a consumer made room within its timeout");
    CHECK(buffer->try_get_for(0ms) == 2);
}

TEST_CASE("try_get_for waits for an item that arrives within its timeout") {
    auto buffer = std::make_shared<BoundedBuffer<int>>(1);
    auto got = std::make_shared<std::optional<int>>();
    auto consumer_id = std::make_shared<ThreadIds>(1);
    Crew consumer;
    consumer.start([=] {
        consumer_id->tell(0);
        *got = buffer->try_get_for(patience);
    });
    consumer_id->wait_until_all_asleep();  // a try_get_for() that does not wait has given up by now
    buffer->put(9);
    REQUIRE(consumer.finish_within(patience));
    CHECK_MESSAGE(*got == 9, "try_get_for() gave up although an item arrived within its timeout");
}

TEST_CASE("put keeps waiting when another producer takes the room it was woken for") {
    // A producer sleeps in put() on a full buffer of one. The test takes the item, and while
    // get() holds the lock (it is moving the item out), a second producer starts put() and
    // has to wait for that lock: when get() lets go, it is first in line and usually fills
    // the room before the woken producer gets the lock. The woken producer then finds the
    // buffer full again and must wait on (the predicate loop) instead of adding its item.
    constexpr int rounds = 20;
    int stolen_rounds = 0;
    for (int round = 0; round < rounds && stolen_rounds < 3; ++round) {
        CAPTURE(round);
        auto buffer = std::make_shared<BoundedBuffer<Hooked<int>>>(1);
        buffer->put(Hooked<int>(0));
        auto sleeper_id = std::make_shared<ThreadIds>(1);
        Crew sleeper;
        sleeper.start([=] {
            sleeper_id->tell(0);
            buffer->put(Hooked<int>(1));
        });
        sleeper_id->wait_until_all_asleep();
        auto thief = std::make_shared<Thief>(sleeper_id->id(0));
        Crew thief_crew;
        thief_crew.start([=] {
            thief->wait_for_go();
            buffer->put(Hooked<int>(2));
            Hooked<int>::disarm();
        });
        int first = -1;
        {
            const Thief::GoOnExit go_on_exit{*thief};
            thief->arm_for_next_copy();
            first = buffer->get().value;
        }
        CHECK(first == 0);
        // One of the two producers now has the room, the other must be asleep again.
        const auto one_done = [&] { return sleeper.finished() + thief_crew.finished() >= 1; };
        const auto give_up = std::chrono::steady_clock::now() + patience;
        while (!one_done() && std::chrono::steady_clock::now() < give_up)
            std::this_thread::yield();
        REQUIRE_MESSAGE(one_done(), "neither producer got the room that get() made");
        const bool stolen = thief_crew.finished() == 1;
        if (stolen) {
            ++stolen_rounds;
            course_test::falls_asleep_within(sleeper_id->id(0),
                                             patience);  // or ends, if it added anyway
            CHECK_MESSAGE(buffer->size() <= 1,
                          "the buffer of one holds "
                              << buffer->size()
                              << " items: after a wake-up, check again and wait again");
            CHECK_MESSAGE(sleeper.finished() == 0, "put() added its item to a full buffer");
        }
        std::vector<int> rest;
        while (rest.size() < 2) {
            const std::optional<Hooked<int>> item = buffer->try_get_for(patience);
            if (!item) break;
            rest.push_back(item->value);
        }
        REQUIRE(sleeper.finish_within(patience));
        REQUIRE(thief_crew.finish_within(patience));
        std::sort(rest.begin(), rest.end());
        CHECK(rest == std::vector<int>{1, 2});
    }
    INFO(stolen_rounds << " rounds in which the second producer took the room first");
}

TEST_CASE("try_get_for keeps waiting when another thread takes the item it was woken for") {
    // As above, on the consumer's side: the woken consumer finds the buffer empty again, and
    // must wait on until its timeout, not give up at the first wake-up.
    constexpr int rounds = 20;
    int stolen_rounds = 0;
    for (int round = 0; round < rounds && stolen_rounds < 3; ++round) {
        CAPTURE(round);
        auto buffer = std::make_shared<BoundedBuffer<Hooked<int>>>(2);
        auto sleeper_id = std::make_shared<ThreadIds>(1);
        auto sleeper_got = std::make_shared<std::optional<int>>();
        Crew sleeper;
        sleeper.start([=] {
            sleeper_id->tell(0);
            if (std::optional<Hooked<int>> item = buffer->try_get_for(patience))
                *sleeper_got = item->value;
        });
        sleeper_id->wait_until_all_asleep();
        const bool stolen = put_with_thief_in_line(buffer, round, sleeper_id->id(0));
        if (stolen) {
            ++stolen_rounds;
            course_test::falls_asleep_within(sleeper_id->id(0),
                                             patience);  // asleep again, or returned
        }
        buffer->put(Hooked<int>(-1));
        REQUIRE_MESSAGE(sleeper.finish_within(patience), "try_get_for() never returned");
        if (stolen) {
            CHECK_MESSAGE(
                *sleeper_got == -1,
                "try_get_for() came back "
                    << (sleeper_got->has_value() ? "with the wrong item" : "empty-handed")
                    << " long before its timeout: after a wake-up, check again and wait again");
        } else {
            CHECK(*sleeper_got == round);
        }
    }
    INFO(stolen_rounds << " rounds in which another thread took the item first");
}

TEST_CASE("try_get_for keeps its deadline when it is woken for an item another thread takes") {
    // A consumer sleeps in try_get_for(). The test reads the deadline its wait handed to the
    // kernel, then puts an item that another thread takes first (see the test above), so
    // that the consumer wakes up to an empty buffer and goes back to sleep: it must sleep
    // until the same deadline. A wait_for(timeout) started afresh at every wake-up moves it
    // later each time, and never ends while wake-ups keep coming.
    if (!course_test::proc_shows_blocked_calls()) return;  // nothing to read the deadline from
    constexpr int rounds = 20;
    int compared = 0;
    for (int round = 0; round < rounds && compared < 2; ++round) {
        CAPTURE(round);
        auto buffer = std::make_shared<BoundedBuffer<Hooked<int>>>(2);
        auto sleeper_id = std::make_shared<ThreadIds>(1);
        Crew sleeper;
        sleeper.start([=] {
            sleeper_id->tell(0);
            buffer->try_get_for(patience);
        });
        sleeper_id->wait_until_all_asleep();
        const std::optional<long long> before = course_test::futex_deadline(sleeper_id->id(0));
        std::this_thread::sleep_for(
            20ms);  // so that a deadline started afresh would be 20 ms later
        const bool stolen = put_with_thief_in_line(buffer, round, sleeper_id->id(0));
        std::optional<long long> after;
        if (stolen && before && course_test::falls_asleep_within(sleeper_id->id(0), patience)) {
            after = course_test::futex_deadline(sleeper_id->id(0));
        }
        buffer->put(Hooked<int>(-1));
        REQUIRE_MESSAGE(sleeper.finish_within(patience), "try_get_for() never returned");
        if (!before || !after) continue;
        ++compared;
        const long long moved_ms = (*after - *before) / 1'000'000;
        CHECK_MESSAGE(
            moved_ms < 10,
            "after a wake-up that found the buffer empty, try_get_for() waited for a deadline "
                << moved_ms << " ms later than its first: keep one deadline (wait_until, or "
                << "wait_for with a predicate), do not restart the timeout");
    }
    INFO(compared << " rounds in which the deadline was read before and after a stolen wake-up");
}

TEST_CASE("several producers and consumers through a buffer of one: nothing lost, nothing doubled") {
    constexpr int producers = 3;
    constexpr int consumers = 3;
    constexpr int per_thread = 2000;
    auto buffer = std::make_shared<BoundedBuffer<int>>(1);
    auto taken = std::make_shared<std::vector<std::vector<int>>>(consumers);
    auto overfilled = std::make_shared<std::atomic<bool>>(false);
    Crew crew;
    for (int c = 0; c < consumers; ++c) {
        crew.start([=] {
            auto& mine = (*taken)[static_cast<std::size_t>(c)];
            for (int i = 0; i < per_thread; ++i) mine.push_back(buffer->get());
        });
    }
    for (int p = 0; p < producers; ++p) {
        crew.start([=] {
            for (int i = 0; i < per_thread; ++i) {
                buffer->put(p * per_thread + i);
                if (buffer->size() > buffer->capacity()) overfilled->store(true);
            }
        });
    }
    REQUIRE_MESSAGE(crew.finish_within(patience),
                    "only " << crew.finished() << " of " << producers + consumers
                            << " threads finished: a put() or get() slept through its wake-up");
    CHECK_FALSE_MESSAGE(overfilled->load(), "the buffer held more items than its capacity");
    std::vector<int> all;
    for (const auto& mine : *taken) all.insert(all.end(), mine.begin(), mine.end());
    std::sort(all.begin(), all.end());
    std::vector<int> expected(producers * per_thread);
    for (std::size_t i = 0; i < expected.size(); ++i) expected[i] = static_cast<int>(i);
    CHECK_MESSAGE(all == expected, "items were lost or taken twice");
}
