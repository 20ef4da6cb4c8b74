// 05_close_and_drain.cpp: stopping workers with close(): get() returns an empty optional once closed and drained (Python 3.13's Queue.shutdown()).
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

// A queue that can be closed. After close(): put() refuses new items, get() still hands
// out what is left, and once the queue is empty get() returns std::nullopt, which tells
// a worker "no more work, ever". No poison pills, no daemon threads.
template <typename T>
class ClosableQueue {
public:
    bool put(T value) {
        {
            std::lock_guard lock(mutex_);
            if (closed_) return false;
            items_.push_back(std::move(value));
        }
        changed_.notify_one();
        return true;
    }

    std::optional<T> get() {
        std::unique_lock lock(mutex_);
        // Two reasons to stop waiting: an item to hand out, or no item will ever come.
        changed_.wait(lock, [this] { return !items_.empty() || closed_; });
        if (items_.empty()) return std::nullopt;  // closed and drained
        T value = std::move(items_.front());
        items_.pop_front();
        return value;
    }

    void close() {
        {
            std::lock_guard lock(mutex_);
            closed_ = true;
        }
        // notify_all, not notify_one: every waiting worker must see that we closed.
        changed_.notify_all();
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<T> items_;
    bool closed_ = false;
};

std::mutex print_lock;
std::atomic<int> total_handled{0};

void worker(int id, ClosableQueue<std::string>& queue) {
    int handled = 0;
    // The loop ends when get() says the queue is closed and empty.
    while (std::optional<std::string> job = queue.get()) ++handled;
    total_handled += handled;
    std::lock_guard lock(print_lock);
    std::cout << "worker " << id << ": queue closed and drained after " << handled
              << " jobs, returning\n";
}

int main() {
    ClosableQueue<std::string> queue;
    std::vector<std::jthread> workers;
    for (int id = 0; id < 3; ++id) workers.emplace_back(worker, id, std::ref(queue));

    // We put 1200 jobs and close at once. Closing does not throw jobs away: the
    // workers drain all of them before they see the end.
    for (int job = 0; job < 1200; ++job) queue.put("job " + std::to_string(job));
    queue.close();

    const bool accepted = queue.put("one job too late");
    {
        std::lock_guard lock(print_lock);
        std::cout << "put() after close() returned " << std::boolalpha << accepted << '\n';
    }

    workers.clear();  // each jthread joins in its destructor; every worker has returned
    std::cout << "all workers joined; they handled " << total_handled.load() << " jobs in all\n";
}

// Output of one run (how the 1200 jobs are shared out, and the order of the first four
// lines, vary from run to run: the workers may drain the queue before main prints):
//
//   $ ./05_close_and_drain
//   ~ put() after close() returned false
//   ~ worker 0: queue closed and drained after <n> jobs, returning
//   ~ worker 1: queue closed and drained after <n> jobs, returning
//   ~ worker 2: queue closed and drained after <n> jobs, returning
//   all workers joined; they handled 1200 jobs in all
