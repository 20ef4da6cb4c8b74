// thread_pool.hpp: a ThreadPoolExecutor in C++: submit() returns a std::future, shutdown(wait) ends it.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace course {

/// \brief A queued call to run once: move-only and type-erased, like
/// `std::move_only_function<void()>` (C++23), but small enough to live inside the queue.
///
/// It holds a callable as large as a `std::packaged_task` in place (one `shared_ptr` in
/// GCC's library, a few pointers more in LLVM's), so queueing a task allocates nothing
/// beyond the task's shared state.
/// Unlike `std::function`, it accepts move-only callables and never copies them.
class PoolJob {
public:
    template <class Call>
    explicit PoolJob(Call&& call) noexcept {
        using Stored = std::decay_t<Call>;
        static_assert(sizeof(Stored) <= sizeof(storage_) && alignof(Stored) <= alignof(std::max_align_t),
                      "PoolJob holds small callables only (a std::packaged_task fits)");
        static_assert(std::is_nothrow_move_constructible_v<Stored>);
        ::new (static_cast<void*>(storage_)) Stored(std::forward<Call>(call));
        manage_ = &manage<Stored>;
    }
    PoolJob(PoolJob&& other) noexcept : manage_(std::exchange(other.manage_, nullptr)) {
        if (manage_ != nullptr) manage_(Action::move_to, other.storage_, storage_);
    }
    PoolJob& operator=(PoolJob&& other) noexcept {
        if (this != &other) {
            reset();
            manage_ = std::exchange(other.manage_, nullptr);
            if (manage_ != nullptr) manage_(Action::move_to, other.storage_, storage_);
        }
        return *this;
    }
    PoolJob(const PoolJob&) = delete;
    PoolJob& operator=(const PoolJob&) = delete;
    ~PoolJob() { reset(); }

    /// Runs the call. A packaged_task stores its own exception: nothing escapes here.
    void operator()() { manage_(Action::run, storage_, nullptr); }

private:
    enum class Action { run, move_to, destroy };

    template <class Stored>
    static void manage(Action action, unsigned char* self, unsigned char* target) {
        Stored& call = *std::launder(reinterpret_cast<Stored*>(self));
        switch (action) {
            case Action::run: call(); break;
            case Action::move_to:
                ::new (static_cast<void*>(target)) Stored(std::move(call));
                call.~Stored();
                break;
            case Action::destroy: call.~Stored(); break;
        }
    }
    void reset() noexcept {
        if (manage_ != nullptr) std::exchange(manage_, nullptr)(Action::destroy, storage_, nullptr);
    }

    alignas(std::max_align_t) unsigned char storage_[std::max(2 * sizeof(void*),
                                                              sizeof(std::packaged_task<void()>))];
    void (*manage_)(Action, unsigned char*, unsigned char*) = nullptr;
};

