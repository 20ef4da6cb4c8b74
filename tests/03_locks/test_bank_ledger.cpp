// test_bank_ledger.cpp: tests for Ledger, where one lock guards an invariant across many accounts.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "bank_ledger.hpp"
#include "bounded_sync.hpp"

using course::Ledger;
using course_test::run_together;

namespace {

// A small deterministic pseudo-random sequence per thread (no shared generator to race on).
class Dice {
public:
    explicit Dice(std::uint32_t seed) : state_(seed * 2654435761U + 1) {}
    std::size_t below(std::size_t n) {
        state_ = state_ * 1664525U + 1013904223U;
        return static_cast<std::size_t>(state_ >> 8) % n;
    }

private:
    std::uint32_t state_;
};

long sum_of(const std::vector<long>& values) {
    return std::accumulate(values.begin(), values.end(), 0L);
}

std::string describe(const std::vector<long>& values) {
    std::string text = "{";
    for (const long value : values)
        text += (text.size() > 1 ? ", " : "") + std::to_string(value);
    return text + "}";
}

}  // namespace

TEST_CASE("a new ledger holds its opening balances") {
    const Ledger bank({100, 0, 250});
    CHECK(bank.size() == 3);
    CHECK(bank.balance(0) == 100);
    CHECK(bank.balance(1) == 0);
    CHECK(bank.balance(2) == 250);
    CHECK(bank.total() == 350);
    CHECK(bank.snapshot() == std::vector<long>{100, 0, 250});
}

TEST_CASE("a negative opening balance is rejected") {
    CHECK_THROWS_AS(Ledger({10, -1}), std::invalid_argument);
}

TEST_CASE("a transfer moves the amount from one account to the other") {
    Ledger bank({100, 50, 7});
    CHECK(bank.transfer(0, 1, 30));
    CHECK(bank.snapshot() == std::vector<long>{70, 80, 7});
    CHECK(bank.transfer(1, 2, 80));  // the whole balance may go
    CHECK(bank.snapshot() == std::vector<long>{70, 0, 87});
    CHECK(bank.total() == 157);
}

