// 01_worker_pool.cpp: 5 worker threads take 10 jobs from a queue, as with Python's queue.Queue and threading.Thread workers.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <iostream>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

// The Python pool we mirror, with the article's slips corrected (the loop must start
// the thread it created, and the main thread must wait for the queue):
//
//   q = Queue()
//   for x in range(5):
//       t = threading.Thread(target=threader, daemon=True)
//       t.start()
//   for job in range(10):
//       q.put(job)
//   q.join()   # without this line, main ends and the daemon workers die mid-queue

using namespace std::chrono_literals;

// A minimal job queue with Python's four calls: put, get, task_done and join.
// Examples 02 to 07 take each of these apart; here we only use them.
class JobQueue {
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
        return job;
    }

    void task_done() {
        std::lock_guard lock(mutex_);
        if (--unfinished_ == 0) all_done_.notify_all();
    }

    void join() {
        std::unique_lock lock(mutex_);
        all_done_.wait(lock, [this] { return unfinished_ == 0; });
    }

private:
    std::mutex mutex_;
    std::condition_variable not_empty_;
    std::condition_variable all_done_;
    std::queue<int> jobs_;
    int unfinished_ = 0;
};

// Python's `print_lock = threading.Lock()`: one line at a time on std::cout.
std::mutex print_lock;
std::atomic<int> jobs_finished{0};

// A job number we never use for work: each worker that gets it returns.
// C++ has no daemon threads, so this "poison pill" is how the pool ends (05 shows close()).
constexpr int stop_job = -1;

void worker(int id, JobQueue& queue) {
    for (;;) {
        const int job = queue.get();
        if (job == stop_job) {
            queue.task_done();
            return;
        }
        // We sleep to simulate 50 ms of work (a download, say); nothing waits on this sleep.
        std::this_thread::sleep_for(50ms);
        {
            std::lock_guard lock(print_lock);  // Python: `with print_lock:`
            std::cout << "worker " << id << " finished job " << job << '\n';
        }
        ++jobs_finished;
        queue.task_done();
    }
}

int main() {
    const auto start = std::chrono::steady_clock::now();
    JobQueue queue;

    // emplace_back creates and starts each thread in one step, so the article's slip
    // (creating `thread` but starting `t`) cannot happen here.
    std::vector<std::thread> workers;
    for (int id = 0; id < 5; ++id) workers.emplace_back(worker, id, std::ref(queue));

    for (int job = 0; job < 10; ++job) queue.put(job);

    // This is the moment the article's program ends. Its daemon workers would die now.
    const int done_after_puts = jobs_finished.load();

    queue.join();  // Python: q.join(), returns when every put() has had its task_done()
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);

    std::cout << "after the last put(): " << done_after_puts
              << " of 10 jobs finished; a program ending there loses the rest\n";
    std::cout << "queue.join() returned after " << ms.count() << " ms with "
              << jobs_finished.load() << " of 10 jobs finished (10 jobs x 50 ms / 5 workers)\n";

    // We end the workers ourselves instead of letting them die with the process.
    for (std::size_t i = 0; i < workers.size(); ++i) queue.put(stop_job);
    for (auto& t : workers) t.join();
    std::cout << "all 5 workers joined\n";
}

// Output of one run (which worker takes which job, the line order and the milliseconds vary
// from run to run):
//
//   $ ./01_worker_pool
//   ~ worker <n> finished job 0
//   ~ worker <n> finished job 1
//   ~ worker <n> finished job 2
//   ~ worker <n> finished job 3
//   ~ worker <n> finished job 4
//   ~ worker <n> finished job 5
//   ~ worker <n> finished job 6
//   ~ worker <n> finished job 7
//   ~ worker <n> finished job 8
//   ~ worker <n> finished job 9
//   after the last put(): <n> of 10 jobs finished; a program ending there loses the rest
//   queue.join() returned after <n> ms with 10 of 10 jobs finished (10 jobs x 50 ms / 5 workers)
//   all 5 workers joined
