// chunked_reduce.hpp: CPU-bound work split into chunks over threads, with a result that does not depend on the thread count.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace course {

/// \brief Computes `combine(...combine(combine(identity, element(0)), element(1))..., element(n - 1))`
/// on `threads` threads at once, the indices cut into chunks of `chunk_size`: the C++
/// answer to the articles' "CPU-bound: use processes", i.e. Python's
/// `functools.reduce(combine, ProcessPoolExecutor(threads).map(element, range(n), chunksize=chunk_size), identity)`,
/// with threads, because C++ threads run on every core at once.
///
/// The indices 0..n-1 are cut into chunks `[0, chunk_size)`, `[chunk_size, 2 * chunk_size)`...
/// (the last one may be shorter). Each chunk is reduced on its own, starting from
/// `identity`, by whichever thread takes it; then the chunks' results are combined **in
/// chunk order**, never in the order the threads happen to finish them. So, for an
/// associative `combine` whose neutral element is `identity`, the result is the sequential
/// one, even for a `combine` that is not commutative (joining strings) and, for a given
/// `chunk_size`, to the last bit for floating point, whatever the number of threads.
///
/// \param n the number of elements.
/// \param element `T element(std::size_t i)`; called exactly once per index, from any of
///        the threads, so it must be safe to call concurrently.
/// \param identity the neutral element of `combine` (0 for +, 1 for *, "" for joining).
/// \param combine `T combine(T accumulated, T next)`; associative.
/// \param threads how many threads work at once, the calling thread included if it takes
///        part; fewer when there are fewer chunks. At least 1.
/// \param chunk_size how many indices a thread takes at a time; at least 1. Large chunks
///        cost less to hand out, small ones share the work more evenly.
/// \returns the reduction of every element, as above; `identity` when `n` is 0.
/// \throws std::invalid_argument when `threads` or `chunk_size` is 0.
/// \throws whatever `element` or `combine` throws, of any type: the first one thrown (in
///         time, when several chunks fail), once every thread has stopped. After a failure
///         the threads take no new chunk, so few elements are computed after it.
/// \throws std::system_error when a thread cannot be started.
///
/// \code
/// // the number of primes below 1,000,000, on one thread per core, 10,000 numbers at a time
/// long primes = course::chunked_reduce(1'000'000, [](std::size_t i) { return is_prime(i) ? 1L : 0L; },
///                                      0L, std::plus<long>{}, std::thread::hardware_concurrency(), 10'000);
/// \endcode
template <class T, class Element, class Combine>
T chunked_reduce(std::size_t n, const Element& element, T identity, const Combine& combine, unsigned threads,
                 std::size_t chunk_size) {
    if (threads == 0) throw std::invalid_argument("chunked_reduce: threads must be at least 1");
    if (chunk_size == 0) throw std::invalid_argument("chunked_reduce: chunk_size must be at least 1");
    const std::size_t chunks = n / chunk_size + (n % chunk_size != 0 ? 1 : 0);
    std::vector<T> partial(chunks, identity);  // one slot per chunk, written by one thread only
    std::atomic<std::size_t> next_chunk{0};
    std::atomic<bool> failed{false};
    std::exception_ptr first_error;
    std::mutex error_mutex;

    auto work = [&] {
        while (!failed.load()) {
            const std::size_t chunk = next_chunk.fetch_add(1);
            if (chunk >= chunks) return;
            try {
                const std::size_t last = std::min(n, (chunk + 1) * chunk_size);
                T accumulated = identity;
                for (std::size_t i = chunk * chunk_size; i < last; ++i) accumulated = combine(std::move(accumulated), element(i));
                partial[chunk] = std::move(accumulated);
            } catch (...) {
                const std::lock_guard lock(error_mutex);
                if (!first_error) first_error = std::current_exception();
                failed.store(true);
            }
        }
    };
    {
        std::vector<std::jthread> workers;
        const std::size_t count = std::min<std::size_t>(threads, chunks);
        workers.reserve(count);
        for (std::size_t w = 0; w < count; ++w) workers.emplace_back(work);
    }  // every worker joined here
    if (first_error) std::rethrow_exception(first_error);

    T total = std::move(identity);
    for (T& value : partial) total = combine(std::move(total), std::move(value));
    return total;
}

}  // namespace course
