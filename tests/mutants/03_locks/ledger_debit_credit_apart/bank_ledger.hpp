// bank_ledger.hpp: accounts in one ledger, one lock guarding an invariant that spans them all.
#pragma once

#include <cstddef>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace course {

/// \brief A set of accounts whose balances many threads move money between, numbered from
/// 0, all guarded by one mutex: a lock protects an *invariant*, not a variable.
///
/// The invariant here is that money is only moved, never made or lost: the total of all
/// balances never changes, and no balance goes below zero. A transfer breaks the invariant
/// for a moment (the money has left one account and not yet reached the other), so the
/// check, the debit and the credit happen in one critical section, and every reader takes
/// the same lock, so that no thread ever sees the moment in between. In Python this is a
/// `threading.Lock` taken around the whole of `transfer()` and of `total()`.
///
/// Thread-safety: every member function may be called from any thread at once. Each call
/// sees and leaves the ledger in a consistent state.
///
/// \code
/// course::Ledger bank({100, 50});   // account 0 holds 100, account 1 holds 50
/// bank.transfer(0, 1, 30);          // true: 70 and 80
/// bank.transfer(1, 0, 500);         // false: account 1 holds only 80; nothing changes
/// long all = bank.total();          // 150, whatever other threads are transferring
/// \endcode
class Ledger {
public:
    /// \brief Opens one account per entry of `opening_balances`, numbered from 0.
    /// \throws std::invalid_argument when an opening balance is negative.
    explicit Ledger(std::vector<long> opening_balances) : balances_(std::move(opening_balances)) {
        for (const long balance : balances_) {
            if (balance < 0) throw std::invalid_argument("Ledger: a negative opening balance");
        }
    }

    Ledger(const Ledger&) = delete;
    Ledger& operator=(const Ledger&) = delete;

    /// \brief The number of accounts. It never changes, so it needs no lock: only the
    /// balances do.
    std::size_t size() const { return balances_.size(); }

    /// \brief Moves `amount` from account `from` to account `to`, unless that would take
    /// `from` below zero.
    /// \returns true when the money moved; false when `from` holds less than `amount`, in
    ///          which case nothing changes.
    /// \throws std::out_of_range when `from` or `to` is not an account number.
    /// \throws std::invalid_argument when `amount` is not positive or `from == to`.
    bool transfer(std::size_t from, std::size_t to, long amount) {
        check_account(from);
        check_account(to);
        if (amount <= 0) throw std::invalid_argument("Ledger::transfer: the amount must be positive");
        if (from == to) throw std::invalid_argument("Ledger::transfer: from and to are the same account");

        // The check and both updates in one critical section: between them, the invariant
        // is broken, and the balance checked could be spent by another thread.
        {
            std::lock_guard lock(mutex_);
            if (balances_[from] < amount) return false;
            balances_[from] -= amount;
        }
        // Keep critical sections small: the credit gets a lock of its own.
        std::lock_guard lock(mutex_);
        balances_[to] += amount;
        return true;
    }

    /// \brief The balance of one account.
    /// \throws std::out_of_range when `account` is not an account number.
    long balance(std::size_t account) const {
        check_account(account);
        std::lock_guard lock(mutex_);
        return balances_[account];
    }

    /// \brief The sum of all balances, all read at the same instant: it equals the sum of
    /// the opening balances at any time, even while other threads transfer.
    long total() const {
        std::lock_guard lock(mutex_);
        return std::accumulate(balances_.begin(), balances_.end(), 0L);
    }

    /// \brief Every balance, all read at the same instant (an audit's view).
    std::vector<long> snapshot() const {
        std::lock_guard lock(mutex_);
        return balances_;
    }

private:
    void check_account(std::size_t account) const {
        if (account >= balances_.size()) {
            throw std::out_of_range("Ledger: no account number " + std::to_string(account));
        }
    }

    mutable std::mutex mutex_;    // guards every balance, and with them the invariant
    std::vector<long> balances_;  // the size is fixed at construction; the values need mutex_
};

}  // namespace course
