// safe_counter.hpp: a counter that many threads may change and read at once.
#pragma once

#include <mutex>
#include <stdexcept>

namespace course {

/// \brief A counter that any number of threads may change and read at the same time: the
/// C++ answer to the articles' `counter += 1` in two threads, with the lock kept inside the
/// class instead of around every call.
///
/// Python has no such class in its library; the nearest is a `threading.Lock` kept next to
/// an int, with `with lock: counter += 1` at every call site. Here the mutex and the value
/// live together and the value is private, so no caller can touch it without the lock.
///
/// Thread-safety: every member function may be called from any thread, at the same time as
/// any other. Each call is indivisible: no update is ever lost, and `increment_if_below()`
/// checks and increments as one step, so the limit holds however many threads race for it.
///
/// \code
/// course::SafeCounter hits;
/// std::vector<std::jthread> threads;
/// for (int t = 0; t < 4; ++t) {
///     threads.emplace_back([&] { for (int i = 0; i < 1000; ++i) hits.increment(); });
/// }
/// threads.clear();                          // joins
/// long total = hits.value();                // 4000, every time
/// \endcode
class SafeCounter {
public:
    /// \brief A counter that starts at `initial` (0 by default).
    explicit SafeCounter(long initial = 0) {
        // TODO: store `initial` in the value member.
        throw std::logic_error("TODO: safe_counter.hpp: SafeCounter() is not written yet");
    }

    SafeCounter(const SafeCounter&) = delete;  // a mutex cannot be copied, and neither can this
    SafeCounter& operator=(const SafeCounter&) = delete;

    /// \brief Adds one: Python's `with lock: counter += 1`.
    void increment() {
        // TODO: lock the mutex with a std::lock_guard, then add one.
        throw std::logic_error("TODO: safe_counter.hpp: increment() is not written yet");
    }

    /// \brief Adds `amount`, which may be negative, in one indivisible step.
    void add(long amount) {
        // TODO: the same as increment(), adding `amount`.
        throw std::logic_error("TODO: safe_counter.hpp: add() is not written yet");
    }

    /// \brief The current value. A read needs the lock as much as a write does: a read
    /// racing with a write is a data race.
    /// \returns the value at one instant; other threads may change it right after.
    long value() const {
        // TODO: lock, then return the value (the mutex must be `mutable` for this const function).
        throw std::logic_error("TODO: safe_counter.hpp: value() is not written yet");
    }

    /// \brief Adds one, but only while the value is below `limit`: a ticket counter that
    /// never sells more than `limit` seats, however many threads buy at once.
    ///
    /// The check and the increment happen under one lock. Checking with `value()` and then
    /// calling `increment()` would be two separate steps, and another thread could take the
    /// last seat in between.
    /// \returns true when the counter was below `limit` and has been incremented, false
    ///          when it was not (the counter is then unchanged).
    bool increment_if_below(long limit) {
        // TODO: under ONE lock: if the value is below `limit`, add one and return true;
        //       otherwise return false.
        throw std::logic_error("TODO: safe_counter.hpp: increment_if_below() is not written yet");
    }

private:
    // TODO: the value and the one std::mutex that guards it (mutable, for value()).
};

}  // namespace course
