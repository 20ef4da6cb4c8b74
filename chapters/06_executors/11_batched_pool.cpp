// 11_batched_pool.cpp: workers that take a share of the queue at once: faster for tiny tasks, and
// what that costs.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <future>
#include <latch>
#include <mutex>
#include <thread>
#include <vector>

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// A few dozen nanoseconds of work, as in example 08: what we measure is the pool around it.
std::uint64_t tiny_task(std::uint64_t x) {
    for (int round = 0; round < 16; ++round) {
        x ^= x >> 31;
        x *= 0x9E3779B97F4A7C15ULL;
    }
    return x;
}

// The chapter's pool with one switch. Unbatched, a worker takes one task per trip to the
// queue, as Python's ThreadPoolExecutor and the exercise's solution do. Batched, it takes
// its "fair share": the queued tasks divided by the workers, rounded up, all under one
// lock, and runs them one after another. Everything else is the same in both.
class Pool {
  public:
    Pool(unsigned workers, bool batched) : workers_(workers), batched_(batched) {
        for (unsigned i = 0; i < workers; ++i)
            threads_.emplace_back([this] { work(); });
    }
    ~Pool() {
        {
            std::scoped_lock lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
    }  // the jthreads join here, after the queue has run dry

    template <class F>
    auto submit(F fn) -> std::future<decltype(fn())> {
        std::packaged_task<decltype(fn())()> task(std::move(fn));
        auto future = task.get_future();
        bool someone_sleeps = false;
        {
            std::scoped_lock lock(mutex_);
            queue_.emplace_back([task = std::move(task)]() mutable { task(); });
            someone_sleeps = sleeping_ > 0;
        }
        if (someone_sleeps) wake_.notify_one();
        return future;
    }

  private:
    void work() {
        std::vector<std::packaged_task<void()>> taken;
        std::unique_lock lock(mutex_);
        for (;;) {
            while (queue_.empty() && !stopping_) {
                ++sleeping_;
                wake_.wait(lock);
                --sleeping_;
            }
            if (queue_.empty()) return;
            // The only difference between the two pools.
            const std::size_t share = batched_ ? (queue_.size() + workers_ - 1) / workers_ : 1;
            for (std::size_t i = 0; i < share; ++i) {
                taken.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
            lock.unlock();
            for (auto& task : taken)
                task();
            taken.clear();
            lock.lock();
        }
    }

    const std::size_t workers_;
    const bool batched_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::packaged_task<void()>> queue_;
    std::size_t sleeping_ = 0;
    bool stopping_ = false;
    std::vector<std::jthread> threads_;
};

double milliseconds_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Submits `tasks` tiny tasks, a future each, and reads every future: the tasks per second
// of the median of `runs` runs. The sum is checked, so a lost task cannot look fast.
double tasks_per_second(Pool& pool, std::size_t tasks, int runs, std::size_t chunk = 1) {
    std::uint64_t expected = 0;
    for (std::size_t i = 0; i < tasks; ++i)
        expected += tiny_task(i);
    std::vector<double> seconds;
    for (int run = 0; run < runs; ++run) {
        std::vector<std::future<std::uint64_t>> futures;
        const auto start = Clock::now();
        for (std::size_t first = 0; first < tasks; first += chunk) {
            const std::size_t last = std::min(tasks, first + chunk);
            futures.push_back(pool.submit([first, last] {
                std::uint64_t sum = 0;
                for (std::size_t i = first; i < last; ++i)
                    sum += tiny_task(i);
                return sum;
            }));
        }
        std::uint64_t sum = 0;
        for (auto& future : futures)
            sum += future.get();
        seconds.push_back(milliseconds_since(start) / 1000);
        if (sum != expected) std::puts("wrong sum: a task was lost or ran twice");
    }
    std::sort(seconds.begin(), seconds.end());
    return static_cast<double>(tasks) / seconds[seconds.size() / 2];
}

// Holds both workers of a two-worker pool busy until release() is called, so that the
// tasks submitted meanwhile are all in the queue when the workers come back for more.
struct BothWorkersBusy {
    std::latch started{2};
    std::latch released{1};
    std::vector<std::future<void>> holders;
    explicit BothWorkersBusy(Pool& pool) {
        for (int i = 0; i < 2; ++i) {
            holders.push_back(pool.submit([this] {
                started.count_down();
                released.wait();
            }));
        }
        started.wait();
    }
    void release() { released.count_down(); }
};

// A slow task, then three quick ones, queued while both workers are busy: how long until
// the last quick task has run, counted from the moment the workers are let go.
double quick_tasks_done_after_ms(bool batched) {
    Pool pool(2, batched);
    BothWorkersBusy busy(pool);
    std::future<void> slow =
        pool.submit([] { std::this_thread::sleep_for(100ms); });  // simulated work
    std::vector<std::future<Clock::time_point>> quick;
    for (int i = 0; i < 3; ++i)
        quick.push_back(pool.submit([] { return Clock::now(); }));
    const auto start = Clock::now();
    busy.release();
    Clock::time_point last = start;
    for (auto& done : quick)
        last = std::max(last, done.get());
    slow.get();
    return std::chrono::duration<double, std::milli>(last - start).count();
}

// Task A waits (at most a second) for the result of task B, submitted after it, with three
// more tasks behind them and a worker free for B: does A get B's result?
bool a_gets_b(bool batched) {
    Pool pool(2, batched);
    BothWorkersBusy busy(pool);
    std::promise<std::shared_future<int>> b_handed_over;
    std::shared_future<std::shared_future<int>> b_future = b_handed_over.get_future().share();
    std::future<bool> a = pool.submit(
        [b_future] { return b_future.get().wait_for(1s) == std::future_status::ready; });
    b_handed_over.set_value(pool.submit([] { return 42; }).share());
    for (int i = 0; i < 3; ++i)
        pool.submit([] { return 0; });
    busy.release();
    return a.get();
}

int main() {
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    std::printf("cores (hardware_concurrency): %u; every pool here has 2 workers\n\n", cores);

    // 1. The speed-up: each task is tiny, so the trips to the lock are most of its cost.
    //    Batched, the two workers meet the submitting thread at the mutex far less often.
    constexpr std::size_t tasks = 10'000;
    constexpr int runs = 5;
    Pool one_per_trip(2, false);
    Pool batched(2, true);
    tasks_per_second(one_per_trip, tasks / 10, 1);  // a warm-up, not counted
    tasks_per_second(batched, tasks / 10, 1);
    const double plain_rate = tasks_per_second(one_per_trip, tasks, runs);
    const double batched_rate = tasks_per_second(batched, tasks, runs);
    const double chunked_rate = tasks_per_second(one_per_trip, tasks, runs, 1000);
    std::printf("1. tiny tasks, a future each: median of %d runs of %zu tasks\n", runs, tasks);
    std::printf("   one task per trip to the queue          %.0f tasks/s\n", plain_rate);
    std::printf("   a fair share of the queue per trip      %.0f tasks/s  (%.1fx)\n", batched_rate,
                batched_rate / plain_rate);
    std::printf("   one task per trip, 1000 tasks a submit  %.0f tasks/s  (%.1fx)\n\n",
                chunked_rate, chunked_rate / plain_rate);

    // 2. The cost in latency: a quick task that lands in the same share as a slow one
    //    waits for it, while the other worker runs out of work and sits idle.
    std::printf("2. one slow task (100 ms) and three quick ones, queued behind two busy workers\n");
    std::printf(
        "   one task per trip: the quick tasks were done %.1f ms after the workers were free\n",
        quick_tasks_done_after_ms(false));
    std::printf(
        "   batched:           the quick tasks were done %.1f ms after the workers were free\n\n",
        quick_tasks_done_after_ms(true));

    // 3. The cost in meaning: a task that waits for a task submitted after it. Python's
    //    pool runs B on the free worker; the batched one keeps B behind A.
    std::printf("3. task A waits up to 1 s for task B, submitted after it; a worker is free\n");
    std::printf("   one task per trip: %s\n",
                a_gets_b(false) ? "A got B's result" : "A gave up waiting for B");
    std::printf("   batched:           %s\n",
                a_gets_b(true) ? "A got B's result" : "A gave up waiting for B");
    return 0;
}

// Output of one run (the figures vary with the machine and its load):
//
//   $ ./11_batched_pool
//   cores (hardware_concurrency): <n>; every pool here has 2 workers
//
//   1. tiny tasks, a future each: median of 5 runs of 10000 tasks
//      one task per trip to the queue          <n> tasks/s
//      a fair share of the queue per trip      <n> tasks/s  (<n>x)
//      one task per trip, 1000 tasks a submit  <n> tasks/s  (<n>x)
//
//   2. one slow task (100 ms) and three quick ones, queued behind two busy workers
//      one task per trip: the quick tasks were done <n> ms after the workers were free
//      batched:           the quick tasks were done <n> ms after the workers were free
//
//   3. task A waits up to 1 s for task B, submitted after it; a worker is free
//      one task per trip: A got B's result
//      batched:           A gave up waiting for B
