// 06_thread_pool_executor.cpp: a small mirror of concurrent.futures.ThreadPoolExecutor: submit, done(), result(), exceptions, shutdown(wait).
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <iostream>
#include <latch>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

using namespace std::chrono_literals;

class ThreadPoolExecutor {
public:
    explicit ThreadPoolExecutor(std::size_t max_workers) {
        for (std::size_t i = 0; i < max_workers; ++i) {
            workers_.emplace_back([this] { work(); });
        }
    }
    ThreadPoolExecutor(const ThreadPoolExecutor&) = delete;
    ThreadPoolExecutor& operator=(const ThreadPoolExecutor&) = delete;
    // Like Python's "with ThreadPoolExecutor(...) as pool:", leaving the scope waits.
    ~ThreadPoolExecutor() { shutdown(true); }

    // pool.submit(fn, *args): the arguments are copied into the job (as std::thread
    // does), the job goes into the queue, and the caller gets the future at once.
    template <class F, class... Args>
    auto submit(F fn, Args... args) -> std::future<std::invoke_result_t<F, Args...>> {
        using R = std::invoke_result_t<F, Args...>;
        // The packaged_task is move-only but the queue holds copyable std::function,
        // so the task lives behind a shared_ptr (see 04).
        auto task = std::make_shared<std::packaged_task<R()>>(
            [fn = std::move(fn), ... args = std::move(args)]() mutable {
                return std::invoke(fn, args...);
            });
        std::future<R> future = task->get_future();
        {
            std::scoped_lock lock(mutex_);
            if (shutting_down_) {
                throw std::runtime_error("cannot schedule new futures after shutdown");
            }
            queue_.emplace_back([task] { (*task)(); });
        }
        wake_.notify_one();
        return future;
    }

    // shutdown(wait=True): no new jobs; the queued ones still run (as in Python).
    // With wait, we also join the workers; without it, the destructor joins them later.
    void shutdown(bool wait) {
        {
            std::scoped_lock lock(mutex_);
            shutting_down_ = true;
        }
        wake_.notify_all();
        if (wait) {
            for (auto& worker : workers_) {
                if (worker.joinable()) worker.join();
            }
        }
    }

private:
    void work() {
        for (;;) {
            std::function<void()> job;
            {
                std::unique_lock lock(mutex_);
                wake_.wait(lock, [this] { return shutting_down_ || !queue_.empty(); });
                if (queue_.empty()) return;  // shutting down and nothing left to do
                job = std::move(queue_.front());
                queue_.pop_front();
            }
            job();  // outside the lock: other workers keep taking jobs meanwhile
        }
    }

    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> queue_;
    bool shutting_down_ = false;
    std::vector<std::jthread> workers_;  // last member: started after the rest exists
};

// future.done(): a zero-length wait that reports whether the result is there.
template <class T>
bool done(const std::future<T>& future) {
    return future.wait_for(0s) == std::future_status::ready;
}

int main() {
    std::cout << std::boolalpha;

    // The notes' example, without sleep(3) in the task and sleep(4) in main. Sleeping
    // "long enough" only makes the second done() likely to be True. Here the task
    // waits at a gate (a latch) that main opens, so the first done() is certainly
    // false, and main waits for the result itself instead of guessing a delay.
    std::latch gate(1);
    auto return_message = [&gate](std::string message) {
        gate.wait();
        return message;
    };

    ThreadPoolExecutor pool(3);
    std::future<std::string> future = pool.submit(return_message, std::string("hello world!"));
    std::cout << "done() = " << done(future) << "   (the task is held at the gate)\n";
    gate.count_down();
    future.wait();  // replaces the notes' sleep(4)
    std::cout << "done() = " << done(future) << '\n';
    std::cout << "result() = " << future.get() << '\n';

    // An exception raised in a task is stored; result() (get) rethrows it in the caller.
    // Python's result() may be called again and again; std::future::get() only once, so
    // we share() the future (05). Keeping the shared state in main until the workers are
    // joined also keeps ThreadSanitizer quiet: libstdc++ counts exception_ptr references
    // in code it cannot see, so an exception freed by a worker looks like a race.
    auto parse = [](const std::string& text) { return std::stoi(text); };
    std::shared_future<int> bad = pool.submit(parse, std::string("forty-two")).share();
    try {
        const int value = bad.get();
        std::cout << "result() = " << value << '\n';
    } catch (const std::invalid_argument& error) {
        std::cout << "result() rethrew std::invalid_argument from the task (what: "
                  << error.what() << ")\n";
    }

    // Queued jobs still run after shutdown(true); new ones are refused.
    std::vector<std::future<int>> squares;
    for (int i = 1; i <= 5; ++i) {
        squares.push_back(pool.submit([](int x) { return x * x; }, i));
    }
    pool.shutdown(true);
    std::cout << "after shutdown(wait=true):";
    for (auto& square : squares) {
        std::cout << ' ' << (done(square) ? std::to_string(square.get()) : "not done");
    }
    std::cout << '\n';
    try {
        pool.submit([] { return 0; });
    } catch (const std::runtime_error& error) {
        std::cout << "submit after shutdown: " << error.what() << '\n';
    }
}

// Output of one run (always the same, except the exception's what(), whose text each standard
// library chooses: "stoi" with libstdc++, "stoi: no conversion" with libc++):
//
//   $ ./06_thread_pool_executor
//   done() = false   (the task is held at the gate)
//   done() = true
//   result() = hello world!
//   result() rethrew std::invalid_argument from the task (what: stoi<...>)
//   after shutdown(wait=true): 1 4 9 16 25
//   submit after shutdown: cannot schedule new futures after shutdown
