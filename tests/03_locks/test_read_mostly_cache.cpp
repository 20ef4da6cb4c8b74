// test_read_mostly_cache.cpp: tests for ReadMostlyCache, readers together on a std::shared_mutex.
#include <doctest/doctest.h>

#include <atomic>
#include <barrier>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "bounded_sync.hpp"
#include "bounded_waits.hpp"
#include "read_mostly_cache.hpp"

using namespace std::chrono_literals;
using course::ReadMostlyCache;
using course_test::Gate;
using course_test::patience;
using course_test::Rendezvous;
using course_test::run_together;

namespace {

// A compute function that remembers how often it ran for each key. It has its own lock, so
// that a cache which wrongly runs it in several threads at once does not make the test
// itself race.
struct CountingSquare {
    std::mutex mutex;
    std::map<int, int> calls;

    long operator()(int key) {
        std::lock_guard lock(mutex);
        ++calls[key];
        return static_cast<long>(key) * key + 1;
    }
    int calls_for(int key) {
        std::lock_guard lock(mutex);
        return calls[key];
    }
    int total_calls() {
        std::lock_guard lock(mutex);
        int total = 0;
        for (const auto& [key, count] : calls) total += count;
        return total;
    }
};

ReadMostlyCache<int, long>::Compute counting(CountingSquare& square) {
    return [&square](const int& key) { return square(key); };
}

// While `copy_meeting` is set, copying a Handshake makes the copying thread wait for the
// other copying threads (at most a few seconds). get() copies the cached value under the
// shared lock, so readers only meet if they hold it at the same time.
std::atomic<Rendezvous*> copy_meeting{nullptr};
std::atomic<int> copies_that_met_nobody{0};

struct Handshake {
    int number = 0;

    Handshake() = default;
    explicit Handshake(int n) : number(n) {}
    Handshake(Handshake&&) = default;
    Handshake& operator=(Handshake&&) = default;
    Handshake& operator=(const Handshake&) = default;
    Handshake(const Handshake& other) : number(other.number) {
        if (Rendezvous* meeting = copy_meeting.load(); meeting != nullptr) {
            if (!meeting->arrive_and_wait_for(5s)) copies_that_met_nobody.fetch_add(1);
        }
    }
    ~Handshake() = default;
};

// A key whose first comparison in a thread, while `meet_on_next_compare` is set for that
// thread, waits (at most a few seconds) until all the threads of the meeting are comparing
// keys too. After one wait in vain it gives up meeting, so that a wrong cache fails fast.
thread_local Rendezvous* meet_on_next_compare = nullptr;
std::atomic<int> lookups_met_nobody{0};

struct MeetingKey {
    int value = 0;

    // Unused where the cache under test never compares keys (the untouched stub).
    [[maybe_unused]] friend bool operator<(const MeetingKey& left, const MeetingKey& right) {
        if (Rendezvous* meeting = meet_on_next_compare; meeting != nullptr) {
            meet_on_next_compare = nullptr;
            if (lookups_met_nobody.load() == 0 && !meeting->arrive_and_wait_for(5s)) {
                lookups_met_nobody.fetch_add(1);
            }
        }
        return left.value < right.value;
    }
};

}  // namespace

TEST_CASE("get computes a missing value and returns it") {
    CountingSquare square;
    ReadMostlyCache<int, long> cache(counting(square));
    CHECK(cache.get(3) == 10);
    CHECK(square.calls_for(3) == 1);
    CHECK(cache.size() == 1);
}

TEST_CASE("a second get returns the cached value without computing it again") {
    CountingSquare square;
    ReadMostlyCache<int, long> cache(counting(square));
    CHECK(cache.get(4) == 17);
    CHECK(cache.get(4) == 17);
    CHECK(cache.get(4) == 17);
    CHECK(square.calls_for(4) == 1);
}

TEST_CASE("each key is computed once, and size counts the keys") {
    CountingSquare square;
    ReadMostlyCache<int, long> cache(counting(square));
    for (int round = 0; round < 3; ++round) {
        for (int key = 0; key < 5; ++key) CHECK(cache.get(key) == key * key + 1);
    }
    CHECK(cache.size() == 5);
    CHECK(square.total_calls() == 5);
}

