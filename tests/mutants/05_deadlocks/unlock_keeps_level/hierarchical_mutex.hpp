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
        // Check first, so that a violation never blocks and never leaves the mutex locked
        // behind the exception.
        if (!allowed()) {
            throw LockOrderError("lock order violation: level " + std::to_string(level_) +
                                 " locked while holding level " + std::to_string(*this_thread_level()));
        }
        std::unique_lock guard(mutex_);
        held_by_this_thread.push_back(this);  // if this throws, the guard unlocks again
        guard.release();
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
        if (!allowed()) return false;
        std::unique_lock guard(mutex_, std::try_to_lock);
        if (!guard.owns_lock()) return false;
        held_by_this_thread.push_back(this);
        guard.release();
        return true;
    }

    /// \brief Releases the mutex. Mutexes may be released in any order (`std::scoped_lock`
    /// releases in the order they were named); afterwards this thread's level is the lowest
    /// level it still holds, so it may again lock anything below that.
    void unlock() {
        mutex_.unlock();
    }

    /// \brief The lowest level the calling thread holds, or std::nullopt when it holds no
    /// hierarchical mutex (it may then lock any level).
    static std::optional<unsigned long> this_thread_level() {
        // Each mutex is locked below all the others held, so the list runs from the highest
        // level to the lowest, and removing entries keeps it so: the lowest is the last one.
        if (held_by_this_thread.empty()) return std::nullopt;
        return held_by_this_thread.back()->level_;
    }

private:
    bool allowed() const {
        const auto current = this_thread_level();
        return !current || level_ < *current;
    }

    // The mutexes the calling thread holds, in the order it took them: one list per thread
    // (thread_local), so reading and changing it needs no lock.
    inline static thread_local std::vector<const HierarchicalMutex*> held_by_this_thread;

    const unsigned long level_;
    std::mutex mutex_;
};

}  // namespace course
