// test_transfers.cpp: tests for transfer(), money moved between two locked accounts without a deadlock.
#include <doctest/doctest.h>

#include <atomic>
#include <deque>
#include <numeric>
#include <stdexcept>

#include "bounded_sync.hpp"
#include "transfers.hpp"

using course::Account;
using course::transfer;
using course_test::run_together;

namespace {

long total(const std::deque<Account>& accounts) {
    long sum = 0;
    for (const Account& account : accounts) sum += account.balance();
    return sum;
}

}  // namespace

TEST_CASE("a transfer moves the amount from one account to the other") {
    Account alice(100), bob(50);
    CHECK(transfer(alice, bob, 30));
    CHECK(alice.balance() == 70);
    CHECK(bob.balance() == 80);
    CHECK(transfer(bob, alice, 80));
    CHECK(alice.balance() == 150);
    CHECK(bob.balance() == 0);
}

TEST_CASE("a transfer that would overdraw the account is refused and changes nothing") {
    Account alice(100), bob(0);
    CHECK_FALSE(transfer(alice, bob, 101));
    CHECK(alice.balance() == 100);
    CHECK(bob.balance() == 0);
    CHECK(transfer(alice, bob, 100));  // all of it is fine
    CHECK(alice.balance() == 0);
    CHECK(transfer(alice, bob, 0));    // nothing is fine too
    CHECK(bob.balance() == 100);
}

TEST_CASE("a negative amount is rejected") {
    Account alice(100), bob(100);
    CHECK_THROWS_AS(transfer(alice, bob, -1), std::invalid_argument);
    CHECK(alice.balance() == 100);
    CHECK(bob.balance() == 100);
}

TEST_CASE("a transfer to the same account changes nothing and does not hang") {
    // Taking the same std::mutex twice hangs (or, with std::scoped_lock, retries forever):
    // the time limit turns that into a failure.
    Account alice(100);
    CHECK(transfer(alice, alice, 40));
    CHECK_FALSE(transfer(alice, alice, 500));
    CHECK(alice.balance() == 100);
}

TEST_CASE("transfers in opposite directions at the same time never deadlock") {
    // Two threads move money from A to B and two from B to A, as fast as they can, while
    // two more read both balances. The readers keep the locks busy, so a transfer often
    // has to wait for its second lock: with locks taken in argument order, an A->B then
    // holds A while a B->A holds B, each waits for the other, and the test hangs until its
    // time limit. (ThreadSanitizer reports the inverted order even on a lucky run.)
    Account a(1000), b(1000);
    constexpr int rounds = 200000;
    std::atomic<int> transferring{4};
    REQUIRE_NOTHROW(run_together(6, [&](int i) {
        if (i >= 4) {
            while (transferring.load() > 0) {
                a.balance();  // only to keep the locks busy
                b.balance();
            }
            return;
        }
        struct Done {  // counts this thread out however it ends, so the readers stop
            std::atomic<int>& count;
            ~Done() { --count; }
        } done{transferring};
        Account& from = i % 2 == 0 ? a : b;
        Account& to = i % 2 == 0 ? b : a;
        for (int k = 0; k < rounds; ++k) transfer(from, to, 1 + k % 3);
    }));
    CHECK(a.balance() + b.balance() == 2000);
    CHECK(a.balance() >= 0);
    CHECK(b.balance() >= 0);
}

TEST_CASE("no money is created or lost while threads transfer around a ring") {
    // Thread i moves money from account i to account i+1 and back: every account is the
    // source of one thread and the destination of another at the same time.
    std::deque<Account> accounts;
    constexpr int count = 4;
    for (int i = 0; i < count; ++i) accounts.emplace_back(500);
    std::atomic<long> moved{0};
    REQUIRE_NOTHROW(run_together(count, [&](int i) {
        Account& mine = accounts[static_cast<std::size_t>(i)];
        Account& next = accounts[static_cast<std::size_t>((i + 1) % count)];
        long done = 0;
        for (int k = 0; k < 10000; ++k) {
            if (transfer(mine, next, 7)) ++done;
            if (transfer(next, mine, 5)) ++done;
        }
        moved += done;
    }));
    CHECK(total(accounts) == count * 500);
    for (const Account& account : accounts) CHECK(account.balance() >= 0);
    CHECK(moved.load() > 0);
}

TEST_CASE("many threads withdrawing from one account never overdraw it") {
    // Round after round, 4 threads each try 3 transfers of 100 out of an account holding
    // 500: exactly 5 of the 12 attempts may succeed, whatever the interleaving. Checking
    // the balance before taking the locks lets two of them pass the check for the last 100.
    for (int round = 0; round < 300; ++round) {
        Account shared(500);
        std::deque<Account> pockets(4);
        std::atomic<int> succeeded{0};
        REQUIRE_NOTHROW(run_together(4, [&](int i) {
            for (int k = 0; k < 3; ++k) {
                if (transfer(shared, pockets[static_cast<std::size_t>(i)], 100)) ++succeeded;
            }
        }));
        CAPTURE(round);
        REQUIRE(shared.balance() == 0);
        REQUIRE(succeeded.load() == 5);
        REQUIRE(total(pockets) == 500);
    }
}

TEST_CASE("one unit passed around by many threads is never spent twice") {
    // The pot holds a single unit. Each thread moves it into a pocket of its own, checks
    // that nobody else has it, and moves it back: every transfer out of the pot is a race
    // for its last unit. A balance checked before the locks are taken lets a second thread
    // take the same unit in between, tens of thousands of chances here.
    constexpr int threads = 4;
    constexpr long attempts_each = course_test::thread_sanitizer ? 5'000 : 50'000;
    Account pot(1);
    std::deque<Account> pockets(threads);
    std::atomic<int> holders{0};
    std::atomic<long> spent_twice{0};
    std::atomic<long> takes{0};
    REQUIRE_NOTHROW(run_together(threads, [&](int i) {
        Account& mine = pockets[static_cast<std::size_t>(i)];
        for (long attempt = 0;
             attempt < attempts_each && spent_twice.load(std::memory_order_relaxed) == 0;
             ++attempt) {
            if (!transfer(pot, mine, 1)) continue;
            takes.fetch_add(1, std::memory_order_relaxed);
            if (holders.fetch_add(1) != 0) spent_twice.fetch_add(1);
            if (pot.balance() != 0) spent_twice.fetch_add(1);
            holders.fetch_sub(1);
            if (!transfer(mine, pot, 1)) spent_twice.fetch_add(1);
        }
    }));
    INFO(takes.load() << " takes in all; the pot ends at " << pot.balance());
    CHECK_MESSAGE(spent_twice.load() == 0,
                  "two threads took the same unit: check the balance under both locks");
    CHECK(takes.load() > 0);
    CHECK(pot.balance() == 1);
    CHECK(total(pockets) == 0);
}

TEST_CASE("every transfer that reports success really moved the money") {
    // Two threads pay each other, one also pays itself; what each call returned must add
    // up to the final balances.
    Account a(300), b(300);
    std::atomic<long> a_to_b{0}, b_to_a{0};
    REQUIRE_NOTHROW(run_together(3, [&](int i) {
        for (int k = 0; k < 5000; ++k) {
            if (i == 0 && transfer(a, b, 2)) a_to_b += 2;
            if (i == 1 && transfer(b, a, 3)) b_to_a += 3;
            if (i == 2) transfer(a, a, 1);
        }
    }));
    CHECK(a.balance() == 300 - a_to_b.load() + b_to_a.load());
    CHECK(b.balance() == 300 + a_to_b.load() - b_to_a.load());
}
