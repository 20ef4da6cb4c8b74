// stoppable_workers.hpp: WorkerCrew, N worker threads repeating a step until asked to stop (daemon threads done properly).
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

namespace course {

namespace stoppable_workers_todo {
/// Reports a member that is not written yet (a function, so that noexcept members can call it).
[[noreturn]] inline void not_written_yet(const char* member) {
    throw std::logic_error(std::string("TODO: stoppable_workers.hpp: ") + member + " is not written yet");
}
}  // namespace stoppable_workers_todo

/// \brief A crew of worker threads that each call a step function over and over until the
/// crew is asked to stop, then end cleanly and are joined. It is what Python code means
/// by `daemon=True` threads looping on `while not stop_event.is_set(): step()`, done
/// properly: stopping is a request the workers honour between steps (and during a step,
/// through their std::stop_token), never a kill, and the crew's destructor both asks and
/// waits.
///
/// Worker i (0 <= i < size) runs, on a std::jthread of its own,
/// `while (!stop.stop_requested()) step(stop, i);`. The step receives the crew's
/// std::stop_token so that a long or blocking step can end early when a stop is requested
/// (for instance `std::condition_variable_any::wait(lock, stop, predicate)`, or checking
/// `stop.stop_requested()` in an inner loop).
///
/// An exception of any type escaping a step ends that worker only (it would otherwise call
/// std::terminate); the others carry on, and join() rethrows it.
///
/// Thread-safety: request_stop() may be called from any thread at any time, including
/// from inside a step (a worker that found what the crew looks for stops everyone).
/// join() and the destructor are for the crew's owner; never call them from a step.
///
/// \code
/// std::atomic<long> ticks{0};
/// {
///     course::WorkerCrew crew(4, [&](std::stop_token, std::size_t) { ticks.fetch_add(1); });
///     // ... the four workers tick in parallel ...
///     crew.request_stop();
///     std::vector<std::size_t> steps = crew.join();  // steps done by each worker
/// }
/// \endcode
class WorkerCrew {
public:
    /// What a worker calls repeatedly: its stop token, and its worker number.
    using Step = std::function<void(std::stop_token stop, std::size_t worker)>;

    /// \brief Starts `workers` threads, each repeating `step` until a stop is requested.
    /// \throws std::invalid_argument when `workers` is 0 or `step` is empty.
    /// \throws std::system_error when a thread cannot be started; the workers already
    ///         running are stopped and joined first.
    WorkerCrew(std::size_t workers, Step step)
        : step_(std::move(step)), steps_(workers, 0), errors_(workers) {
        // TODO: reject 0 workers or an empty step_ with std::invalid_argument.
        // TODO: start `workers` std::jthreads in workers_, worker i running work(token, i)
        //       with a token from stop_. If starting one throws, request_stop() before
        //       letting the exception go (workers_ joins the others on the way out).
        stoppable_workers_todo::not_written_yet("the constructor");
    }

    /// \brief Asks every worker to stop, then waits for all of them. Unlike a Python
    /// daemon thread, no worker is ever cut off in the middle of a step.
    ~WorkerCrew() {
        // TODO: request_stop(); workers_ is the last member, so it is destroyed first
        //       and each jthread joins. (Until the constructor is written, no worker runs.)
    }

    WorkerCrew(const WorkerCrew&) = delete;
    WorkerCrew& operator=(const WorkerCrew&) = delete;

    /// \brief Asks every worker to stop after its current step (and tells that step,
    /// through its stop token). Returns at once, without waiting; calling it again does
    /// nothing more.
    void request_stop() noexcept {
        // TODO: request a stop on stop_.
        stoppable_workers_todo::not_written_yet("request_stop()");
    }

    /// \brief Waits until every worker has ended. Workers end only after a stop request
    /// (or when their step throws), so this waits for request_stop() to be called, here
    /// or from a step, like Python's `join()` on a thread that loops until told to stop.
    /// \returns how many steps each worker completed, indexed by worker number. Calling
    ///          join() again returns the same numbers at once.
    /// \throws the exception that ended a worker, if one did (the lowest worker number's),
    ///         once all the workers have ended.
    std::vector<std::size_t> join() {
        // TODO: join every worker that is still joinable; then rethrow the first stored
        //       exception, if any; otherwise return steps_.
        stoppable_workers_todo::not_written_yet("join()");
    }

    /// \brief The number of workers.
    [[nodiscard]] std::size_t size() const noexcept {
        // TODO: the number of workers.
        stoppable_workers_todo::not_written_yet("size()");
    }

private:
    void work(std::stop_token stop, std::size_t index) {
        // TODO: until stop.stop_requested(): call step_(stop, index), then count it in
        //       steps_[index]. Catch any exception and keep it in errors_[index]: an
        //       exception leaving a thread calls std::terminate.
        stoppable_workers_todo::not_written_yet("work()");
    }

    Step step_;
    // One stop source for the whole crew rather than each jthread's own: one request then
    // reaches every worker, and it is safe from any thread, even while the crew is still
    // starting its workers.
    std::stop_source stop_;
    std::vector<std::size_t> steps_;           // steps_[i] is written by worker i only
    std::vector<std::exception_ptr> errors_;   // errors_[i] likewise
    std::vector<std::jthread> workers_;        // last: destroyed (joined) before the rest
};

}  // namespace course
