// atomic_max.hpp: fetch_max and fetch_update, read-modify-writes that std::atomic lacks, as compare-exchange loops.
#pragma once

#include <atomic>
#include <stdexcept>

namespace course {

/// \brief Raises `target` to `value` when `value` is larger, as one indivisible step, and
/// returns the value `target` held just before: the shape of `fetch_add`, for a maximum.
/// (C++26 adds `std::atomic::fetch_max`; C++20 has none.)
///
/// Any number of threads may call it on the same `target` at once: the result is the
/// largest value any of them passed, however their calls interleave, and `target` never
/// goes down. A load followed by a store is not enough: another thread can store a larger
/// value between the two, and the store would undo it. It orders no other memory: do not
/// publish data through it (chapter 08, section 2, shows what does).
///
/// \tparam Atomic `std::atomic<T>` for an arithmetic `T`, or any type with the same
///         `value_type`, `load`, `store`, `exchange`, `compare_exchange_weak` and
///         `compare_exchange_strong` members; use only those. (The tests pass such a type,
///         to choose the moment another thread changes the value.)
/// \param target the atomic to raise; any number of threads may share it.
/// \param value the candidate for the new maximum.
/// \returns the value of `target` just before this call took effect: the old maximum when
///          `value` replaced it, otherwise a value at least as large as `value`.
///
/// \code
/// std::atomic<long> longest{0};
/// course::fetch_max(longest, 42);          // returns 0; longest is 42
/// course::fetch_max(longest, 7);           // returns 42; longest stays 42
/// \endcode
template <typename Atomic>
typename Atomic::value_type fetch_max(Atomic& target, typename Atomic::value_type value) {
    // TODO: load the value, then loop: while it is smaller than `value`, try to replace it
    //       with compare_exchange_weak; return the value seen last.
    throw std::logic_error("TODO: atomic_max.hpp: fetch_max() is not written yet");
}

/// \brief Replaces the value `v` of `target` by `update(v)`, as one indivisible step, and
/// returns `v`: any read-modify-write, such as "double it" or "add 1 unless it is 100".
///
/// When another thread changes `target` between the read of `v` and the store, the store
/// does not happen: `update` is called again on the new value, as often as needed. So
/// `update` may run several times per call, with different values, and only the result
/// computed from the value actually replaced is stored.
///
/// \tparam Atomic as for fetch_max().
/// \param target the atomic to update; any number of threads may share it.
/// \param update callable with a `value_type`, returning the new `value_type`.
/// \returns the value `update` was applied to for the store that took effect.
///
/// \code
/// std::atomic<int> flags{0b0001};
/// int before = course::fetch_update(flags, [](int v) { return v | 0b0100; });  // 0b0001
/// \endcode
template <typename Atomic, typename Update>
typename Atomic::value_type fetch_update(Atomic& target, Update update) {
    // TODO: the same loop, storing update(seen) computed afresh on every attempt.
    throw std::logic_error("TODO: atomic_max.hpp: fetch_update() is not written yet");
}

}  // namespace course
