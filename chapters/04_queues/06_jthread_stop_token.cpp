// 06_jthread_stop_token.cpp: std::jthread workers that wait on a queue and stop on request (condition_variable_any's stop-aware wait), not daemon threads.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <iostream>
#include <mutex>
#include <optional>
#include <semaphore>
#include <stop_token>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

// get() takes the caller's stop_token. std::condition_variable_any's wait(lock, token, pred)
// sleeps until pred() holds OR a stop is requested: request_stop() wakes the waiter
// itself, so no one has to push a poison pill or call notify_all for it.
class StoppableQueue {
public:
    void put(int job) {
        {
            std::lock_guard lock(mutex_);
            jobs_.push_back(job);
        }
        not_empty_.notify_one();
    }

    std::optional<int> get(std::stop_token stop) {
        std::unique_lock lock(mutex_);
        // It returns pred()'s last value: false means a stop was requested while empty.
        if (!not_empty_.wait(lock, stop, [this] { return !jobs_.empty(); })) return std::nullopt;
        const int job = jobs_.front();
        jobs_.pop_front();
        return job;
    }

    std::size_t size() {
        std::lock_guard lock(mutex_);
        return jobs_.size();
    }

private:
    std::mutex mutex_;
    std::condition_variable_any not_empty_;  // _any: only it has the stop_token overload
    std::deque<int> jobs_;
};

std::mutex print_lock;

int main() {
    StoppableQueue queue;
    std::counting_semaphore<> job_finished{0};

    {
        // A jthread passes its own stop_token as the first argument when the callable
        // takes one, and its destructor calls request_stop() and then join().
        std::vector<std::jthread> workers;
        for (int id = 0; id < 2; ++id) {
            workers.emplace_back([&queue, &job_finished, id](std::stop_token stop) {
                int handled = 0;
                // After a stop, wait(lock, stop, pred) still returns true while an item is
                // there, so the loop itself checks the token before taking the next job.
                while (!stop.stop_requested()) {
                    const std::optional<int> job = queue.get(stop);
                    if (!job) break;
                    // We sleep to simulate 20 ms of work per job.
                    std::this_thread::sleep_for(20ms);
                    ++handled;
                    job_finished.release();
                }
                std::lock_guard lock(print_lock);
                std::cout << "worker " << id << ": stop requested, returning after " << handled
                          << " jobs\n";
            });
        }

        for (int job = 0; job < 20; ++job) queue.put(job);
        // We wait (on a semaphore, not a sleep) until four jobs are done, then stop the pool.
        for (int i = 0; i < 4; ++i) job_finished.acquire();
        for (auto& w : workers) w.request_stop();
    }  // the jthreads join here: a worker in the middle of a job finishes it first

    // Unlike close() in 05, a stop abandons the jobs still queued, like Python 3.13's
    // Queue.shutdown(immediate=True).
    std::cout << "jobs left in the queue after the stop: " << queue.size() << " of 20\n";

    // A worker asleep in get() on an empty queue is woken by the stop request itself.
    StoppableQueue empty_queue;
    {
        std::jthread idle([&empty_queue](std::stop_token stop) {
            const std::optional<int> job = empty_queue.get(stop);
            std::cout << "idle worker: get() returned " << (job ? "a job" : "no job")
                      << " because a stop was requested\n";
        });
    }  // ~jthread: request_stop() wakes get(), then join()
}

// Output of one run (the job counts and the order of the first two lines vary from run to run):
//
//   $ ./06_jthread_stop_token
//   ~ worker 0: stop requested, returning after <n> jobs
//   ~ worker 1: stop requested, returning after <n> jobs
//   jobs left in the queue after the stop: <n> of 20
//   idle worker: get() returned no job because a stop was requested
