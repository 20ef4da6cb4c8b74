// 07_map_and_as_completed.cpp: executor.map (results in input order) and concurrent.futures.as_completed (results in finishing order).
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// The executor of 06, trimmed, with one addition: submit() takes an optional callback
// that runs on the worker right after the result is stored (Python's add_done_callback).
class ThreadPoolExecutor {
public:
    explicit ThreadPoolExecutor(std::size_t max_workers) {
        for (std::size_t i = 0; i < max_workers; ++i) workers_.emplace_back([this] { work(); });
    }
    ~ThreadPoolExecutor() {
        { std::scoped_lock lock(mutex_); stopping_ = true; }
        wake_.notify_all();
    }  // the jthreads join here, after the queue has drained

    template <class F, class... Args>
    auto submit(std::function<void()> when_done, F fn, Args... args) {
        using R = std::invoke_result_t<F, Args...>;
        auto task = std::make_shared<std::packaged_task<R()>>(
            [fn = std::move(fn), ... args = std::move(args)]() mutable { return fn(args...); });
        auto future = task->get_future();
        {
            std::scoped_lock lock(mutex_);
            queue_.emplace_back([task, when_done = std::move(when_done)] {
                (*task)();  // stores the value or the exception: the future is now ready
                if (when_done) when_done();
            });
        }
        wake_.notify_one();
        return future;
    }

    // pool.map(fn, inputs): every call is submitted first, then we collect the results
    // in INPUT order. A slow first item delays the whole answer, never the work.
    template <class F, class T>
    auto map(F fn, const std::vector<T>& inputs) {
        std::vector<std::future<std::invoke_result_t<F, T>>> futures;
        for (const T& input : inputs) futures.push_back(submit(nullptr, fn, input));
        std::vector<std::invoke_result_t<F, T>> results;
        for (auto& future : futures) results.push_back(future.get());  // rethrows, like map
        return results;
    }

private:
    void work() {
        for (;;) {
            std::function<void()> job;
            {
                std::unique_lock lock(mutex_);
                wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
                if (queue_.empty()) return;
                job = std::move(queue_.front());
                queue_.pop_front();
            }
            job();
        }
    }
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> queue_;
    bool stopping_ = false;
    std::vector<std::jthread> workers_;
};

// std::future has no "wait for any of these". as_completed needs one, so the jobs
// report their own completion: each one's callback pushes its index into this queue,
// and next() hands out the futures in the order their indexes arrive.
template <class T>
class AsCompleted {
public:
    template <class F, class... Args>
    void submit(ThreadPoolExecutor& pool, F fn, Args... args) {
        const std::size_t index = futures_.size();
        futures_.push_back(pool.submit([this, index] { finished(index); }, fn, args...));
    }
    std::size_t size() const { return futures_.size(); }
    std::future<T>& next() {  // blocks until one more job has finished
        std::unique_lock lock(mutex_);
        arrived_.wait(lock, [this] { return !order_.empty(); });
        const std::size_t index = order_.front();
        order_.pop_front();
        return futures_[index];
    }

private:
    void finished(std::size_t index) {
        std::scoped_lock lock(mutex_);
        order_.push_back(index);
        arrived_.notify_one();
    }
    std::vector<std::future<T>> futures_;  // touched by the submitting thread only
    std::mutex mutex_;
    std::condition_variable arrived_;
    std::deque<std::size_t> order_;
};

// A fake download: the sleep stands for network latency, nothing is synchronised by it.
std::string fetch(int latency_ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(latency_ms));
    return "page(" + std::to_string(latency_ms) + " ms)";
}

long long ms_since(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

int main() {
    const std::vector<int> latencies = {300, 100, 200, 50};
    // The jobs call back into `jobs`, so it must outlive the pool's workers: we declare
    // it first, and the pool (declared last) is destroyed, and joined, first.
    AsCompleted<std::string> jobs;
    ThreadPoolExecutor pool(latencies.size());

    // for page in pool.map(fetch, latencies): input order, all at once after ~300 ms.
    auto start = Clock::now();
    const std::vector<std::string> pages = pool.map(fetch, latencies);
    std::cout << "map() after " << ms_since(start) << " ms, in input order:";
    for (const auto& page : pages) std::cout << ' ' << page;
    std::cout << '\n';

    // for f in as_completed(futures): each result as soon as it exists.
    start = Clock::now();
    for (int latency : latencies) jobs.submit(pool, fetch, latency);
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        const std::string page = jobs.next().get();
        std::cout << "as_completed: " << page << " at " << ms_since(start) << " ms\n";
    }
}

// Output of one run (the milliseconds vary; the pages come out in the order they finish,
// which is the order of their latencies unless a very busy machine delays one job past
// the next):
//
//   $ ./07_map_and_as_completed
//   map() after <n> ms, in input order: page(300 ms) page(100 ms) page(200 ms) page(50 ms)
//   ~ as_completed: page(50 ms) at <n> ms
//   ~ as_completed: page(100 ms) at <n> ms
//   ~ as_completed: page(200 ms) at <n> ms
//   ~ as_completed: page(300 ms) at <n> ms
