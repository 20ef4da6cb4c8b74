// stoppable_workers.hpp: WorkerCrew, N worker threads repeating a step until asked to stop (daemon threads done properly).
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <stdexcept>
#include <stop_token>
#include <thread>
#include <vector>

namespace course {

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
        if (workers == 0) throw std::invalid_argument("WorkerCrew: no workers");
        if (!step_) throw std::invalid_argument("WorkerCrew: empty step function");
        workers_.reserve(workers);
        try {
            for (std::size_t i = 0; i < workers; ++i) {
                workers_.emplace_back([this, i] { work(stop_.get_token(), i); });
            }
        } catch (...) {
            // The jthreads already started are joined when workers_ is destroyed on the
            // way out; they only end once they are told to stop.
            request_stop();
            throw;
        }
    }

    /// \brief Asks every worker to stop, then waits for all of them. Unlike a Python
    /// daemon thread, no worker is ever cut off in the middle of a step.
    ~WorkerCrew() {
        request_stop();
        // workers_ is the last member, so it is destroyed first: each jthread joins.
    }

    WorkerCrew(const WorkerCrew&) = delete;
    WorkerCrew& operator=(const WorkerCrew&) = delete;

    /// \brief Asks every worker to stop after its current step (and tells that step,
    /// through its stop token). Returns at once, without waiting; calling it again does
    /// nothing more.
    void request_stop() noexcept { stop_.request_stop(); }

    /// \brief Waits until every worker has ended. Workers end only after a stop request
    /// (or when their step throws), so this waits for request_stop() to be called, here
    /// or from a step, like Python's `join()` on a thread that loops until told to stop.
    /// \returns how many steps each worker completed, indexed by worker number. Calling
    ///          join() again returns the same numbers at once.
    /// \throws the exception that ended a worker, if one did (the lowest worker number's),
    ///         once all the workers have ended.
    std::vector<std::size_t> join() {
        for (std::jthread& worker : workers_) {
            if (worker.joinable()) worker.join();
        }
        // Each worker wrote only its own slots; the joins make those writes visible here.
        for (const std::exception_ptr& error : errors_) {
            if (error) std::rethrow_exception(error);
        }
        return steps_;
    }

    /// \brief The number of workers.
    [[nodiscard]] std::size_t size() const noexcept { return steps_.size(); }

private:
    void work(std::stop_token stop, std::size_t index) {
        try {
            while (!stop.stop_requested()) {
                step_(stop, index);
                ++steps_[index];
            }
        } catch (...) {
            errors_[index] = std::current_exception();
        }
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
