// hierarchical_mutex.hpp: a mutex with a level that refuses, on every run, to be locked out of order.
#pragma once

#include <algorithm>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace course {

/// \brief Thrown by HierarchicalMutex::lock() when the calling thread asks for a mutex against
/// the lock hierarchy: a programming error, found before anything can hang.
class LockOrderError : public std::logic_error {
public:
    using std::logic_error::logic_error;
};

/// \brief A mutex with a level: a thread that holds hierarchical mutexes may only lock one
/// whose level is strictly lower than every level it already holds.
///
/// If every thread locks downwards, no cycle of waits can form, so these mutexes can never
/// deadlock with each other. Python has no such class; there the order is a convention you
/// keep by hand. Here a wrong order throws LockOrderError on every run that takes the wrong
/// path, whether or not another thread is around to deadlock with.
///
/// Each thread has its own set of held mutexes (what one thread holds never restricts
/// another). HierarchicalMutex meets the standard's Lockable requirements (`lock()`,
/// `unlock()`, `try_lock()`), so `std::lock_guard`, `std::unique_lock` and
/// `std::scoped_lock` work with it.
///
/// Thread-safety: like `std::mutex`; unlock() must be called by the thread that locked it.
///
/// \code
/// course::HierarchicalMutex accounts(300), ledger(200), log(100);
/// {
///     std::lock_guard a(accounts);
///     std::lock_guard l(ledger);    // 200 < 300: allowed
/// }
/// std::lock_guard g(log);
/// std::lock_guard a(accounts);      // throws course::LockOrderError: 300 after 100
/// \endcode
class HierarchicalMutex {
public:
    /// \brief A mutex on level `level`; higher levels are locked first.
    explicit HierarchicalMutex(unsigned long level) : level_(level) {}

    HierarchicalMutex(const HierarchicalMutex&) = delete;
    HierarchicalMutex& operator=(const HierarchicalMutex&) = delete;

    /// \brief This mutex's level.
    unsigned long level() const noexcept { return level_; }

    /// \brief Blocks until this thread holds the mutex.
    /// \throws LockOrderError, without blocking and without locking anything, when this
    ///         thread already holds a hierarchical mutex whose level is lower than or equal
    ///         to this one's (equal levels cannot be held together either).
    void lock() {
        // TODO: if this thread holds a hierarchical mutex whose level is <= level_, throw
        //       LockOrderError (before locking anything); otherwise lock mutex_ and record,
        //       in a per-thread list, that this thread now holds this mutex.
        throw std::logic_error("TODO: hierarchical_mutex.hpp: lock() is not written yet");
    }

    /// \brief Takes the mutex if that is possible right now, without blocking.
    /// \returns true when this thread now holds it; false when another thread holds it, or
    ///          when the hierarchy forbids it to this thread (no exception: a mutex we may not
    ///          take is one we cannot take now). Because of that, `std::scoped_lock(a, b)`
    ///          of two hierarchical mutexes finds the allowed order whichever way you name them.
    ///          With three or more, lock them one by one from the highest level down: the
    ///          standard's algorithm only tries rotations of the order you name, and may
    ///          retry forever.
    bool try_lock() {
        // TODO: the same check as lock(), but return false instead of throwing; then
        //       mutex_.try_lock(), and record the mutex as held when it succeeds.
        throw std::logic_error("TODO: hierarchical_mutex.hpp: try_lock() is not written yet");
    }

    /// \brief Releases the mutex. Mutexes may be released in any order (`std::scoped_lock`
    /// releases in the order they were named); afterwards this thread's level is the lowest
    /// level it still holds, so it may again lock anything below that.
    void unlock() {
        // TODO: remove this mutex from the thread's list, wherever it is in it, then unlock mutex_.
        throw std::logic_error("TODO: hierarchical_mutex.hpp: unlock() is not written yet");
    }

    /// \brief The lowest level the calling thread holds, or std::nullopt when it holds no
    /// hierarchical mutex (it may then lock any level).
    static std::optional<unsigned long> this_thread_level() {
        // TODO: std::nullopt when the thread's list is empty, else the lowest level in it.
        throw std::logic_error("TODO: hierarchical_mutex.hpp: this_thread_level() is not written yet");
    }

private:
    // TODO: the mutexes the calling thread holds, one list per thread, for example
    //       inline static thread_local std::vector<const HierarchicalMutex*> held_by_this_thread;

    const unsigned long level_;
    std::mutex mutex_;
};

}  // namespace course
