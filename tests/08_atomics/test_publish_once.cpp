// test_publish_once.cpp: tests for PublishOnce, a value published through a release/acquire flag.
#include <doctest/doctest.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <numeric>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bounded_sync.hpp"
#include "publish_once.hpp"

using course::PublishOnce;
using course_test::patience;
using course_test::run_together;

namespace {

// A value with no default constructor: the slot must not need one.
struct Point {
    Point(int x_, int y_) : x(x_), y(y_) {}
    int x;
    int y;
};

// Spins until `ready()` is true or `patience` has passed; true when it became ready. A
// reader of a slot that is never published fails instead of spinning for ever.
template <typename Ready>
bool spin_until(Ready ready) {
    const auto deadline = std::chrono::steady_clock::now() + patience;
    while (!ready()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::yield();
    }
    return true;
}

}  // namespace

TEST_CASE("an empty slot has nothing to read") {
    const PublishOnce<int> slot;
    CHECK(slot.try_get() == nullptr);
    CHECK_FALSE(slot.is_published());
}

TEST_CASE("publish makes the value readable, at the same address every time") {
    PublishOnce<std::string> slot;
    slot.publish("hello");
    CHECK(slot.is_published());
    const std::string* first = slot.try_get();
    REQUIRE(first != nullptr);
    CHECK(*first == "hello");
    CHECK(slot.try_get() == first);
    CHECK(slot.is_published());
}

TEST_CASE("a second publish throws std::logic_error and keeps the first value") {
    PublishOnce<std::string> slot;
    slot.publish("first");
    const std::string* before = slot.try_get();
    CHECK_THROWS_AS(slot.publish("second"), std::logic_error);
    REQUIRE(slot.try_get() != nullptr);
    CHECK(*slot.try_get() == "first");
    CHECK(slot.try_get() == before);
}

TEST_CASE("move-only values and values with no default constructor can be published") {
    PublishOnce<std::unique_ptr<int>> owned;
    owned.publish(std::make_unique<int>(7));
    REQUIRE(owned.try_get() != nullptr);
    REQUIRE(*owned.try_get() != nullptr);
    CHECK(**owned.try_get() == 7);

    PublishOnce<Point> point;
    CHECK(point.try_get() == nullptr);
    point.publish(Point(3, 4));
    REQUIRE(point.try_get() != nullptr);
    CHECK(point.try_get()->x == 3);
    CHECK(point.try_get()->y == 4);
}

TEST_CASE("readers on other threads see the whole value as soon as they see it at all") {
    // One publisher and three readers that look while the value is being published. A
    // reader that gets a pointer must find every element in place. A flag that is set
    // before the value is stored shows up as a wrong value in a plain run, sometimes; a
    // flag stored or loaded relaxed, or not atomic at all, is a data race on the value,
    // which ThreadSanitizer reports every time (one round is enough for it; the others
    // give the plain run more chances).
    constexpr int rounds = 40;
    constexpr int readers = 3;
    constexpr long length = 1000;
    int incomplete = 0;
    int never_seen = 0;
    for (int round = 0; round < rounds; ++round) {
        PublishOnce<std::vector<long>> slot;
        std::vector<long> sums(readers, -1);
        std::vector<std::size_t> sizes(readers, 0);
        run_together(readers + 1, [&](int t) {
            if (t == readers) {
                std::vector<long> numbers(length);
                std::iota(numbers.begin(), numbers.end(), static_cast<long>(round));
                slot.publish(std::move(numbers));
                return;
            }
            const std::vector<long>* seen = nullptr;
            if (!spin_until([&] { return (seen = slot.try_get()) != nullptr; })) return;
            const auto r = static_cast<std::size_t>(t);
            sizes[r] = seen->size();
            sums[r] = std::accumulate(seen->begin(), seen->end(), 0L);
        });
        const long expected = length * round + length * (length - 1) / 2;
        for (int r = 0; r < readers; ++r) {
            const auto i = static_cast<std::size_t>(r);
            if (sums[i] == -1)
                ++never_seen;
            else if (sizes[i] != static_cast<std::size_t>(length) || sums[i] != expected)
                ++incomplete;
        }
    }
    INFO("over " << rounds << " rounds of " << readers << " readers");
    CHECK(never_seen == 0);
    CHECK(incomplete == 0);
}

TEST_CASE("is_published() shows what the publisher wrote before publishing") {
    // The publisher writes a note (plain data, not the value itself), then publishes. A
    // reader that sees is_published() == true may read the note: is_published() is an
    // acquire load too. A relaxed one races with the note's write, and ThreadSanitizer
    // reports it.
    constexpr int rounds = 30;
    int wrong = 0;
    for (int round = 0; round < rounds; ++round) {
        PublishOnce<int> slot;
        std::string note;
        std::string read_note;
        run_together(2, [&](int t) {
            if (t == 0) {
                note = "written before round " + std::to_string(round) + " was published";
                slot.publish(round);
                return;
            }
            if (!spin_until([&] { return slot.is_published(); })) return;
            read_note = note;
        });
        if (read_note != "written before round " + std::to_string(round) + " was published")
            ++wrong;
    }
    CHECK(wrong == 0);
}

TEST_CASE("what the publisher wrote before publishing is visible through try_get() too") {
    constexpr int rounds = 30;
    int wrong = 0;
    for (int round = 0; round < rounds; ++round) {
        PublishOnce<int> slot;
        std::vector<int> log;
        std::size_t read_size = 0;
        run_together(2, [&](int t) {
            if (t == 0) {
                log.assign(static_cast<std::size_t>(round) + 1, round);
                slot.publish(round);
                return;
            }
            const int* value = nullptr;
            if (!spin_until([&] { return (value = slot.try_get()) != nullptr; })) return;
            if (*value == round) read_size = log.size();
        });
        if (read_size != static_cast<std::size_t>(round) + 1) ++wrong;
    }
    CHECK(wrong == 0);
}