/// \brief A fixed set of worker threads that run submitted calls and hand back their
/// results through futures: Python's `concurrent.futures.ThreadPoolExecutor`.
///
/// Calls start in the order they were submitted; with `n` workers, up to `n` calls run at
/// the same time. A call's return value, or the exception it throws, reaches the caller
/// through the `std::future` that `submit()` returned, as `Future.result()` returns or
/// re-raises.
///
/// A free worker always takes the next queued call, one call per trip to the queue: a call
/// never waits while a worker is idle. So a task may wait for the future of a task
/// submitted after it, as long as a worker is free to run that one (as in Python; when
/// every worker is busy waiting like this, nothing is left to run the awaited tasks, and
/// the pool deadlocks, in Python too).
///
/// Speed: `submit()` wakes a worker only when one is asleep (a busy worker finds the next
/// call by itself), queueing allocates nothing beyond the call's shared state, and a
/// worker moves its call out under the lock and runs and destroys it outside.
///
/// Thread-safety: `submit()` may be called from any number of threads at once, including
/// from inside a running task. `shutdown()` may be called more than once and from several
/// threads, but never from one of the pool's own tasks (a worker cannot join itself).
///
/// \code
/// course::ThreadPool pool(4);
/// std::future<int> square = pool.submit([](int x) { return x * x; }, 7);
/// std::cout << square.get() << '\n';   // 49
/// pool.shutdown();                      // or let the destructor do it
/// \endcode
class ThreadPool {
public:
    /// \brief Starts `threads` workers at once, like `ThreadPoolExecutor(max_workers)`.
    /// \param threads how many workers; 0 means `std::thread::hardware_concurrency()`
    ///        (at least 1).
    /// \throws std::system_error when a thread cannot be started (the ones already
    ///         started are stopped and joined first).
    explicit ThreadPool(std::size_t threads = 0) {
        if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
        workers_.reserve(threads);
        try {
            for (std::size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
        } catch (...) {
            shutdown(false);
            throw;
        }
    }

    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    /// \brief Like leaving `with ThreadPoolExecutor() as pool:`: `shutdown(true)`, so every
    /// submitted call still runs before the pool is gone.
    ~ThreadPool() { shutdown(true); }

    /// \brief Queues `fn(args...)` and returns at once with the future of its result, like
    /// `pool.submit(fn, *args)`.
    ///
    /// `fn` and `args` are copied or moved into the task (as `std::thread` does: pass
    /// `std::ref` for a reference), and called once, on a worker, as rvalues.
    /// \returns a future that becomes ready with the call's result, or with the exception
    ///          it threw (`get()` rethrows it).
    /// \throws std::runtime_error after `shutdown()`, as Python raises `RuntimeError`
    ///         ("cannot schedule new futures after shutdown").
    template <class F, class... Args>
    auto submit(F&& fn, Args&&... args) -> std::future<std::invoke_result_t<std::decay_t<F>, std::decay_t<Args>...>> {
        using Result = std::invoke_result_t<std::decay_t<F>, std::decay_t<Args>...>;
        std::packaged_task<Result()> task(
            [fn = std::forward<F>(fn), ... args = std::forward<Args>(args)]() mutable -> Result {
                return std::invoke(std::move(fn), std::move(args)...);
            });
        std::future<Result> future = task.get_future();
        bool someone_sleeps = false;
        {
            std::scoped_lock lock(mutex_);
            if (stopping_) throw std::runtime_error("cannot schedule new futures after shutdown");
            queue_.emplace_back(std::move(task));
            someone_sleeps = sleeping_ > 0;
        }
        // A busy worker finds the task by itself when it comes back for more: waking
        // costs a system call, so only a sleeping worker is worth a notify.
        if (someone_sleeps) wake_.notify_one();
        return future;
    }

    /// \brief Stops the pool, like `pool.shutdown(wait)`: no new task is accepted, and
    /// every worker is joined before this returns.
    ///
    /// \param wait true: every task already queued still runs first (Python's default).
    ///        false: queued tasks that no worker has started are dropped, and their
    ///        futures report `std::future_errc::broken_promise` (Python's
    ///        `shutdown(wait=False, cancel_futures=True)`); tasks already running finish.
    ///        Unlike Python, the workers are joined either way: a C++ object must not
    ///        leave threads behind that still use it.
    void shutdown(bool wait = true) {
        std::deque<PoolJob> dropped;
        {
            std::scoped_lock lock(mutex_);
            stopping_ = true;
            if (!wait) dropped.swap(queue_);
        }
        wake_.notify_all();
        dropped.clear();  // each packaged_task destroyed unrun breaks its promise
        std::scoped_lock join_lock(join_mutex_);
        for (std::thread& worker : workers_) {
            if (worker.joinable()) worker.join();
        }
    }

    /// \brief How many worker threads the pool has (Python's `_max_workers`).
    std::size_t size() const { return workers_.size(); }

private:
    void work() {
        std::unique_lock lock(mutex_);
        for (;;) {
            while (queue_.empty() && !stopping_) {
                ++sleeping_;
                wake_.wait(lock);
                --sleeping_;
            }
            if (queue_.empty()) return;  // stopping, and nothing left to run
            {
                // One task per trip to the queue: the next one stays there for whichever
                // worker is free first, never behind this one.
                PoolJob job = std::move(queue_.front());
                queue_.pop_front();
                lock.unlock();
                job();
            }  // destroyed outside the lock too
            lock.lock();
        }
    }

    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<PoolJob> queue_;   // guarded by mutex_
    std::size_t sleeping_ = 0;    // workers waiting on wake_; guarded by mutex_
    bool stopping_ = false;       // guarded by mutex_
    std::mutex join_mutex_;       // one shutdown() joins at a time
    std::vector<std::thread> workers_;  // last: started once the rest exists
};

}  // namespace course
