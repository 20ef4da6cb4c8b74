// cancellable_task.hpp: work on a background thread that a user interface can watch, wait for and cancel.
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <thread>
#include <utility>

namespace course {

/// What CancellableTask::result() throws when the task was cancelled before its work ended.
struct TaskCancelled : std::runtime_error {
    TaskCancelled() : std::runtime_error("the task was cancelled") {}
};

/// \brief A computation on a thread of its own that the thread which started it (a UI
/// thread, say) can watch, wait for and cancel: the C++ shape of the articles' "use a
/// thread so that the UI does not lock up", with what Python's `Future.cancel()` cannot
/// do for a running task.
///
/// The work is a function `T work(std::stop_token stop, const std::function<void(int)>& report)`.
/// It runs on a new thread, starting in the constructor. It calls `report(percent)` as it
/// goes, and checks `stop.stop_requested()` often enough: cancelling is cooperative, a
/// request the work has to honour (there is no safe way to kill a thread). A work that
/// notices the request returns early (with any value) or throws TaskCancelled.
///
/// The work is *cancelled* when cancel() was called before the work returned: then
/// result() throws TaskCancelled, whatever the work returned or threw. A cancel() that comes after
/// the work has returned is too late and changes nothing: the value stays.
///
/// Destroying a task whose work still runs cancels it and waits for the work to return
/// (a window closed while its job runs): no thread outlives the task.
///
/// Thread-safety: progress(), done(), cancel() and wait() may be called from any thread
/// at any time; result() too, once or many times. The work's `report` may be called from
/// the work's thread only.
///
/// \tparam T the work's result: a copyable type, not void.
///
/// \code
/// course::CancellableTask<long> task([](std::stop_token stop, const auto& report) {
///     long sum = 0;
///     for (int step = 0; step < 100 && !stop.stop_requested(); ++step) {
///         sum += slow_step(step);
///         report(step + 1);
///     }
///     return sum;
/// });
/// while (!task.done()) draw_progress_bar(task.progress());   // the UI keeps drawing
/// long sum = task.result();                                   // or TaskCancelled after task.cancel()
/// \endcode
template <class T>
class CancellableTask {
public:
    using Report = std::function<void(int percent)>;
    using Work = std::function<T(std::stop_token stop, const Report& report)>;

    /// Starts `work` on a new thread and returns at once.
    /// \throws std::invalid_argument when `work` is empty.
    /// \throws std::system_error when the thread cannot be started.
    explicit CancellableTask(Work work) {
        // TODO: refuse an empty work with std::invalid_argument.
        // TODO: start worker_ (a std::jthread) on a lambda taking the thread's std::stop_token;
        //       it calls work(stop, report), where report stores the clamped percent in progress_,
        //       and keeps what happened (a value, an exception, a cancellation) under the mutex,
        //       then sets finished_ and notifies the waiters.
        throw std::logic_error("TODO: cancellable_task.hpp: the CancellableTask constructor is not written yet");
    }

    CancellableTask(const CancellableTask&) = delete;
    CancellableTask& operator=(const CancellableTask&) = delete;

    /// Cancels the work if it is still running, and waits for it to return.
    ~CancellableTask() {
        // TODO: ask the work to stop, then wait for it (join) if it still runs.
    }

    /// The last percentage the work reported, clamped to 0..100; 0 before its first report.
    int progress() const {
        // TODO: read progress_ safely: the work's thread writes it at the same time.
        throw std::logic_error("TODO: cancellable_task.hpp: progress() is not written yet");
    }

    /// True once the work has returned or thrown.
    bool done() const {
        // TODO: read finished_ under the mutex.
        throw std::logic_error("TODO: cancellable_task.hpp: done() is not written yet");
    }

    /// Asks the work to stop (its stop token turns true) and returns at once, without
    /// waiting. Does nothing if the work has already returned.
    void cancel() {
        // TODO: request a stop on the worker's own stop token.
        throw std::logic_error("TODO: cancellable_task.hpp: cancel() is not written yet");
    }

    /// Blocks until the work has returned or thrown.
    void wait() const {
        // TODO: wait on the condition variable until finished_ is true.
        throw std::logic_error("TODO: cancellable_task.hpp: wait() is not written yet");
    }

    /// Waits for the work, then gives its outcome.
    /// \returns a copy of the value the work returned.
    /// \throws TaskCancelled when the task was cancelled before the work returned.
    /// \throws the work's own exception when it threw one.
    T result() const {
        // TODO: wait(), then under the mutex: rethrow the work's exception, throw TaskCancelled
        //       if the task was cancelled, or return the value.
        throw std::logic_error("TODO: cancellable_task.hpp: result() is not written yet");
    }

private:
    // TODO: the thread's function, if you like: run the work, catch what it throws, and
    //       decide under the mutex, once, whether the task was cancelled (was a stop requested
    //       before the work returned?).

    std::atomic<int> progress_{0};
    mutable std::mutex mutex_;
    mutable std::condition_variable finished_changed_;
    bool finished_ = false;
    bool cancelled_ = false;
    std::optional<T> value_;
    std::exception_ptr error_;
    std::jthread worker_;  // last: started after, and stopped before, everything it uses
};

}  // namespace course
