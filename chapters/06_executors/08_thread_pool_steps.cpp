// 08_thread_pool_steps.cpp: from a thread per task to a fast pool, one step at a time, each step measured in tasks per second.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <future>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using Clock = std::chrono::steady_clock;

// A deliberately tiny task (a few dozen nanoseconds): the cost we measure is the
// machinery around it. "Many tiny tasks" is exactly where pools differ. The mixing
// steps are not linear, so the compiler cannot fold the loop into one formula.
std::uint64_t tiny_task(std::uint64_t x) {
    for (int round = 0; round < 16; ++round) {
        x ^= x >> 31;
        x *= 0x9E3779B97F4A7C15ULL;
    }
    return x;
}

// One pool with one shared queue, guarded by one mutex, with a condition variable to
// sleep on. Steps 2, 3 and 4 all use it; they differ in what they put in the queue.
class SharedQueuePool {
public:
    explicit SharedQueuePool(unsigned workers) {
        for (unsigned i = 0; i < workers; ++i) threads_.emplace_back([this] { work(); });
    }
    ~SharedQueuePool() {
        { std::scoped_lock lock(mutex_); stopping_ = true; }
        has_work_.notify_all();
    }
    void post(std::function<void()> job) {
        { std::scoped_lock lock(mutex_); queue_.push_back(std::move(job)); ++unfinished_; }
        has_work_.notify_one();
    }
    void wait_idle() {  // like queue.join(): until every posted job has run
        std::unique_lock lock(mutex_);
        idle_.wait(lock, [this] { return unfinished_ == 0; });
    }

private:
    void work() {
        std::unique_lock lock(mutex_);
        for (;;) {
            has_work_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;
            std::function<void()> job = std::move(queue_.front());
            queue_.pop_front();
            lock.unlock();
            job();
            lock.lock();
            if (--unfinished_ == 0) idle_.notify_all();
        }
    }
    std::mutex mutex_;
    std::condition_variable has_work_, idle_;
    std::deque<std::function<void()>> queue_;
    std::size_t unfinished_ = 0;
    bool stopping_ = false;
    std::vector<std::jthread> threads_;
};

struct Step {
    std::string name;
    std::size_t tasks;
    std::function<void(std::vector<std::uint64_t>&)> run;  // runs tasks 0..tasks-1
};

int main(int argc, char** argv) {
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    const std::size_t scale = argc > 1 ? std::stoul(argv[1]) : 1;  // e.g. 10 for a longer run
    const std::size_t pooled = 20000 * scale;
    SharedQueuePool pool(cores);

    std::vector<Step> steps = {
        // 0. The baseline: no threads at all. The tasks are too small to be worth any.
        {"sequential loop (no threads)", 50 * pooled, [](auto& out) {
             for (std::size_t i = 0; i < out.size(); ++i) out[i] = tiny_task(i);
         }},
        // 1. Naive: a new thread per task. Creating and joining a thread costs tens of
        //    microseconds, a hundred times the task. We keep at most 64 alive at once.
        {"1. a thread per task", 300 * scale, [](auto& out) {
             for (std::size_t first = 0; first < out.size(); first += 64) {
                 std::vector<std::jthread> wave;
                 for (std::size_t i = first; i < std::min(out.size(), first + 64); ++i)
                     wave.emplace_back([&out, i] { out[i] = tiny_task(i); });
             }  // each wave's jthreads join here
         }},
        // 2. A pool: threads are made once; each task is a packaged_task with a future,
        //    exactly what submit() does (06). Per task: heap allocations for the task and
        //    its shared state, a lock, a notify, and a wait on the future.
        {"2. shared queue + future per task", pooled, [&pool](auto& out) {
             std::vector<std::future<void>> futures;
             futures.reserve(out.size());
             for (std::size_t i = 0; i < out.size(); ++i) {
                 auto task = std::make_shared<std::packaged_task<void()>>(
                     [&out, i] { out[i] = tiny_task(i); });
                 futures.push_back(task->get_future());
                 pool.post([task] { (*task)(); });
             }
             for (auto& f : futures) f.get();
         }},
        // 3. No future per task: one counter tells us when all are done (wait_idle).
        //    The small lambda fits inside std::function: no allocation per task.
        {"3. shared queue, no future", pooled, [&pool](auto& out) {
             for (std::size_t i = 0; i < out.size(); ++i)
                 pool.post([&out, i] { out[i] = tiny_task(i); });
             pool.wait_idle();
         }},
        // 4. Batches (Python's map(..., chunksize=)): one queue entry runs 1000 tasks,
        //    so the lock, the notify and the wake-up are paid once per batch.
        {"4. shared queue, batches of 1000", 50 * pooled, [&pool](auto& out) {
             for (std::size_t first = 0; first < out.size(); first += 1000) {
                 const std::size_t last = std::min(out.size(), first + 1000);
                 pool.post([&out, first, last] {
                     for (std::size_t i = first; i < last; ++i) out[i] = tiny_task(i);
                 });
             }
             pool.wait_idle();
         }},
    };

    std::printf("cores (hardware_concurrency): %u, pool workers: %u, median of 5 runs\n\n", cores, cores);
    std::printf("%-36s %9s %10s %14s\n", "step", "tasks", "median ms", "tasks/second");
    double naive_rate = 0, sequential_rate = 0, last_rate = 0;
    for (const Step& step : steps) {
        std::vector<double> seconds;
        for (int run = 0; run < 5; ++run) {
            std::vector<std::uint64_t> out(step.tasks, 0);
            const auto start = Clock::now();
            step.run(out);
            seconds.push_back(std::chrono::duration<double>(Clock::now() - start).count());
            // Every step must compute the same thing; a fast wrong pool is no pool.
            for (std::size_t i = 0; i < out.size(); i += 997) {
                if (out[i] != tiny_task(i)) { std::printf("wrong result!\n"); return 1; }
            }
        }
        std::sort(seconds.begin(), seconds.end());
        const double rate = static_cast<double>(step.tasks) / seconds[2];
        if (step.name.front() == 's') sequential_rate = rate;
        if (step.name.front() == '1') naive_rate = rate;
        last_rate = rate;
        std::printf("%-36s %9zu %10.1f %14.0f", step.name.c_str(), step.tasks, seconds[2] * 1000, rate);
        if (naive_rate > 0) std::printf("  (%.0fx step 1)", rate / naive_rate);
        std::printf("\n");
    }
    // At best the batched pool beats the plain loop by the core count; on a busy shared
    // machine by less, or not at all.
    std::printf("\nstep 4 vs the sequential loop: %.1fx with %u cores\n", last_rate / sequential_rate, cores);
}

// Output of one run (all figures vary from run to run and machine to machine):
//
//   $ ./08_thread_pool_steps
//   cores (hardware_concurrency): <n>, pool workers: <n>, median of 5 runs
//
//   step                                     tasks  median ms   tasks/second
//   sequential loop (no threads)           1000000       <n>       <n>
//   1. a thread per task                       300       <n>          <n>  (1x step 1)
//   2. shared queue + future per task        20000       <n>        <n>  (<n>x step 1)
//   3. shared queue, no future               20000        <n>        <n>  (<n>x step 1)
//   4. shared queue, batches of 1000       1000000       <n>       <n>  (<n>x step 1)
//
//   step 4 vs the sequential loop: <n>x with <n> cores