TEST_CASE("balances and totals beyond the range of int are kept exactly") {
    // Five billion does not fit in an int: std::accumulate(..., 0) adds in int and overflows.
    Ledger bank({3'000'000'000L, 2'000'000'000L});
    CHECK(bank.total() == 5'000'000'000L);
    CHECK(bank.transfer(0, 1, 2'500'000'000L));
    CHECK(bank.balance(1) == 4'500'000'000L);
    CHECK(bank.snapshot() == std::vector<long>{500'000'000L, 4'500'000'000L});
    CHECK(bank.total() == 5'000'000'000L);
}

TEST_CASE("a transfer of more than the balance fails and changes nothing") {
    Ledger bank({100, 50});
    CHECK_FALSE(bank.transfer(1, 0, 51));
    CHECK_FALSE(bank.transfer(0, 1, 1000));
    CHECK(bank.snapshot() == std::vector<long>{100, 50});
}

TEST_CASE("a bad account, an amount below 1 or the same account twice is rejected") {
    Ledger bank({100, 50});
    CHECK_THROWS_AS(bank.transfer(0, 2, 10), std::out_of_range);
    CHECK_THROWS_AS(bank.transfer(5, 0, 10), std::out_of_range);
    CHECK_THROWS_AS(bank.balance(2), std::out_of_range);
    CHECK_THROWS_AS(bank.transfer(0, 1, 0), std::invalid_argument);
    CHECK_THROWS_AS(bank.transfer(0, 1, -10), std::invalid_argument);
    CHECK_THROWS_AS(bank.transfer(1, 1, 10), std::invalid_argument);
    CHECK(bank.snapshot() == std::vector<long>{100, 50});
}

TEST_CASE("transfers from many threads at once keep the total and never overdraw") {
    constexpr int threads = 4;
    constexpr int transfers_each = 20'000;
    const std::vector<long> opening{500, 300, 200, 0, 1000};
    Ledger bank(opening);
    std::vector<int> succeeded(threads, 0);
    run_together(threads, [&](int t) {
        Dice dice(static_cast<std::uint32_t>(t));
        for (int i = 0; i < transfers_each; ++i) {
            const std::size_t from = dice.below(opening.size());
            const std::size_t to = (from + 1 + dice.below(opening.size() - 1)) % opening.size();
            if (bank.transfer(from, to, static_cast<long>(1 + dice.below(100)))) {
                ++succeeded[static_cast<std::size_t>(t)];
            }
        }
    });
    const std::vector<long> closing = bank.snapshot();
    CHECK(sum_of(closing) == sum_of(opening));
    CHECK(bank.total() == sum_of(opening));
    for (const long balance : closing) CHECK(balance >= 0);
    CHECK(std::accumulate(succeeded.begin(), succeeded.end(), 0) > 0);
}

TEST_CASE("an audit during transfers always sees the same total") {
    // Readers must take the same lock as the transfers: a total read while a transfer is
    // half done (debited, not yet credited) comes out short; without any lock it is also a
    // data race, which the ThreadSanitizer build reports. The transfers go on until the
    // auditor has finished, and each kind of audit lasts until transfers have happened
    // during it, so that every audit overlaps with transfers.
    constexpr int transferers = 2;
    constexpr long audits = 50'000;
    constexpr long transfers_per_audit_phase = 2'000;
    const std::vector<long> opening{400, 400, 400, 400};
    Ledger bank(opening);
    std::atomic<bool> auditing{true};
    std::atomic<int> transferers_running{transferers};
    std::atomic<long> transfers{0};
    long wrong_totals = 0;
    long wrong_snapshots = 0;
    long negative_balances = 0;
    // Flags are changed on every way out, so that a transfer() or a total() that throws
    // fails the test at once instead of leaving the other threads waiting.
    struct DecrementOnExit {
        std::atomic<int>& count;
        ~DecrementOnExit() { count.fetch_sub(1); }
    };
    struct StopOnExit {
        std::atomic<bool>& flag;
        ~StopOnExit() { flag.store(false); }
    };
    // Repeats `audit` at least `audits` times, and until some transfers happened meanwhile.
    const auto audit_phase = [&](const auto& audit) {
        const long before = transfers.load(std::memory_order_relaxed);
        for (long i = 0; i < audits || (transfers.load(std::memory_order_relaxed) < before + transfers_per_audit_phase &&
                                         transferers_running.load() > 0);
             ++i) {
            audit(i);
        }
    };
    run_together(transferers + 1, [&](int t) {
        if (t < transferers) {
            const DecrementOnExit running{transferers_running};
            Dice dice(static_cast<std::uint32_t>(100 + t));
            while (auditing.load()) {
                const std::size_t from = dice.below(opening.size());
                const std::size_t to = (from + 1) % opening.size();
                bank.transfer(from, to, static_cast<long>(1 + dice.below(50)));
                transfers.fetch_add(1, std::memory_order_relaxed);
            }
            return;
        }
        const StopOnExit stop{auditing};
        // One reader at a time, so that a reader without the lock is not covered up by the
        // locking of the others.
        audit_phase([&](long) {
            if (bank.total() != 1600) ++wrong_totals;
        });
        audit_phase([&](long) {
            if (sum_of(bank.snapshot()) != 1600) ++wrong_snapshots;
        });
        audit_phase([&](long i) {
            if (bank.balance(static_cast<std::size_t>(i) % opening.size()) < 0) ++negative_balances;
        });
    });
    INFO(transfers.load() << " transfers happened during the audits");
    CHECK(wrong_totals == 0);
    CHECK(wrong_snapshots == 0);
    CHECK(negative_balances == 0);
    CHECK(bank.total() == 1600);
}

TEST_CASE("one unit passed around by many threads is never spent twice") {
    // Account 0 holds a single unit. Each thread takes it into an account of its own, checks
    // that nobody else has it, and gives it back: every take is a race for the last of the
    // balance. A balance checked under one lock and debited under another lets a second
    // thread take the same unit in between, tens of thousands of chances here.
    constexpr int threads = 4;
    constexpr long attempts_each = course_test::thread_sanitizer ? 5'000 : 50'000;
    Ledger bank({1, 0, 0, 0, 0});
    std::atomic<int> holders{0};
    std::atomic<long> spent_twice{0};
    std::atomic<long> takes{0};
    run_together(threads, [&](int t) {
        const auto mine = static_cast<std::size_t>(t + 1);
        for (long attempt = 0;
             attempt < attempts_each && spent_twice.load(std::memory_order_relaxed) == 0;
             ++attempt) {
            if (!bank.transfer(0, mine, 1)) continue;
            takes.fetch_add(1, std::memory_order_relaxed);
            if (holders.fetch_add(1) != 0) spent_twice.fetch_add(1);
            if (bank.balance(0) != 0) spent_twice.fetch_add(1);
            holders.fetch_sub(1);
            if (!bank.transfer(mine, 0, 1)) spent_twice.fetch_add(1);
        }
    });
    INFO(takes.load() << " takes in all; the balances end as " << describe(bank.snapshot()));
    CHECK_MESSAGE(spent_twice.load() == 0,
                  "two threads took the same unit: check the balance and debit it under one lock");
    CHECK(takes.load() > 0);
    CHECK(bank.snapshot() == std::vector<long>{1, 0, 0, 0, 0});
}

TEST_CASE("an audit never falls between the debit and the credit of a transfer") {
    // Two threads move one unit back and forth between two accounts as fast as they can
    // while two auditors add up the ledger. A debit and a credit under two separate locks
    // leave a moment in which the unit is in neither account: an auditor that gets the lock
    // then sees a total one short. Each auditor stops at the first wrong total.
    constexpr int movers = 2;
    constexpr int auditors = 2;
    constexpr long moves_each = course_test::thread_sanitizer ? 5'000 : 50'000;
    Ledger bank({1, 1});
    std::atomic<int> movers_running{movers};
    std::atomic<long> wrong_totals{0};
    std::atomic<long> audits{0};
    run_together(movers + auditors, [&](int t) {
        if (t < movers) {
            struct LeaveOnExit {
                std::atomic<int>& running;
                ~LeaveOnExit() { running.fetch_sub(1); }
            } leave{movers_running};
            const std::size_t from = static_cast<std::size_t>(t);
            for (long move = 0;
                 move < moves_each && wrong_totals.load(std::memory_order_relaxed) == 0; ++move) {
                bank.transfer(from, 1 - from, 1);
            }
            return;
        }
        while (movers_running.load() > 0 && wrong_totals.load(std::memory_order_relaxed) == 0) {
            if (bank.total() != 2) wrong_totals.fetch_add(1);
            audits.fetch_add(1, std::memory_order_relaxed);
        }
    });
    INFO(audits.load() << " audits in all");
    CHECK_MESSAGE(wrong_totals.load() == 0,
                  "an audit saw money missing: debit and credit in one critical section");
    CHECK(bank.total() == 2);
}

TEST_CASE("threads racing for the same small balance never overdraw it") {
    // Every thread drains account 0 one unit at a time into an account of its own. Checking
    // the balance under one lock and debiting under another lets two threads spend the same
    // last unit. Many short rounds give that gap many chances (each starts four threads, which
    // a loaded machine makes slow: the rounds stay well within the case's time limit there).
    constexpr int threads = 4;
    constexpr int rounds = 500;
    constexpr long pot = 100;
    int rounds_overdrawn = 0;
    long lowest = 0;
    for (int round = 0; round < rounds; ++round) {
        Ledger bank({pot, 0, 0, 0, 0});
        run_together(threads, [&](int t) {
            const auto mine = static_cast<std::size_t>(t + 1);
            while (bank.transfer(0, mine, 1)) {
            }
        });
        const std::vector<long> closing = bank.snapshot();
        if (closing[0] != 0 || sum_of(closing) != pot) ++rounds_overdrawn;
        if (closing[0] < lowest) lowest = closing[0];
    }
    INFO("account 0 went down to " << lowest);
    CHECK(rounds_overdrawn == 0);
}
