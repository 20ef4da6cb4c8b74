// batched_thread_pool.hpp: the course's ThreadPool with workers that take a fair share of the queue
// per trip, for the benchmark only.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "thread_pool.hpp"  // course::PoolJob

namespace course_bench {

/// The pool of `solutions/06_executors/thread_pool.hpp` with one change: a free worker
/// takes its fair share of the queue under one lock (the queued tasks divided by the
/// workers, rounded up) and runs it outside the lock, instead of one task per trip.
///
/// Fewer trips to the mutex make tiny tasks faster, but a task then waits behind the
/// others of its share while another worker may sit idle, and a task that waits for a
/// task submitted after it can wait in vain: `ThreadPoolExecutor` does not behave like
/// that, which is why the course's pool takes one task per trip. Chapter 06's example 11
/// shows both sides; this benchmark measures the first.
class BatchedThreadPool {
  public:
    explicit BatchedThreadPool(std::size_t threads) {
        workers_.reserve(threads);
        for (std::size_t i = 0; i < threads; ++i)
            workers_.emplace_back([this] { work(); });
    }
    BatchedThreadPool(const BatchedThreadPool&) = delete;
    BatchedThreadPool& operator=(const BatchedThreadPool&) = delete;
    ~BatchedThreadPool() {
        {
            std::scoped_lock lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        for (std::thread& worker : workers_)
            worker.join();
    }

    template <class F, class... Args>
    auto submit(F&& fn, Args&&... args)
        -> std::future<std::invoke_result_t<std::decay_t<F>, std::decay_t<Args>...>> {
        using Result = std::invoke_result_t<std::decay_t<F>, std::decay_t<Args>...>;
        std::packaged_task<Result()> task(
            [fn = std::forward<F>(fn), ... args = std::forward<Args>(args)]() mutable -> Result {
                return std::invoke(std::move(fn), std::move(args)...);
            });
        std::future<Result> future = task.get_future();
        bool someone_sleeps = false;
        {
            std::scoped_lock lock(mutex_);
            queue_.emplace_back(std::move(task));
            someone_sleeps = sleeping_ > 0;
        }
        if (someone_sleeps) wake_.notify_one();
        return future;
    }

    std::size_t size() const { return workers_.size(); }

  private:
    void work() {
        std::vector<course::PoolJob> share;
        std::unique_lock lock(mutex_);
        for (;;) {
            while (queue_.empty() && !stopping_) {
                ++sleeping_;
                wake_.wait(lock);
                --sleeping_;
            }
            if (queue_.empty()) return;
            const std::size_t count = (queue_.size() + workers_.size() - 1) / workers_.size();
            for (std::size_t i = 0; i < count; ++i) {
                share.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
            lock.unlock();
            for (course::PoolJob& job : share)
                job();
            share.clear();
            lock.lock();
        }
    }

    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<course::PoolJob> queue_;  // guarded by mutex_
    std::size_t sleeping_ = 0;           // guarded by mutex_
    bool stopping_ = false;              // guarded by mutex_
    std::vector<std::thread> workers_;   // last: started once the rest exists
};

}  // namespace course_bench
