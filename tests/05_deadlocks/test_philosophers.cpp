// test_philosophers.cpp: tests for dine(), the dining philosophers served without a deadlock.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bounded_sync.hpp"
#include "bounded_waits.hpp"
#include "deadlock_test_printing.hpp"
#include "philosophers.hpp"

using course::DinnerObserver;
using course::dine;
using namespace std::chrono_literals;

namespace {

std::size_t at(int i) { return static_cast<std::size_t>(i); }

/// Watches who is eating and counts the times two neighbours ate at the same moment.
class NeighbourWatch {
public:
    explicit NeighbourWatch(int philosophers) : n_(philosophers), eating_(at(philosophers)) {}

    void eating(int p) {
        eating_[at(p)] = true;
        // A meal lasts a moment, so that a neighbour who should be waiting has the chance
        // to show that it is not.
        for (int i = 0; i < 3; ++i) {
            if (eating_[at((p + 1) % n_)] || eating_[at((p + n_ - 1) % n_)]) ++clashes_;
            std::this_thread::yield();
        }
        eating_[at(p)] = false;
    }

    int clashes() const { return clashes_.load(); }

private:
    const int n_;
    std::vector<std::atomic<bool>> eating_;
    std::atomic<int> clashes_{0};
};

/// Makes the fatal moment of the naive dinner happen on every run. A philosopher who has
/// just picked up its first fork (holding one, not yet reaching for another) waits, once,
/// until every philosopher is stuck: waiting here too, or reaching for a fork that one of
/// those waiting here holds. Then all go on at once. Everybody-left-first is then a
/// circle of waits on every run; with ordered forks, someone is always blocked on a fork
/// instead, and the wait ends at once. A solution that takes both forks together never
/// holds just one, and never waits here.
class GrabAtOnce {
public:
    explicit GrabAtOnce(int philosophers)
        : n_(philosophers), reaching_(at(philosophers)), holding_(at(philosophers), 0),
          holder_(at(philosophers), -1), waiting_here_(at(philosophers), false),
          has_waited_(at(philosophers), false) {}

    void reaching_for(int p, int fork) {
        std::lock_guard lock(mutex_);
        reaching_[at(p)].insert(fork);
        changed_.notify_all();
    }

    void picked_up(int p, int fork) {
        std::unique_lock lock(mutex_);
        reaching_[at(p)].erase(fork);
        holder_[at(fork)] = p;
        ++holding_[at(p)];
        changed_.notify_all();
        if (released_ || has_waited_[at(p)] || holding_[at(p)] != 1 || !reaching_[at(p)].empty()) return;
        has_waited_[at(p)] = true;
        waiting_here_[at(p)] = true;
        changed_.notify_all();
        // The bound only matters for a correct solution this trap does not know (one whose
        // philosophers wait for something else than a fork); it then just goes on.
        changed_.wait_for(lock, 3s, [&] { return released_ || everybody_stuck(); });
        released_ = true;
        waiting_here_[at(p)] = false;
        changed_.notify_all();
    }

    void ate(int p) {
        std::lock_guard lock(mutex_);
        holding_[at(p)] = 0;  // the forks go back after the meal
    }

private:
    bool everybody_stuck() const {
        for (int p = 0; p < n_; ++p) {
            if (waiting_here_[at(p)]) continue;
            bool blocked = false;
            for (const int fork : reaching_[at(p)]) {
                const int holder = holder_[at(fork)];
                if (holder >= 0 && holder != p && waiting_here_[at(holder)]) blocked = true;
            }
            if (!blocked) return false;
        }
        return true;
    }

