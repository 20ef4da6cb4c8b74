// as_completed.hpp: Future.done(), concurrent.futures.as_completed() and wait() for std::future.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <exception>
#include <future>
#include <optional>
#include <stdexcept>
#include <vector>

namespace course {

/// \brief True when the future's result (a value or an exception) is there, so that `get()`
/// would not wait: Python's `Future.done()`.
///
/// Never blocks: a zero-length `wait_for`. Works for `std::future` and `std::shared_future`.
/// A deferred `std::async` future is never done by this test (it runs only at `get()`).
/// \pre `future.valid()`.
///
/// \code
/// std::future<int> f = pool.submit(slow_square, 4);
/// if (!course::done(f)) std::cout << "still working\n";
/// \endcode
template <class Future>
bool done(const Future& future) {
    // TODO: a zero-length wait_for(), compared with std::future_status::ready. Never wait().
    (void)future;
    throw std::logic_error("TODO: as_completed.hpp: done() is not written yet");
}

/// \brief Hands out the indexes of a set of futures in the order they finish, one per
/// `next()`: Python's `for f in as_completed(fs):`.
///
/// C++20 has no "wait for any of these futures" (no `when_any`), so `next()` looks at
/// every future not handed out yet with `done()`, and when none is ready, waits a short,
/// growing slice on one of them (at most a millisecond) before looking again: it never
/// spins on the CPU, and never waits for one future while another is ready.
/// Futures that finish within one such look may come out in index order.
///
/// The futures stay in the caller's vector, untouched (nothing calls `get()`); this object
/// keeps a reference to the vector, which must outlive it and keep its size.
/// Thread-safety: one thread uses an AsCompleted object; the futures may be fulfilled by
/// any thread.
///
/// \code
/// std::vector<std::future<std::string>> pages = ...;   // from pool.submit(download, url)
/// course::AsCompleted finished(pages);
/// while (finished.remaining() > 0) {
///     const std::size_t i = finished.next();
///     std::cout << urls[i] << ": " << pages[i].get() << '\n';
/// }
/// \endcode
template <class Future>
class AsCompleted {
public:
    /// \param futures the futures to watch, each valid(); none is handed out yet.
    explicit AsCompleted(const std::vector<Future>& futures) : futures_(futures) {
        // TODO: remember which indexes are still to be handed out (all of them, for now).
        throw std::logic_error("TODO: as_completed.hpp: AsCompleted() is not written yet");
    }

    /// \brief How many futures `next()` has not handed out yet.
    std::size_t remaining() const {
        // TODO: how many indexes are still to be handed out.
        throw std::logic_error("TODO: as_completed.hpp: remaining() is not written yet");
    }

    /// \brief Waits until one of the futures not handed out yet is done, and returns its
    /// index (each index once).
    /// \throws std::out_of_range when every future has been handed out (Python's
    ///         `StopIteration`).
    std::size_t next() {
        // TODO: throw std::out_of_range when nothing is left; otherwise look at EVERY future
        //       still pending with done(), and hand out the first one that is; when none is,
        //       wait a short slice (wait_for, 10 us growing to 1 ms) and look again.
        throw std::logic_error("TODO: as_completed.hpp: next() is not written yet");
    }

    /// \brief Like `next()`, but gives up after `timeout`: Python's
    /// `as_completed(fs, timeout)`, which raises `TimeoutError` instead.
    /// \returns the index, or `std::nullopt` when none finished in time.
    std::optional<std::size_t> next_for(std::chrono::steady_clock::duration timeout) {
        // TODO: like next(), but return std::nullopt once the timeout has passed.
        (void)timeout;
        throw std::logic_error("TODO: as_completed.hpp: next_for() is not written yet");
    }

private:
    const std::vector<Future>& futures_;
    // TODO: the indexes not handed out yet.
};

/// \brief Every index of `futures`, in the order the futures finish; waits for all of
/// them. The whole of Python's `list(as_completed(fs))`, for when you want the order
/// rather than the stream.
template <class Future>
std::vector<std::size_t> as_completed(const std::vector<Future>& futures) {
    // TODO: an AsCompleted over the futures, and next() until nothing remains.
    (void)futures;
    throw std::logic_error("TODO: as_completed.hpp: as_completed() is not written yet");
}

/// \brief When `wait()` returns, as in Python's `concurrent.futures.wait(fs, return_when=...)`.
enum class ReturnWhen {
    first_completed,  ///< `FIRST_COMPLETED`: as soon as one future is done
    first_exception,  ///< `FIRST_EXCEPTION`: as soon as one is done with an exception, or all are done
    all_completed,    ///< `ALL_COMPLETED`: when every future is done
};

/// \brief The result of `wait()`: the indexes of the futures done and not done, each in
/// index order (Python's `DoneAndNotDoneFutures` named tuple, with sets).
struct DoneAndNotDone {
    std::vector<std::size_t> done;
    std::vector<std::size_t> not_done;
};

/// \brief Waits until the condition `when` holds, or `timeout` has passed: Python's
/// `concurrent.futures.wait(fs, timeout, return_when)`.
///
/// Takes `std::shared_future`s because `first_exception` must look at a finished future's
/// exception without taking it away (`std::future::get()` works once; a
/// `shared_future`'s, like Python's `result()`, again and again). Get one with `share()`.
/// \param timeout how long to wait at most; `std::nullopt` (the default) waits as long as
///        it takes.
/// \returns which futures were done when it returned, and which not (the split is taken
///          at that instant, so `done` may hold more than one future).
///
/// \code
/// std::vector<std::shared_future<int>> fs = {pool.submit(a).share(), pool.submit(b).share()};
/// auto [finished, unfinished] = course::wait(fs, course::ReturnWhen::first_exception);
/// \endcode
template <class T>
DoneAndNotDone wait(const std::vector<std::shared_future<T>>& futures, ReturnWhen when,
                    std::optional<std::chrono::steady_clock::duration> timeout = std::nullopt) {
    // TODO: loop: split the indexes into done and not done; for first_exception, see whether a
    //       done future failed (get() on a shared_future rethrows: catch it); return the split
    //       when `when` is satisfied, when nothing is left, or once the timeout has passed;
    //       otherwise wait a short slice on a pending future and look again.
    (void)futures;
    (void)when;
    (void)timeout;
    throw std::logic_error("TODO: as_completed.hpp: wait() is not written yet");
}

}  // namespace course
