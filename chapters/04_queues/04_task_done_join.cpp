// 04_task_done_join.cpp: Python's Queue.task_done() and Queue.join() in C++: an unfinished-task count and a second condition variable.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <iostream>
#include <mutex>
#include <queue>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// put() counts a task as unfinished; task_done() counts it finished; join() waits for
// the count to reach zero. That count is not the queue's size: a job that a worker has
// taken with get() has left the queue but is not finished yet.
class TaskQueue {
public:
    void put(int job) {
        {
            std::lock_guard lock(mutex_);
            jobs_.push(job);
            ++unfinished_;
        }
        not_empty_.notify_one();
    }

    int get() {
        std::unique_lock lock(mutex_);
        not_empty_.wait(lock, [this] { return !jobs_.empty(); });
        const int job = jobs_.front();
        jobs_.pop();
        if (jobs_.empty()) emptied_at_ = Clock::now();
        return job;
    }

    void task_done() {
        std::lock_guard lock(mutex_);
        // Python raises ValueError("task_done() called too many times"); so do we.
        if (unfinished_ == 0) throw std::logic_error("task_done() called too many times");
        // A second condition variable: join() waits for a different condition than get().
        if (--unfinished_ == 0) all_done_.notify_all();
    }

    void join() {
        std::unique_lock lock(mutex_);
        all_done_.wait(lock, [this] { return unfinished_ == 0; });
    }

    Clock::time_point emptied_at() {
        std::lock_guard lock(mutex_);
        return emptied_at_;
    }

private:
    std::mutex mutex_;
    std::condition_variable not_empty_;  // get() waits on it
    std::condition_variable all_done_;   // join() waits on it
    std::queue<int> jobs_;
    int unfinished_ = 0;
    Clock::time_point emptied_at_;
};

constexpr int stop_job = -1;

// A worker that forgets task_done() on one path (an exception, an early `continue`) makes
// join() wait forever. Python code writes `try: ... finally: q.task_done()`; our RAII
// guard calls it whichever way we leave the loop body.
struct TaskDoneGuard {
    TaskQueue& queue;
    ~TaskDoneGuard() { queue.task_done(); }
};

void worker(TaskQueue& queue) {
    for (;;) {
        const int job = queue.get();
        TaskDoneGuard done{queue};
        if (job == stop_job) return;
        // We sleep to simulate 30 ms of work; join() does not rely on it in any way.
        std::this_thread::sleep_for(30ms);
    }
}

int main() {
    TaskQueue queue;
    std::vector<std::jthread> workers;
    for (int i = 0; i < 3; ++i) workers.emplace_back(worker, std::ref(queue));

    const auto start = Clock::now();
    for (int job = 0; job < 9; ++job) queue.put(job);
    queue.join();
    const auto joined_at = Clock::now();

    auto ms = [start](Clock::time_point t) {
        return std::chrono::duration_cast<std::chrono::milliseconds>(t - start).count();
    };
    // 9 jobs of 30 ms on 3 workers: three rounds. The last round is taken from the queue
    // at about 60 ms, so the queue is empty then, yet three jobs are still running.
    std::cout << "the queue became empty after " << ms(queue.emptied_at()) << " ms\n";
    std::cout << "join() returned after        " << ms(joined_at)
              << " ms: it waits for task_done(), not for get()\n";

    // A second join() with nothing unfinished returns at once, as in Python.
    queue.join();

    // One task_done() too many is a bug in the caller, and we report it as one.
    try {
        queue.task_done();
    } catch (const std::logic_error& e) {
        std::cout << "extra task_done(): std::logic_error: " << e.what() << '\n';
    }

    for (std::size_t i = 0; i < workers.size(); ++i) queue.put(stop_job);
    queue.join();  // the stop jobs are tasks too: join() also counts them
    std::cout << "workers stopped; every put() had its task_done()\n";
}  // the jthreads join here

// Output of one run (the milliseconds vary from run to run, more on a busy machine):
//
//   $ ./04_task_done_join
//   the queue became empty after <n> ms
//   join() returned after        <n> ms: it waits for task_done(), not for get()
//   extra task_done(): std::logic_error: task_done() called too many times
//   workers stopped; every put() had its task_done()
