// transfers.hpp: bank accounts with a mutex each, and a transfer between two of them that cannot deadlock.
#pragma once

#include <mutex>
#include <stdexcept>

namespace course {

/// \brief A bank account whose balance is guarded by a mutex of its own, so that transfers
/// between different accounts run in parallel.
///
/// In Python this is an object with a `threading.Lock()` next to its balance. Accounts
/// cannot be copied or moved (a mutex cannot), so keep them in a container that never
/// moves its elements (`std::deque`, or a `std::vector` sized once) or by reference.
///
/// Thread-safety: every member may be called from any thread at any time.
class Account {
public:
    /// \brief Opens an account holding `opening_balance`.
    /// \throws std::invalid_argument when `opening_balance` is negative.
    explicit Account(long opening_balance = 0) : balance_(opening_balance) {
        if (opening_balance < 0) throw std::invalid_argument("Account: negative opening balance");
    }

    Account(const Account&) = delete;
    Account& operator=(const Account&) = delete;

    /// \brief The balance right now, read under the account's lock.
    long balance() const {
        std::lock_guard lock(mutex_);
        return balance_;
    }

private:
    friend bool transfer(Account& from, Account& to, long amount);

    mutable std::mutex mutex_;  // guards balance_
    long balance_;
};

/// \brief Moves `amount` from `from` to `to` in one step, holding both accounts' locks, and
/// never deadlocks, whatever other transfers run at the same time and in whatever direction.
///
/// The C++ answer to the Python of section 1, where `transfer(a, b)` in one thread and
/// `transfer(b, a)` in another take `with a.lock:` / `with b.lock:` in opposite orders and
/// hang. Both balances change together: no thread ever sees the money in neither account or
/// in both.
///
/// \param from the account the money leaves.
/// \param to the account the money arrives in; it may be `from` itself.
/// \param amount how much to move; 0 is allowed.
/// \returns true when the money moved; false, changing nothing, when `from` holds less than
///          `amount` (an account is never overdrawn). A transfer from an account to itself
///          moves nothing and returns whether the balance covers `amount`.
/// \throws std::invalid_argument when `amount` is negative.
///
/// Thread-safety: any number of threads may call it at once, on any accounts.
///
/// \code
/// course::Account alice(100), bob(0);
/// std::jthread one([&] { course::transfer(alice, bob, 30); });
/// std::jthread two([&] { course::transfer(bob, alice, 10); });  // opposite direction: fine
/// \endcode
inline bool transfer(Account& from, Account& to, long amount) {
    if (amount < 0) throw std::invalid_argument("transfer: negative amount");
    if (&from == &to) {
        // Locking one std::mutex twice in one thread is undefined behaviour (in practice a
        // hang, or std::scoped_lock retrying forever): take it once.
        std::lock_guard lock(from.mutex_);
        return from.balance_ >= amount;
    }
    std::lock_guard lock_from(from.mutex_);
    if (from.balance_ < amount) return false;
    from.balance_ -= amount;
    to.balance_ += amount;
    return true;
}

}  // namespace course