    const int n_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<std::set<int>> reaching_;  // forks asked for and not yet received
    std::vector<int> holding_;             // forks picked up since the last meal
    std::vector<int> holder_;              // who last picked up each fork
    std::vector<bool> waiting_here_;
    std::vector<bool> has_waited_;
    bool released_ = false;
};

/// Makes two neighbours eating at once happen on every run where it can. Each philosopher,
/// at its first meal, goes on eating until every other philosopher is stuck: asleep (on a
/// fork), eating its own first meal here, or gone. A philosopher that eats with one fork
/// only leaves the other free for a neighbour, who then comes to eat beside it; with both
/// forks held, the neighbours can only wait, and the meal ends as soon as they do.
class EatUntilOthersAreStuck {
public:
    explicit EatUntilOthersAreStuck(int philosophers)
        : n_(philosophers),
          ids_(at(philosophers)),
          eating_(at(philosophers), false),
          waiting_here_(at(philosophers), false),
          has_waited_(at(philosophers), false),
          seated_(philosophers) {}

    void seated(int p) {
        ids_[at(p)].store(course_test::kernel_thread_id());
        seated_.arrive_and_wait_for(5s);  // nobody starts before everybody can be watched
    }

    void eating(int p) {
        std::unique_lock lock(mutex_);
        if (eating_[at((p + 1) % n_)] || eating_[at((p + n_ - 1) % n_)]) ++clashes_;
        eating_[at(p)] = true;
        if (!has_waited_[at(p)]) {
            has_waited_[at(p)] = true;
            waiting_here_[at(p)] = true;
            lock.unlock();
            wait_until_others_are_stuck(p);
            lock.lock();
            waiting_here_[at(p)] = false;
        }
        eating_[at(p)] = false;
    }

    int clashes() {
        std::lock_guard lock(mutex_);
        return clashes_;
    }

private:
    bool stuck(int q) {
        {
            std::lock_guard lock(mutex_);
            if (waiting_here_[at(q)]) return true;
        }
        const pid_t id = ids_[at(q)].load();
        if (id == 0) return false;
        if (!course_test::proc_shows_blocked_calls())
            return true;  // cannot tell: do not hold the meal up
        const std::string folder = "/proc/self/task/" + std::to_string(id);
        if (access(folder.c_str(), F_OK) != 0) return true;  // its thread has ended
        const std::optional<course_test::BlockedCall> call = course_test::blocked_call(id);
        return call && call->number == SYS_futex;
    }

    bool others_stuck(int p) {
        for (int q = 0; q < n_; ++q) {
            if (q != p && !stuck(q)) return false;
        }
        return true;
    }

    // Two looks a moment apart, so that a philosopher passing through a busy lock is not
    // taken for one that waits; bounded, for a correct solution this trap does not know.
    void wait_until_others_are_stuck(int p) {
        const auto give_up = std::chrono::steady_clock::now() + 3s;
        while (std::chrono::steady_clock::now() < give_up) {
            if (others_stuck(p)) {
                std::this_thread::sleep_for(2ms);
                if (others_stuck(p)) return;
            }
            std::this_thread::sleep_for(1ms);
        }
    }

    const int n_;
    std::vector<std::atomic<pid_t>> ids_;
    std::mutex mutex_;
    std::vector<bool> eating_;
    std::vector<bool> waiting_here_;
    std::vector<bool> has_waited_;
    course_test::Rendezvous seated_;
    int clashes_ = 0;
};

}  // namespace

TEST_CASE("every philosopher eats the number of meals asked for") {
    CHECK(dine(5, 200) == std::vector<int>(5, 200));
}

TEST_CASE("two philosophers can share a table of two forks") {
    CHECK(dine(2, 300) == std::vector<int>{300, 300});
}

TEST_CASE("a dinner of no meals feeds nobody") {
    CHECK(dine(3, 0) == std::vector<int>{0, 0, 0});
}

TEST_CASE("fewer than two philosophers, or a negative number of meals, are rejected") {
    CHECK_THROWS_AS(dine(1, 10), std::invalid_argument);
    CHECK_THROWS_AS(dine(0, 10), std::invalid_argument);
    CHECK_THROWS_AS(dine(5, -1), std::invalid_argument);
}

