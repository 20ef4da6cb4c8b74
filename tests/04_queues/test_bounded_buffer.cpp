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
using course_test::Gate;
using course_test::patience;
using course_test::Rendezvous;
using namespace std::chrono_literals;

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
    auto filled = std::make_shared<Rendezvous>(static_cast<std::ptrdiff_t>(capacity));
    Crew producer;
    producer.start([=] {
        for (int i = 0; i < items; ++i) {
            buffer->put(i);
            puts_done->fetch_add(1);
            filled->count_down();
        }
    });
    REQUIRE(filled->wait_for(patience));
    course_test::give_wrong_code_a_chance();  // a put() that does not wait overfills the buffer now
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

TEST_CASE("a producer waiting on a full buffer wakes up when a consumer takes an item") {
    auto buffer = std::make_shared<BoundedBuffer<int>>(1);
    buffer->put(1);
    auto about_to_put = std::make_shared<Gate>();
    Crew producer;
    producer.start([=] {
        about_to_put->open();
        buffer->put(2);  // full: waits for the get() below
    });
    REQUIRE(about_to_put->wait_for(patience));
    course_test::give_wrong_code_a_chance();  // let the producer fall asleep in put()
    CHECK(buffer->get() == 1);
    REQUIRE_MESSAGE(producer.finish_within(patience),
                    "the producer sleeps in put() forever: get() must wake a producer waiting for room");
    CHECK(buffer->get() == 2);
}

TEST_CASE("try_put_for waits for room that appears within its timeout") {
    auto buffer = std::make_shared<BoundedBuffer<int>>(1);
    buffer->put(1);
    auto taken = std::make_shared<std::optional<int>>();
    Crew consumer;
    consumer.start([=] {
        course_test::give_wrong_code_a_chance();  // a try_put_for() that does not wait gives up now
        *taken = buffer->get();
    });
    REQUIRE_MESSAGE(buffer->try_put_for(2, patience), "try_put_for() gave up although a consumer made room");
    REQUIRE(consumer.finish_within(patience));
    CHECK(*taken == 1);
    CHECK(buffer->get() == 2);
}

TEST_CASE("try_get_for waits for an item that arrives within its timeout") {
    auto buffer = std::make_shared<BoundedBuffer<int>>(1);
    Crew producer;
    producer.start([=] {
        course_test::give_wrong_code_a_chance();  // a try_get_for() that does not wait gives up now
        buffer->put(9);
    });
    CHECK_MESSAGE(buffer->try_get_for(patience) == 9, "try_get_for() gave up although an item arrived");
    CHECK(producer.finish_within(patience));
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
