// 02_blocking_queue.cpp: a blocking queue on std::condition_variable (what Queue.get() does), with notify_one vs notify_all.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <iostream>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

// An unbounded queue whose pop() blocks while it is empty, like Python's `q.get()`.
template <typename T>
class BlockingQueue {
public:
    explicit BlockingQueue(bool wake_all) : wake_all_(wake_all) {}

    void push(T value) {
        {
            std::lock_guard lock(mutex_);
            items_.push_back(std::move(value));
        }
        // We notify after unlocking, so the woken thread does not run straight into
        // a mutex we still hold. Notifying under the lock would be correct too.
        if (wake_all_)
            not_empty_.notify_all();
        else
            not_empty_.notify_one();
    }

    T pop() {
        std::unique_lock lock(mutex_);
        // The usual spelling is `not_empty_.wait(lock, [this] { return !items_.empty(); });`
        // and it runs exactly this loop. We write the loop out only to count the wake-ups
        // that found nothing: another consumer got the item first, or the wake-up was
        // spurious (the standard allows wait() to return without any notify).
        while (items_.empty()) {
            not_empty_.wait(lock);  // unlocks, sleeps, locks again before returning
            if (items_.empty()) ++empty_wakeups_;
        }
        T value = std::move(items_.front());
        items_.pop_front();
        return value;
    }

    long empty_wakeups() {
        std::lock_guard lock(mutex_);
        return empty_wakeups_;
    }

private:
    const bool wake_all_;
    std::mutex mutex_;
    std::condition_variable not_empty_;
    std::deque<T> items_;
    long empty_wakeups_ = 0;  // guarded by mutex_, like everything the predicate reads
};

// One producer, four consumers; each consumer takes a fixed share, so all of them end.
void run(bool wake_all) {
    using namespace std::chrono_literals;
    constexpr int consumers = 4;
    constexpr int per_consumer = 500;
    BlockingQueue<int> queue(wake_all);
    std::vector<long> sums(consumers, 0);

    {
        std::vector<std::jthread> threads;
        for (std::size_t c = 0; c < consumers; ++c)
            threads.emplace_back([&queue, &sums, c] {
                for (int i = 0; i < per_consumer; ++i) sums[c] += queue.pop();
            });
        for (int i = 1; i <= consumers * per_consumer; ++i) {
            // We sleep to simulate a producer that makes an item every 50 us or so, so
            // the consumers are usually all asleep when an item arrives. No one waits on it.
            std::this_thread::sleep_for(50us);
            queue.push(i);
        }
    }  // the jthreads join here

    long total = 0;
    for (long s : sums) total += s;
    std::cout << (wake_all ? "notify_all" : "notify_one") << ": " << consumers * per_consumer
              << " items, sum " << total << ", wake-ups that found the queue empty: "
              << queue.empty_wakeups() << '\n';
}

int main() {
    // notify_one wakes one waiting consumer per item: enough, since one item feeds one consumer.
    run(false);
    // notify_all wakes every waiting consumer per item; all but one find the queue empty
    // again and go back to sleep. Correct, because each re-checks the condition, but wasteful.
    run(true);
    std::cout << "both sums are 1 + 2 + ... + 2000 = 2001000: no item lost or taken twice\n";
}

// Output of one run (the wake-up counts vary from run to run):
//
//   $ ./02_blocking_queue
//   notify_one: 2000 items, sum 2001000, wake-ups that found the queue empty: <n>
//   notify_all: 2000 items, sum 2001000, wake-ups that found the queue empty: <n>
//   both sums are 1 + 2 + ... + 2000 = 2001000: no item lost or taken twice
