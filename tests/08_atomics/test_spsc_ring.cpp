// test_spsc_ring.cpp: tests for SpscRing, a lock-free queue between one producer and one consumer.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bounded_sync.hpp"
#include "spsc_ring.hpp"

using course::SpscRing;
using course_test::patience;
using course_test::run_together;

namespace {

// A value with no default constructor.
struct Point {
    Point(int x_, int y_) : x(x_), y(y_) {}
    int x;
    int y;
};

// Counts the Tracked objects alive, moved-from ones included.
std::atomic<int> tracked_alive{0};

struct Tracked {
    explicit Tracked(int id_) : id(id_) { ++tracked_alive; }
    Tracked(const Tracked& other) : id(other.id) { ++tracked_alive; }
    Tracked(Tracked&& other) noexcept : id(other.id) { ++tracked_alive; }
    Tracked& operator=(const Tracked&) = default;
    Tracked& operator=(Tracked&&) noexcept = default;
    ~Tracked() { --tracked_alive; }
    int id;
};

// Pushes and pops `rounds` times in a pattern that keeps the ring's fill level changing, so
// that the indices pass the end of the slots again and again; true when every item came
// out once, in order.
bool cycles_in_order(std::size_t capacity, int rounds) {
    SpscRing<int> ring(capacity);
    int next_in = 0;
    int next_out = 0;
    for (int round = 0; round < rounds; ++round) {
        const int pushes = 1 + round % static_cast<int>(capacity);
        for (int i = 0; i < pushes; ++i) {
            if (!ring.try_push(next_in)) return false;
            ++next_in;
        }
        const int pops = round % 2 == 0 ? pushes : pushes - 1;  // sometimes leave one behind
        for (int i = 0; i < pops; ++i) {
            const std::optional<int> item = ring.try_pop();
            if (!item || *item != next_out) return false;
            ++next_out;
        }
        // drain what was left behind, so that the next round has room
        while (next_out < next_in) {
            const std::optional<int> item = ring.try_pop();
            if (!item || *item != next_out) return false;
            ++next_out;
        }
    }
    return !ring.try_pop().has_value() && next_in > static_cast<int>(10 * capacity);
}

// One producer and one consumer move `count` strings through `ring`; returns the number of
// items the consumer got in the right place (count, when all is well). Both sides spin
// while the ring is full or empty. A side that makes no progress for `patience` gives up
// (a wrong ring that never hands an item over fails instead of hanging); a correct ring on
// a busy machine may be slow, but it always makes progress.
template <typename Ring>
int pass_through(Ring& ring, int count) {
    int in_order = 0;
    run_together(2, [&](int side) {
        auto deadline = std::chrono::steady_clock::now() + patience;
        const auto stuck = [&deadline] {
            if (std::chrono::steady_clock::now() > deadline) return true;
            std::this_thread::yield();
            return false;
        };
        const auto progressed = [&deadline] {
            deadline = std::chrono::steady_clock::now() + patience;
        };
        if (side == 0) {
            for (int i = 0; i < count; ++i) {
                while (!ring.try_push("item " + std::to_string(i))) {
                    if (stuck()) return;
                }
                progressed();
            }
            return;
        }
        for (int received = 0; received < count;) {
            if (std::optional<std::string> item = ring.try_pop()) {
                if (*item == "item " + std::to_string(received)) ++in_order;
                ++received;
                progressed();
            } else if (stuck()) {
                return;
            }
        }
    });
    return in_order;
}

}  // namespace

TEST_CASE("a ring knows its capacity, and a capacity of zero is rejected") {
    const SpscRing<int> ring(5);
    CHECK(ring.capacity() == 5);
    CHECK_THROWS_AS(SpscRing<int>(0), std::invalid_argument);
}

TEST_CASE("an empty ring pops nothing") {
    SpscRing<int> ring(4);
    CHECK_FALSE(ring.try_pop().has_value());
    REQUIRE(ring.try_push(1));
    CHECK(ring.try_pop() == 1);
    CHECK_FALSE(ring.try_pop().has_value());
}