TEST_CASE("every philosopher has a thread of its own, and all sit at the table at once") {
    // Each philosopher waits at its seat until all have sat down: philosophers served one
    // after another would wait in vain (for 10 s), and the test then fails.
    constexpr int n = 5;
    course_test::Rendezvous all_seated(n);
    std::mutex mutex;
    std::set<std::thread::id> threads;
    std::atomic<int> met{0};
    DinnerObserver observer;
    observer.seated = [&](int) {
        {
            std::lock_guard lock(mutex);
            threads.insert(std::this_thread::get_id());
        }
        if (all_seated.arrive_and_wait_for(10s)) ++met;
    };
    REQUIRE(dine(n, 3, observer) == std::vector<int>(n, 3));
    CHECK(met.load() == n);
    CHECK(threads.size() == n);
    CHECK(threads.count(std::this_thread::get_id()) == 0);
}

TEST_CASE("neighbours never eat at the same time") {
    constexpr int n = 5;
    NeighbourWatch watch(n);
    DinnerObserver observer;
    observer.eating = [&](int p) { watch.eating(p); };
    REQUIRE(dine(n, 2000, observer) == std::vector<int>(n, 2000));
    CHECK_MESSAGE(watch.clashes() == 0, "two neighbours ate at the same time ", watch.clashes(), " times");
}

TEST_CASE(
    "neighbours never eat at the same time, even when every meal is held until the others are "
    "stuck") {
    constexpr int n = 5;
    EatUntilOthersAreStuck trap(n);
    DinnerObserver observer;
    observer.seated = [&](int p) { trap.seated(p); };
    observer.eating = [&](int p) { trap.eating(p); };
    REQUIRE(dine(n, 3, observer) == std::vector<int>(n, 3));
    CHECK_MESSAGE(trap.clashes() == 0,
                  "two neighbours ate at the same time: hold both forks through the meal");
}

TEST_CASE("a philosopher eats only with both of its own forks in hand") {
    // Each philosopher reports to its own slot, from its own thread: no lock needed.
    constexpr int n = 4;
    struct Seen {
        std::set<int> asked;
        std::set<int> in_hand;
        int bad_meals = 0;
        int foreign_forks = 0;
        int unasked_forks = 0;
    };
    std::vector<Seen> seen(n);
    DinnerObserver observer;
    observer.reaching_for = [&](int p, int fork) { seen[at(p)].asked.insert(fork); };
    observer.picked_up = [&](int p, int fork) {
        Seen& s = seen[at(p)];
        if (fork != p && fork != (p + 1) % n) ++s.foreign_forks;
        if (s.asked.erase(fork) == 0) ++s.unasked_forks;
        s.in_hand.insert(fork);
    };
    observer.eating = [&](int p) {
        Seen& s = seen[at(p)];
        if (s.in_hand != std::set<int>{p, (p + 1) % n}) ++s.bad_meals;
        s.in_hand.clear();
    };
    REQUIRE(dine(n, 100, observer) == std::vector<int>(n, 100));
    for (int p = 0; p < n; ++p) {
        CAPTURE(p);
        CHECK(seen[at(p)].bad_meals == 0);
        CHECK(seen[at(p)].foreign_forks == 0);
        CHECK(seen[at(p)].unasked_forks == 0);
    }
}

TEST_CASE("when every philosopher grabs a fork at the same moment, dinner still ends") {
    // Left-then-right for everybody deadlocks here on every run: the test then hangs until
    // its time limit, and the check reports a timeout.
    constexpr int n = 5;
    GrabAtOnce trap(n);
    NeighbourWatch watch(n);
    DinnerObserver observer;
    observer.reaching_for = [&](int p, int fork) { trap.reaching_for(p, fork); };
    observer.picked_up = [&](int p, int fork) { trap.picked_up(p, fork); };
    observer.eating = [&](int p) {
        watch.eating(p);
        trap.ate(p);
    };
    CHECK(dine(n, 50, observer) == std::vector<int>(n, 50));
    CHECK(watch.clashes() == 0);
}
