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
        if (!work) throw std::invalid_argument("CancellableTask: no work given");
        worker_ = std::jthread([this, work = std::move(work)](std::stop_token stop) { run(work, stop); });
    }

    CancellableTask(const CancellableTask&) = delete;
    CancellableTask& operator=(const CancellableTask&) = delete;

    /// Cancels the work if it is still running, and waits for it to return.
    ~CancellableTask() {
        worker_.request_stop();
        if (worker_.joinable()) worker_.join();
    }

    /// The last percentage the work reported, clamped to 0..100; 0 before its first report.
    int progress() const { return progress_.load(); }

    /// True once the work has returned or thrown.
    bool done() const {
        const std::lock_guard lock(mutex_);
        return finished_;
    }

    /// Asks the work to stop (its stop token turns true) and returns at once, without
    /// waiting. Does nothing if the work has already returned.
    void cancel() { cancel_requested_.request_stop(); }

    /// Blocks until the work has returned or thrown.
    void wait() const {
        std::unique_lock lock(mutex_);
        finished_changed_.wait(lock, [this] { return finished_; });
    }

    /// Waits for the work, then gives its outcome.
    /// \returns a copy of the value the work returned.
    /// \throws TaskCancelled when the task was cancelled before the work returned.
    /// \throws the work's own exception when it threw one.
    T result() const {
        wait();
        const std::lock_guard lock(mutex_);
        if (error_) std::rethrow_exception(error_);
        if (cancelled_) throw TaskCancelled();
        return *value_;
    }

private:
    void run(const Work& work, std::stop_token stop) {
        const Report report = [this](int percent) { progress_.store(std::clamp(percent, 0, 100)); };
        std::optional<T> value;
        std::exception_ptr error;
        try {
            value.emplace(work(stop, report));
        } catch (const TaskCancelled&) {
            // The work gave up on request: reported as a cancellation below.
        } catch (...) {
            error = std::current_exception();
        }
        {
            const std::lock_guard lock(mutex_);
            // Decided once, here: a cancel() that comes after this point is too late.
            cancelled_ = cancel_requested_.stop_requested() || (!value && !error);
            if (cancelled_) error = nullptr;
            value_ = std::move(value);
            error_ = error;
            finished_ = true;
        }
        finished_changed_.notify_all();
    }

    std::atomic<int> progress_{0};
    mutable std::mutex mutex_;
    mutable std::condition_variable finished_changed_;
    bool finished_ = false;
    bool cancelled_ = false;
    std::optional<T> value_;
    std::exception_ptr error_;
    std::stop_source cancel_requested_;
    std::jthread worker_;  // last: started after, and stopped before, everything it uses
};

}  // namespace course
