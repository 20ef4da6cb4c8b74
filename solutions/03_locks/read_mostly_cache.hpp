// read_mostly_cache.hpp: a cache that many threads read at once, on a std::shared_mutex.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <utility>

namespace course {

/// \brief A cache of computed values that many threads read at the same time and that
/// computes each missing value exactly once: `std::shared_mutex` at work.
///
/// `get(key)` returns the cached value for `key`, computing it with the function given to
/// the constructor the first time. Python's `functools.lru_cache` does the same job, but it
/// may compute a value twice when two threads miss together; this cache never does.
///
/// How it locks, and why:
/// - Looking up a value takes the mutex *shared* (`std::shared_lock`): any number of
///   readers hold it at once, which is the point of a read-mostly structure.
/// - Storing a value changes the map, so it needs the mutex *exclusively*
///   (`std::unique_lock`). A shared lock cannot be upgraded: `get()` releases it, takes the
///   exclusive one, and then *looks again*, because another thread may have stored the
///   value in between. Only if it is still missing does it compute and store it.
/// - The value is computed while the exclusive lock is held. That blocks every reader for
///   the time of one computation, and in exchange no key is ever computed twice.
///
/// Thread-safety: every member function may be called from any thread at once. The compute
/// function runs under the exclusive lock: it must not call back into the cache (that would
/// deadlock), and it is never run twice at the same time.
///
/// \tparam Key a type with `operator<` (the cache is a `std::map`)
/// \tparam Value a copyable type; `get()` returns copies
///
/// \code
/// course::ReadMostlyCache<std::string, std::size_t> lengths(
///     [](const std::string& word) { return word.size(); });
/// lengths.get("mutex");                      // computes 5 and keeps it
/// lengths.get("mutex");                      // 5 again, from the cache
/// lengths.visit("mutex", [](std::size_t n) { /* reads in place, under the shared lock */ });
/// lengths.invalidate("mutex");               // the next get() computes it again
/// \endcode
template <class Key, class Value>
class ReadMostlyCache {
public:
    /// The function that computes a missing value.
    using Compute = std::function<Value(const Key&)>;

    /// \brief An empty cache that computes missing values with `compute`.
    /// \throws std::invalid_argument when `compute` is empty.
    explicit ReadMostlyCache(Compute compute) : compute_(std::move(compute)) {
        if (!compute_) throw std::invalid_argument("ReadMostlyCache: no compute function");
    }

    ReadMostlyCache(const ReadMostlyCache&) = delete;
    ReadMostlyCache& operator=(const ReadMostlyCache&) = delete;

    /// \brief The value for `key`: from the cache when it is there (under a shared lock,
    /// in parallel with other readers), otherwise computed once and kept.
    /// \returns a copy of the cached value.
    /// \throws whatever the compute function throws; nothing is cached then, and the next
    ///         `get(key)` tries again.
    Value get(const Key& key) {
        {
            std::shared_lock lock(mutex_);
            if (const auto found = values_.find(key); found != values_.end()) return found->second;
        }
        std::unique_lock lock(mutex_);
        // Look again: another thread may have stored it between our two locks.
        if (const auto found = values_.find(key); found != values_.end()) return found->second;
        const auto stored = values_.emplace(key, compute_(key)).first;
        return stored->second;
    }

    /// \brief Calls `visitor(value)` with the cached value for `key`, in place and under
    /// the shared lock (many visitors run at once); computes nothing.
    /// \param key the key to look up.
    /// \param visitor called as `visitor(const Value&)`; it must not call back into the
    ///        cache's writers (`get()` of a missing key, `invalidate()`), which would wait
    ///        for the lock that this call holds.
    /// \returns true when `key` was cached and `visitor` ran, false otherwise.
    template <class Visitor>
    bool visit(const Key& key, Visitor&& visitor) const {
        std::shared_lock lock(mutex_);
        const auto found = values_.find(key);
        if (found == values_.end()) return false;
        std::forward<Visitor>(visitor)(found->second);
        return true;
    }

    /// \brief Forgets the cached value for `key`, so the next `get(key)` computes it again.
    /// \returns true when there was a value to forget.
    bool invalidate(const Key& key) {
        std::unique_lock lock(mutex_);
        return values_.erase(key) > 0;
    }

    /// \brief How many values are cached.
    std::size_t size() const {
        std::shared_lock lock(mutex_);
        return values_.size();
    }

private:
    const Compute compute_;             // set once, never changed: needs no lock
    mutable std::shared_mutex mutex_;   // shared for lookups, exclusive for changes
    std::map<Key, Value> values_;       // guarded by mutex_
};

}  // namespace course
