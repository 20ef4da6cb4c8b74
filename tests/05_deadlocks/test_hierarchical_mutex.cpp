// test_hierarchical_mutex.cpp: tests for HierarchicalMutex, a mutex that throws when locked out of order.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>

#include "bounded_sync.hpp"
#include "deadlock_test_printing.hpp"
#include "hierarchical_mutex.hpp"

using course::HierarchicalMutex;
using course::LockOrderError;
using course_test::Gate;
using course_test::Rendezvous;
using course_test::run_together;
using namespace std::chrono_literals;

TEST_CASE("locking downwards through the levels is allowed") {
    HierarchicalMutex accounts(300), ledger(200), log(100);
    CHECK(accounts.level() == 300);
    CHECK(HierarchicalMutex::this_thread_level() == std::nullopt);
    {
        std::lock_guard a(accounts);
        CHECK(HierarchicalMutex::this_thread_level() == 300UL);
        std::lock_guard l(ledger);
        std::lock_guard g(log);
        CHECK(HierarchicalMutex::this_thread_level() == 100UL);
    }
    CHECK(HierarchicalMutex::this_thread_level() == std::nullopt);
}

TEST_CASE("locking a higher level while holding a lower one throws LockOrderError") {
    HierarchicalMutex accounts(300), log(100);
    std::lock_guard g(log);
    CHECK_THROWS_AS(accounts.lock(), LockOrderError);
    CHECK(HierarchicalMutex::this_thread_level() == 100UL);
}

TEST_CASE("a refused lock leaves the mutex free for other threads") {
    // The check must come before the lock: a lock() that locks and then throws leaves the
    // mutex locked by nobody who will ever unlock it.
    HierarchicalMutex accounts(300), log(100);
    {
        std::lock_guard g(log);
        REQUIRE_THROWS_AS(accounts.lock(), LockOrderError);
    }
    bool taken = false;
    REQUIRE_NOTHROW(run_together(1, [&](int) {
        taken = accounts.try_lock();
        if (taken) accounts.unlock();
    }));
    CHECK_MESSAGE(taken, "after a refused lock(), another thread could not take the mutex");
}

TEST_CASE("a refused lock throws at once, even while another thread holds that mutex") {
    // Thread 0 holds `accounts` until thread 1's refused lock() has come back. A lock() that
    // waits for the mutex before it checks the order would wait for thread 0, which only
    // lets go after waiting in vain for a few seconds.
    HierarchicalMutex accounts(300), log(100);
    Rendezvous accounts_held(2);
    Gate refused;
    bool threw = false;
    bool came_back_at_once = false;
    REQUIRE_NOTHROW(run_together(2, [&](int i) {
        if (i == 0) {
            struct LeaveOnExit {  // a lock() that throws must not keep thread 1 waiting
                Rendezvous& meeting;
                ~LeaveOnExit() { meeting.abandon(); }
            } leave{accounts_held};
            std::lock_guard a(accounts);
            accounts_held.arrive_and_wait_for(10s);
            came_back_at_once = refused.wait_for(5s);
            return;
        }
        struct OpenOnExit {
            Gate& gate;
            ~OpenOnExit() { gate.open(); }
        } open{refused};
        if (!accounts_held.arrive_and_wait_for(10s)) return;
        std::lock_guard g(log);
        try {
            accounts.lock();
            accounts.unlock();
        } catch (const LockOrderError&) {
            threw = true;
        }
    }));
    CHECK(threw);
    CHECK_MESSAGE(came_back_at_once,
                  "lock() waited for a mutex it was going to refuse: check the order first");
}

TEST_CASE("two mutexes on the same level cannot be held together") {
    HierarchicalMutex left(200), right(200);
    std::lock_guard l(left);
    CHECK_THROWS_AS(right.lock(), LockOrderError);
    CHECK_FALSE(right.try_lock());
}

TEST_CASE("unlocking gives the thread back the level it had before") {
    HierarchicalMutex accounts(300), ledger(200), log(100);
    std::lock_guard a(accounts);
    log.lock();
    log.unlock();
    CHECK(HierarchicalMutex::this_thread_level() == 300UL);
    std::lock_guard l(ledger);  // 200 < 300: allowed again now that log (100) is released
    CHECK(HierarchicalMutex::this_thread_level() == 200UL);
}

TEST_CASE("after an unlock out of order, the lowest level still held counts") {
    HierarchicalMutex accounts(300), ledger(200), middle(250), log(100);
    accounts.lock();
    ledger.lock();
    accounts.unlock();  // not the last one taken: ledger (200) is still held
    CHECK(HierarchicalMutex::this_thread_level() == 200UL);
    CHECK_THROWS_AS(middle.lock(), LockOrderError);
    log.lock();
    log.unlock();
    ledger.unlock();
    CHECK(HierarchicalMutex::this_thread_level() == std::nullopt);
}