TEST_CASE("visit reads a cached value in place and never computes") {
    CountingSquare square;
    ReadMostlyCache<int, long> cache(counting(square));
    long seen = -1;
    CHECK_FALSE(cache.visit(6, [&](const long& value) { seen = value; }));
    CHECK(seen == -1);
    CHECK(square.total_calls() == 0);
    cache.get(6);
    CHECK(cache.visit(6, [&](const long& value) { seen = value; }));
    CHECK(seen == 37);
    CHECK(square.total_calls() == 1);
}

TEST_CASE("invalidate forgets a key, and the next get computes it again") {
    CountingSquare square;
    ReadMostlyCache<int, long> cache(counting(square));
    cache.get(2);
    cache.get(3);
    CHECK(cache.invalidate(2));
    CHECK_FALSE(cache.invalidate(2));
    CHECK_FALSE(cache.invalidate(99));
    CHECK(cache.size() == 1);
    CHECK(cache.get(2) == 5);
    CHECK(square.calls_for(2) == 2);
    CHECK(square.calls_for(3) == 1);
}

TEST_CASE("a compute that throws caches nothing, and the next get tries again") {
    int attempts = 0;
    ReadMostlyCache<std::string, std::size_t> cache([&](const std::string& word) -> std::size_t {
        if (++attempts == 1) throw std::runtime_error("the first attempt fails");
        return word.size();
    });
    CHECK_THROWS_AS(cache.get("shared"), std::runtime_error);
    CHECK(cache.size() == 0);
    CHECK(cache.get("shared") == 6);  // the lock was released when the exception left
    CHECK(attempts == 2);
    using IntCache = ReadMostlyCache<int, int>;
    CHECK_THROWS_AS(IntCache(nullptr), std::invalid_argument);
}

TEST_CASE("threads that miss the same key together compute it only once") {
    // Round after round, all threads ask for a new key, and the first key comparison of
    // each lookup waits until every thread is inside its lookup: they all miss together.
    // (This also needs the lookups to share the lock.) Then exactly one of them may compute
    // the key: the others must look again once they hold the exclusive lock.
    constexpr int threads = 3;
    constexpr int rounds = 25;
    CountingSquare square;
    ReadMostlyCache<MeetingKey, long> cache([&](const MeetingKey& key) { return square(key.value); });
    cache.get(MeetingKey{-1});  // one key stored first, so that every lookup compares keys
    std::vector<std::unique_ptr<Rendezvous>> meetings;
    for (int round = 0; round < rounds; ++round) meetings.push_back(std::make_unique<Rendezvous>(threads));
    std::barrier next_round(threads);
    std::atomic<int> wrong_values{0};
    lookups_met_nobody.store(0);
    run_together(threads, [&](int) {
        for (int round = 0; round < rounds; ++round) {
            next_round.arrive_and_wait();
            meet_on_next_compare = meetings[static_cast<std::size_t>(round)].get();
            if (cache.get(MeetingKey{round}) != round * round + 1) wrong_values.fetch_add(1);
            meet_on_next_compare = nullptr;
        }
    });
    int computed_twice = 0;
    for (int round = 0; round < rounds; ++round) {
        if (square.calls_for(round) != 1) ++computed_twice;
    }
    INFO("a lookup that waited in vain for the others held the lock alone: look up under a std::shared_lock");
    CHECK(lookups_met_nobody.load() == 0);
    CHECK(wrong_values.load() == 0);
    CHECK(computed_twice == 0);
    CHECK(cache.size() == rounds + 1);
}

TEST_CASE("the compute function never runs twice at the same time") {
    // Thread 0 misses key 1 and, in the middle of computing it, waits until thread 1, which
    // asks for key 2, is either asleep (waiting for the lock, as it must) or computing key 2
    // as well. A value computed outside the exclusive lock lets the two run together.
    std::atomic<int> computing{0};
    std::atomic<int> overlaps{0};
    std::atomic<bool> second_computing{false};
    std::atomic<bool> second_asking{false};
    std::atomic<pid_t> second_id{0};
    Gate first_computing;
    ReadMostlyCache<int, long> cache([&](const int& key) -> long {
        if (computing.fetch_add(1) != 0) overlaps.fetch_add(1);
        if (key == 2) second_computing.store(true);
        if (key == 1) {
            first_computing.open();
            const auto give_up = std::chrono::steady_clock::now() + patience;
            while (!second_asking.load() && std::chrono::steady_clock::now() < give_up)
                std::this_thread::yield();
            while (!second_computing.load() && std::chrono::steady_clock::now() < give_up) {
                if (course_test::falls_asleep_within(second_id.load(), 20ms)) break;
            }
        }
        computing.fetch_sub(1);
        return key * 10L;
    });
    long first = 0;
    long second = 0;
    run_together(2, [&](int t) {
        if (t == 0) {
            struct OpenOnExit {  // a get() that throws must not keep thread 1 waiting
                Gate& gate;
                ~OpenOnExit() { gate.open(); }
            } open{first_computing};
            first = cache.get(1);
            return;
        }
        second_id.store(course_test::kernel_thread_id());
        first_computing.wait_for(patience);
        second_asking.store(true);
        second = cache.get(2);
    });
    INFO("compute the value under the exclusive lock: then no two computations overlap");
    CHECK(overlaps.load() == 0);
    CHECK(first == 10);
    CHECK(second == 20);
}

