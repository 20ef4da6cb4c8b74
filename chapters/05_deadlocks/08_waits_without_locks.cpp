// 08_waits_without_locks.cpp: deadlocks with no lock cycle: a thread joining itself, and a consumer waiting on a queue that no producer will ever fill.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <iostream>
#include <mutex>
#include <optional>
#include <semaphore>
#include <stdexcept>
#include <system_error>
#include <thread>

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// 1. A thread that joins itself would wait for its own end: forever. The library checks
// for it and throws std::system_error with errc::resource_deadlock_would_occur.
// (Python: threading.current_thread().join() raises RuntimeError.)
void join_itself() {
    std::thread self;
    std::binary_semaphore assigned{0};
    self = std::thread([&] {
        assigned.acquire();  // wait until `self` holds this very thread
        try {
            self.join();
        } catch (const std::system_error& e) {
            std::cout << "join() on itself threw std::system_error: " << e.what() << '\n';
            std::cout << "  code == resource_deadlock_would_occur: " << std::boolalpha
                      << (e.code() == std::errc::resource_deadlock_would_occur) << '\n';
        }
    });
    assigned.release();
    self.join();  // from main, joining is fine
}

// A queue with a timed get() and close(), as in chapter 04.
class Queue {
public:
    std::optional<int> get_for(std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        if (!changed_.wait_for(lock, timeout, [this] { return !items_.empty() || closed_; }))
            throw std::runtime_error("no item and no close() within the timeout");
        if (items_.empty()) return std::nullopt;  // closed and drained: a clean end
        const int item = items_.front();
        items_.pop_front();
        return item;
    }
    void put(int item) {
        {
            std::lock_guard lock(mutex_);
            items_.push_back(item);
        }
        changed_.notify_one();
    }
    void close() {
        {
            std::lock_guard lock(mutex_);
            closed_ = true;
        }
        changed_.notify_all();
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<int> items_;
    bool closed_ = false;
};

// The producer fails before its first put(). It is the only producer, so a consumer in
// a plain get() would wait forever: no lock is involved, just a wait nobody will end.
int fetch_row(int) { throw std::runtime_error("the database is down"); }

void producer(Queue& queue, bool close_on_exit) {
    // An RAII guard that closes the queue however we leave: the fix.
    struct CloseOnExit {
        Queue* queue;
        ~CloseOnExit() {
            if (queue) queue->close();
        }
    } guard{close_on_exit ? &queue : nullptr};
    try {
        for (int row = 0; row < 10; ++row) queue.put(fetch_row(row));
    } catch (const std::exception& e) {
        std::cout << "  producer: failed (" << e.what() << "), returning\n";
    }
}

void lonely_consumer(bool close_on_exit) {
    Queue queue;
    std::jthread p(producer, std::ref(queue), close_on_exit);
    const auto start = Clock::now();
    try {
        // A bounded wait is our watchdog: Python's q.get(timeout=0.3) raises queue.Empty.
        while (const std::optional<int> item = queue.get_for(300ms)) {
        }
        std::cout << "  consumer: the queue was closed, we stop at once ("
                  << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start)
                         .count()
                  << " ms)\n";
    } catch (const std::runtime_error& e) {
        std::cout << "  consumer: " << e.what() << " (300 ms): nobody will ever put an item\n";
    }
}

int main() {
    join_itself();
    std::cout << "producer that fails, without close():\n";
    lonely_consumer(false);
    std::cout << "producer that fails, closing the queue on exit:\n";
    lonely_consumer(true);
}

// Output of one run (the error text of std::system_error depends on the standard library):
//
//   $ ./08_waits_without_locks
//   join() on itself threw std::system_error: <...>
//     code == resource_deadlock_would_occur: true
//   producer that fails, without close():
//     producer: failed (the database is down), returning
//     consumer: no item and no close() within the timeout (300 ms): nobody will ever put an item
//   producer that fails, closing the queue on exit:
//     producer: failed (the database is down), returning
//     consumer: the queue was closed, we stop at once (<n> ms)
