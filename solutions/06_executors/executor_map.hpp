// executor_map.hpp: Executor.map(fn, inputs, chunksize) for any executor whose submit() returns a std::future.
#pragma once

#include <algorithm>
#include <cstddef>
#include <exception>
#include <future>
#include <stdexcept>
#include <type_traits>
#include <vector>

namespace course {

/// \brief Calls `fn(input)` for every input on `executor`, all submitted at once, and
/// returns the results in INPUT order: Python's `list(executor.map(fn, inputs, chunksize=...))`.
///
/// Every task is submitted before the first result is awaited, so the calls run in
/// parallel and a slow first input delays the answer, never the work. With `chunksize`
/// > 1, one task runs `chunksize` consecutive inputs (the last chunk may be shorter): one
/// submission, one future and one wake-up per chunk instead of per input, which is what
/// makes tiny calls worth sending to a pool (lesson, section 8).
///
/// \param executor anything with `submit(callable)` returning a `std::future` of the
///        callable's result, such as `course::ThreadPool`.
/// \param fn called as `fn(input)` with a `const T&`; it must be safe to call from several
///        threads at once (each task calls its own copy).
/// \param inputs the inputs; read by the tasks in place, which is safe because `map`
///        returns only once every task has finished.
/// \param chunksize how many inputs one task handles; at least 1.
/// \returns `fn(inputs[i])` at position `i`.
/// \throws the exception of the FIRST failing input, in input order (not the first to
///         fail in time), like Python's map raising when its iterator reaches that result;
///         it is rethrown only after every task has finished, so no task outlives the call.
/// \throws std::invalid_argument when `chunksize` is 0. Whatever `submit()` throws (after
///         a shutdown, say) passes through, once the tasks already submitted have finished.
///
/// \code
/// course::ThreadPool pool(4);
/// std::vector<int> sizes = course::map(pool, [](const std::string& s) { return int(s.size()); }, words);
/// std::vector<long> squares = course::map(pool, [](long x) { return x * x; }, numbers, 1000);
/// \endcode
template <class Executor, class F, class T>
auto map(Executor& executor, const F& fn, const std::vector<T>& inputs, std::size_t chunksize = 1)
    -> std::vector<std::invoke_result_t<const F&, const T&>> {
    using Result = std::invoke_result_t<const F&, const T&>;
    static_assert(!std::is_void_v<Result>, "map() collects results: fn must return a value");
    if (chunksize == 0) throw std::invalid_argument("map(): chunksize must be at least 1");

    // 1. Submit everything. One future per chunk, each holding that chunk's results.
    std::vector<std::future<std::vector<Result>>> chunks;
    chunks.reserve((inputs.size() + chunksize - 1) / chunksize);
    std::exception_ptr submit_error;
    for (std::size_t first = 0; first < inputs.size(); first += chunksize) {
        const std::size_t last = std::min(inputs.size(), first + chunksize);
        try {
            chunks.push_back(executor.submit([fn, &inputs, first, last] {
                std::vector<Result> results;
                results.reserve(last - first);
                for (std::size_t i = first; i < last; ++i) results.push_back(fn(inputs[i]));
                return results;
            }));
        } catch (...) {
            submit_error = std::current_exception();  // the tasks already out still use inputs
            break;
        }
    }

    // 2. Collect in input order. A failed chunk's exception is kept, and the remaining
    //    futures are still waited for, so nothing refers to fn or inputs after we return.
    std::vector<Result> results;
    results.reserve(inputs.size());
    std::exception_ptr first_error;
    for (auto& chunk : chunks) {
        try {
            for (auto&& result : chunk.get()) results.push_back(std::move(result));
        } catch (...) {
            if (!first_error) first_error = std::current_exception();
        }
    }
    if (!first_error) first_error = submit_error;  // it came after every submitted input
    if (first_error) std::rethrow_exception(first_error);
    return results;
}

}  // namespace course