TEST_CASE("readers visit a cached value at the same time") {
    // Each visitor waits until all of them are inside visit() at once: that only happens
    // if visit() takes the lock shared. With an exclusive lock the first visitor waits for
    // the others in vain (for a few seconds) and the test fails.
    constexpr int readers = 3;
    CountingSquare square;
    ReadMostlyCache<int, long> cache(counting(square));
    cache.get(7);
    Rendezvous inside(readers);
    std::atomic<int> met_nobody{0};
    std::atomic<int> visited{0};
    run_together(readers, [&](int) {
        const bool found = cache.visit(7, [&](const long& value) {
            if (value == 50) visited.fetch_add(1);
            if (!inside.arrive_and_wait_for(5s)) met_nobody.fetch_add(1);
        });
        if (!found) met_nobody.fetch_add(1);
    });
    INFO("a visitor that waited in vain held the lock alone: use a std::shared_lock for reads");
    CHECK(visited.load() == readers);
    CHECK(met_nobody.load() == 0);
}

TEST_CASE("readers get a cached value at the same time") {
    // get() copies the cached value while it holds the shared lock; a Handshake's copy
    // waits for the other readers' copies, which only arrive if they hold the lock too.
    constexpr int readers = 3;
    ReadMostlyCache<int, Handshake> cache([](const int& key) { return Handshake(key * 10); });
    cache.get(1);  // cached before the meeting is set, so this copy meets nobody
    Rendezvous inside(readers);
    copies_that_met_nobody.store(0);
    copy_meeting.store(&inside);
    std::atomic<int> right_values{0};
    struct ClearOnExit {
        ~ClearOnExit() { copy_meeting.store(nullptr); }
    } clear;
    run_together(readers, [&](int) {
        const Handshake value = cache.get(1);
        if (value.number == 10) right_values.fetch_add(1);
    });
    INFO("a reader that waited in vain held the lock alone: use a std::shared_lock for lookups");
    CHECK(right_values.load() == readers);
    CHECK(copies_that_met_nobody.load() == 0);
}

TEST_CASE("gets, visits and invalidations from many threads at once stay consistent") {
    // Readers hit and miss while one thread keeps invalidating: every value read must be
    // the right one. A map changed under a shared lock races here (ThreadSanitizer says so)
    // and can break.
    constexpr int readers = 3;
    constexpr int keys = 16;
    constexpr int passes = 300;
    CountingSquare square;
    ReadMostlyCache<int, long> cache(counting(square));
    std::atomic<int> wrong_values{0};
    std::atomic<bool> reading{true};
    std::atomic<int> readers_left{readers};
    run_together(readers + 1, [&](int t) {
        if (t == readers) {
            int key = 0;
            while (reading.load()) {
                cache.invalidate(key);
                key = (key + 5) % keys;
            }
            return;
        }
        struct LeaveOnExit {
            std::atomic<int>& left;
            std::atomic<bool>& flag;
            ~LeaveOnExit() {
                if (left.fetch_sub(1) == 1) flag.store(false);
            }
        } leave{readers_left, reading};
        for (int pass = 0; pass < passes; ++pass) {
            for (int key = 0; key < keys; ++key) {
                const int k = (key * (t + 1)) % keys;
                if (cache.get(k) != k * k + 1) wrong_values.fetch_add(1);
                cache.visit(k, [&](const long& value) {
                    if (value != k * k + 1) wrong_values.fetch_add(1);
                });
            }
            if (cache.size() > keys) wrong_values.fetch_add(1);
        }
    });
    CHECK(wrong_values.load() == 0);
    CHECK(cache.size() <= keys);
}
