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
    explicit Ledger(std::vector<long> opening_balances) {
        // TODO: reject a negative opening balance, then keep the balances in a member.
        throw std::logic_error("TODO: bank_ledger.hpp: Ledger() is not written yet");
    }

    Ledger(const Ledger&) = delete;
    Ledger& operator=(const Ledger&) = delete;

    /// \brief The number of accounts. It never changes, so it needs no lock: only the
    /// balances do.
    std::size_t size() const {
        // TODO: the number of balances.
        throw std::logic_error("TODO: bank_ledger.hpp: size() is not written yet");
    }

    /// \brief Moves `amount` from account `from` to account `to`, unless that would take
    /// `from` below zero.
    /// \returns true when the money moved; false when `from` holds less than `amount`, in
    ///          which case nothing changes.
    /// \throws std::out_of_range when `from` or `to` is not an account number.
    /// \throws std::invalid_argument when `amount` is not positive or `from == to`.
    bool transfer(std::size_t from, std::size_t to, long amount) {
        // TODO: check the arguments (std::out_of_range, std::invalid_argument).
        // TODO: then, in ONE critical section: if `from` holds less than `amount`, return
        //       false; otherwise debit `from`, credit `to` and return true.
        throw std::logic_error("TODO: bank_ledger.hpp: transfer() is not written yet");
    }

    /// \brief The balance of one account.
    /// \throws std::out_of_range when `account` is not an account number.
    long balance(std::size_t account) const {
        // TODO: check the account number, then read its balance under the lock.
        throw std::logic_error("TODO: bank_ledger.hpp: balance() is not written yet");
    }

    /// \brief The sum of all balances, all read at the same instant: it equals the sum of
    /// the opening balances at any time, even while other threads transfer.
    long total() const {
        // TODO: add up every balance under the lock (std::accumulate).
        throw std::logic_error("TODO: bank_ledger.hpp: total() is not written yet");
    }

    /// \brief Every balance, all read at the same instant (an audit's view).
    std::vector<long> snapshot() const {
        // TODO: copy the balances under the lock.
        throw std::logic_error("TODO: bank_ledger.hpp: snapshot() is not written yet");
    }

private:
    // TODO: the balances (a std::vector<long>) and the one mutex that guards them all
    //       (mutable, for the const readers).
};

}  // namespace course