TEST_CASE("try_lock refuses a mutex the hierarchy forbids, without throwing") {
    HierarchicalMutex accounts(300), log(100);
    {
        std::lock_guard g(log);
        bool taken = true;
        CHECK_NOTHROW(taken = accounts.try_lock());
        CHECK_FALSE(taken);
        CHECK(HierarchicalMutex::this_thread_level() == 100UL);
    }
    REQUIRE(accounts.try_lock());
    CHECK(HierarchicalMutex::this_thread_level() == 300UL);
    accounts.unlock();
}

TEST_CASE("std::scoped_lock takes two hierarchical mutexes whichever order they are named in") {
    HierarchicalMutex high(20), low(10);
    {
        std::scoped_lock both(low, high);  // named low first: try_lock's "no" finds the order
        CHECK(HierarchicalMutex::this_thread_level() == 10UL);
    }
    CHECK(HierarchicalMutex::this_thread_level() == std::nullopt);
    {
        std::scoped_lock both(high, low);
        CHECK(HierarchicalMutex::this_thread_level() == 10UL);
    }
    CHECK(HierarchicalMutex::this_thread_level() == std::nullopt);
}

TEST_CASE("what one thread holds does not restrict another thread") {
    // Thread 0 takes the lowest level; only then does thread 1 lock a high one, while
    // thread 0 still holds its mutex. The levels are per thread: a level shared by all
    // threads refuses thread 1.
    HierarchicalMutex log(10), accounts(300);
    Rendezvous low_is_held(2), done(2);
    std::atomic<bool> met{true};
    std::optional<unsigned long> level_seen_by_other{0};
    REQUIRE_NOTHROW(run_together(2, [&](int i) {
        struct LeaveOnExit {  // a thread that throws must not keep the other one waiting
            Rendezvous& first;
            Rendezvous& second;
            ~LeaveOnExit() {
                first.abandon();
                second.abandon();
            }
        } leave{low_is_held, done};
        if (i == 0) {
            std::lock_guard g(log);
            if (!low_is_held.arrive_and_wait_for(10s)) met = false;
            if (!done.arrive_and_wait_for(10s)) met = false;
        } else {
            if (!low_is_held.arrive_and_wait_for(10s)) met = false;
            level_seen_by_other = HierarchicalMutex::this_thread_level();
            {
                std::lock_guard a(accounts);
            }
            if (!done.arrive_and_wait_for(10s)) met = false;
        }
    }));
    CHECK(level_seen_by_other == std::nullopt);
    CHECK(met);
}

TEST_CASE("a try_lock that finds the mutex taken by another thread changes nothing for this one") {
    // Thread 0 holds `log`; thread 1's try_lock of it must fail and leave thread 1 holding
    // nothing, so that it may still lock a higher level afterwards.
    HierarchicalMutex log(100), accounts(300);
    Rendezvous log_is_held(2), done(2);
    std::atomic<bool> met{true};
    bool taken = true;
    std::optional<unsigned long> level_after{0};
    bool higher_allowed = false;
    REQUIRE_NOTHROW(run_together(2, [&](int i) {
        struct LeaveOnExit {
            Rendezvous& first;
            Rendezvous& second;
            ~LeaveOnExit() {
                first.abandon();
                second.abandon();
            }
        } leave{log_is_held, done};
        if (i == 0) {
            std::lock_guard g(log);
            if (!log_is_held.arrive_and_wait_for(10s)) met = false;
            if (!done.arrive_and_wait_for(10s)) met = false;
            return;
        }
        if (!log_is_held.arrive_and_wait_for(10s)) met = false;
        taken = log.try_lock();
        if (taken) log.unlock();
        level_after = HierarchicalMutex::this_thread_level();
        try {
            std::lock_guard a(accounts);
            higher_allowed = true;
        } catch (const LockOrderError&) {
        }
        if (!done.arrive_and_wait_for(10s)) met = false;
    }));
    CHECK(met);
    CHECK_FALSE(taken);
    CHECK_MESSAGE(level_after == std::nullopt,
                  "a failed try_lock() left this thread holding a level");
    CHECK_MESSAGE(higher_allowed, "after a failed try_lock(), locking a higher level was refused");
}

TEST_CASE("a hierarchical mutex still keeps two threads out of each other's way") {
    HierarchicalMutex guard(50);
    long counter = 0;  // a plain long: only the mutex protects it
    REQUIRE_NOTHROW(run_together(4, [&](int) {
        for (int k = 0; k < 20000; ++k) {
            std::lock_guard lock(guard);
            ++counter;
        }
    }));
    CHECK(counter == 4 * 20000);
}