TEST_CASE("items come out in the order they were pushed") {
    SpscRing<std::string> ring(8);
    for (const char* word : {"one", "two", "three", "four"})
        REQUIRE(ring.try_push(std::string(word)));
    CHECK(ring.try_pop() == "one");
    CHECK(ring.try_pop() == "two");
    REQUIRE(ring.try_push(std::string("five")));
    CHECK(ring.try_pop() == "three");
    CHECK(ring.try_pop() == "four");
    CHECK(ring.try_pop() == "five");
}

TEST_CASE("a ring holds exactly its capacity, and takes one more after each pop") {
    for (const std::size_t capacity :
         {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{7}}) {
        INFO("capacity " << capacity);
        SpscRing<int> ring(capacity);
        for (std::size_t i = 0; i < capacity; ++i)
            CHECK(ring.try_push(static_cast<int>(i)));
        CHECK_FALSE(ring.try_push(-1));
        CHECK(ring.try_pop() == 0);
        CHECK(ring.try_push(static_cast<int>(capacity)));
        CHECK_FALSE(ring.try_push(-1));
        for (std::size_t i = 1; i <= capacity; ++i)
            CHECK(ring.try_pop() == static_cast<int>(i));
        CHECK_FALSE(ring.try_pop().has_value());
    }
}

TEST_CASE("a push into a full ring leaves the value untouched") {
    SpscRing<std::unique_ptr<int>> ring(1);
    REQUIRE(ring.try_push(std::make_unique<int>(1)));
    auto second = std::make_unique<int>(2);
    CHECK_FALSE(ring.try_push(std::move(second)));
    REQUIRE(second != nullptr);  // not moved from: the caller still owns it
    CHECK(*second == 2);
    std::optional<std::unique_ptr<int>> first = ring.try_pop();
    REQUIRE(first.has_value());
    CHECK(**first == 1);
    CHECK(ring.try_push(std::move(second)));
    CHECK(second == nullptr);
}

TEST_CASE("an lvalue is copied in, and values need no default constructor") {
    SpscRing<std::string> words(2);
    std::string word = "kept";
    REQUIRE(words.try_push(word));
    CHECK(word == "kept");  // copied: the caller's string is not moved from
    CHECK(words.try_pop() == "kept");

    SpscRing<Point> points(2);
    REQUIRE(points.try_push(Point(1, 2)));
    const std::optional<Point> point = points.try_pop();
    REQUIRE(point.has_value());
    CHECK(point->x == 1);
    CHECK(point->y == 2);
}

TEST_CASE("items stay in order while the indices wrap around, for any capacity") {
    for (const std::size_t capacity : {std::size_t{1}, std::size_t{2}, std::size_t{3},
                                       std::size_t{5}, std::size_t{6}, std::size_t{8}}) {
        INFO("capacity " << capacity);
        CHECK(cycles_in_order(capacity, 500));
    }
}

TEST_CASE("the ring keeps nothing of a popped item") {
    tracked_alive = 0;
    {
        SpscRing<Tracked> ring(3);
        for (int round = 0; round < 4; ++round) {
            REQUIRE(ring.try_push(Tracked(2 * round)));
            REQUIRE(ring.try_push(Tracked(2 * round + 1)));
            CHECK(tracked_alive.load() == 2);  // the two items in the ring
            CHECK(ring.try_pop()->id == 2 * round);
            CHECK(ring.try_pop()->id == 2 * round + 1);
            CHECK(tracked_alive.load() == 0);  // popped and dropped: nothing left behind
        }
    }
    CHECK(tracked_alive.load() == 0);
}

TEST_CASE("a producer and a consumer on two threads pass every item once, in order") {
    // The ring is small, so it is full and empty many times and the indices wrap around
    // all the time: each slot is handed back and forth thousands of times. A relaxed index
    // (or one stored at the wrong moment) lets one side read a slot the other is writing:
    // ThreadSanitizer reports it even when every item happens to arrive intact.
    constexpr int items = 5'000;
    SpscRing<std::string> ring(4);
    CHECK(pass_through(ring, items) == items);
    CHECK_FALSE(ring.try_pop().has_value());
}

TEST_CASE("a ring of one slot hands every item over, one at a time") {
    constexpr int items = 2'000;
    SpscRing<std::string> ring(1);
    CHECK(pass_through(ring, items) == items);
    CHECK_FALSE(ring.try_pop().has_value());
}
