// 02_async_future_blocks.cpp: the future of std::async blocks in its destructor, so a discarded std::async call runs synchronously.
#include <atomic>
#include <chrono>
#include <future>
#include <iostream>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Each task sleeps 200 ms to simulate a slow job (a download, a disk read).
std::atomic<int> finished{0};
void slow_job() {
    std::this_thread::sleep_for(200ms);
    finished.fetch_add(1);
}

long long ms_since(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

int main() {
    // 1. We throw the futures away, hoping for "fire and forget" as with pool.submit(job)
    //    in Python. The temporary future dies at the end of each statement, and the
    //    destructor of a future that came from std::async waits for the task. So the
    //    second job cannot start before the first has finished: 2 x 200 ms.
    auto start = Clock::now();
    static_cast<void>(std::async(std::launch::async, slow_job));
    std::cout << "first statement returned after " << ms_since(start) << " ms, jobs finished: "
              << finished.load() << '\n';
    static_cast<void>(std::async(std::launch::async, slow_job));
    std::cout << "discarded futures: both jobs took " << ms_since(start) << " ms (one after the other)\n";

    // 2. We keep the futures alive until both jobs are launched: they overlap, ~200 ms.
    finished = 0;
    start = Clock::now();
    {
        std::future<void> a = std::async(std::launch::async, slow_job);
        std::future<void> b = std::async(std::launch::async, slow_job);
        std::cout << "kept futures: both launched after " << ms_since(start)
                  << " ms, jobs finished: " << finished.load() << '\n';
    }  // b's destructor waits, then a's: this is where we block now.
    std::cout << "kept futures: both jobs took " << ms_since(start) << " ms (side by side)\n";

    // 3. The same trap hides in a loop: a future declared inside the body dies at the end
    //    of each iteration. We collect them in a vector instead and wait at the end.
    finished = 0;
    start = Clock::now();
    std::vector<std::future<void>> jobs;
    for (int i = 0; i < 4; ++i) {
        jobs.push_back(std::async(std::launch::async, slow_job));
    }
    for (auto& job : jobs) {
        job.get();
    }
    std::cout << "four jobs kept in a vector took " << ms_since(start) << " ms, finished: "
              << finished.load() << '\n';

    // Only std::async's futures block on destruction. A future from std::promise or
    // std::packaged_task (examples 03, 04) never waits in its destructor.
}

// Output of one run (the milliseconds vary, more on a busy machine):
//
//   $ ./02_async_future_blocks
//   first statement returned after <n> ms, jobs finished: 1
//   discarded futures: both jobs took <n> ms (one after the other)
//   kept futures: both launched after <n> ms, jobs finished: 0
//   kept futures: both jobs took <n> ms (side by side)
//   four jobs kept in a vector took <n> ms, finished: 4
