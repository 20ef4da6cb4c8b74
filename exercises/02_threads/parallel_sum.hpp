// parallel_sum.hpp: split a range into one slice per thread, run the slices at once, and sum numbers that way.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <numeric>
#include <span>
#include <stdexcept>
#include <thread>
#include <vector>

namespace course {

/// \brief How many slices (and so threads) run_in_slices() uses for `count` items: the
/// C++ side of choosing `os.cpu_count()` workers in Python.
///
/// \param count   the number of items to share out.
/// \param threads the thread count asked for; 0 means one per hardware thread,
///                `std::thread::hardware_concurrency()`, or 1 when that returns 0 (it may).
/// \returns the thread count asked for, but never more than `count`: no thread is started
///          for an empty slice, so 0 items give 0 slices.
/// \throws std::invalid_argument when `threads` is negative.
///
/// \code
/// course::slice_count(10, 4);   // 4
/// course::slice_count(3, 8);    // 3: one item each
/// course::slice_count(100, 0);  // hardware_concurrency(), e.g. 2
/// \endcode
inline std::size_t slice_count(std::size_t count, int threads) {
    // TODO: reject a negative thread count with std::invalid_argument.
    // TODO: 0 threads means std::thread::hardware_concurrency(), or 1 when that returns 0.
    // TODO: never return more than `count`.
    throw std::logic_error("TODO: parallel_sum.hpp: slice_count() is not written yet");
}

/// \brief Splits the indices `[0, count)` into slice_count(count, threads) contiguous
/// slices and calls `work(slice, begin, end)` for each one on a thread of its own, all
/// at the same time; returns when every slice is done. In Python terms: one
/// `threading.Thread(target=work, args=(slice, begin, end))` per slice, all started, then
/// all joined, except that these threads really do compute in parallel (no GIL).
///
/// Slice s covers `[begin, end)`; the slices follow each other in order and cover every
/// index exactly once. Their sizes differ by at most one: with `count = q * slices + r`,
/// the first r slices get q + 1 indices and the others q (10 items on 4 threads:
/// [0,3) [3,6) [6,8) [8,10)).
///
/// \param count   the number of items.
/// \param threads as for slice_count(): 0 means one per hardware thread.
/// \param work    called once per slice, on that slice's thread; calls for different
///                slices run at the same time, so it must only write what belongs to its
///                own slice (for instance `results[slice]`).
/// \returns the number of slices used, slice_count(count, threads).
/// \throws std::invalid_argument when `threads` is negative or `work` is empty.
/// \throws whatever `work` throws: the first exception (in slice order) is rethrown once
///         every slice has finished; an exception never escapes a thread, where it would
///         call std::terminate.
/// \throws std::system_error when a thread cannot be started, once the slices already
///         started have finished.
///
/// Every thread is joined before this function returns or throws.
///
/// \code
/// std::vector<long> squares(1000);
/// course::run_in_slices(squares.size(), 0, [&](std::size_t, std::size_t begin, std::size_t end) {
///     for (std::size_t i = begin; i < end; ++i) squares[i] = long(i * i);
/// });
/// \endcode
inline std::size_t run_in_slices(std::size_t count, int threads,
                                 const std::function<void(std::size_t slice, std::size_t begin, std::size_t end)>& work) {
    // TODO: reject an empty `work` with std::invalid_argument; ask slice_count() how many slices.
    // TODO: start one thread per slice, all of them before joining any, each calling
    //       work(slice, begin, end); the first count % slices slices get one extra index.
    // TODO: catch an exception inside the thread (one std::exception_ptr slot per slice),
    //       join every thread, then rethrow the first one.
    throw std::logic_error("TODO: parallel_sum.hpp: run_in_slices() is not written yet");
}

/// \brief The sum of `values`, computed on `threads` threads (0: one per hardware
/// thread), each summing its own slice into its own partial result, then the partial
/// results added up once all threads have finished. The same total as `sum(values)` in
/// Python, and as `std::accumulate`, for any thread count.
///
/// \param values  the numbers; the caller keeps the total within the range of std::int64_t.
/// \param threads as for slice_count().
/// \returns the sum; 0 for no values.
/// \throws std::invalid_argument when `threads` is negative.
///
/// \code
/// std::vector<std::int64_t> numbers{1, 2, 3, 4, 5};
/// course::parallel_sum(numbers, 2);  // 15: {1, 2, 3} on one thread, {4, 5} on another
/// \endcode
inline std::int64_t parallel_sum(std::span<const std::int64_t> values, int threads = 0) {
    // TODO: one partial sum per slice, each written by its own thread through run_in_slices();
    //       add the partial sums up after they have all finished.
    throw std::logic_error("TODO: parallel_sum.hpp: parallel_sum() is not written yet");
}

}  // namespace course
