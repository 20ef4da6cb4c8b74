// 09_throughput.cpp: producer/consumer throughput through one locked queue, measured for 1..4 producers and consumers, one item or a batch per lock.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdio>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

// A closable queue (as in 05) that can also move a whole batch per lock.
class Queue {
public:
    void push_batch(const std::vector<long>& batch) {
        {
            std::lock_guard lock(mutex_);
            items_.insert(items_.end(), batch.begin(), batch.end());
        }
        not_empty_.notify_one();
    }

    // Moves up to `max` items into `out`; returns false once closed and drained.
    bool pop_batch(std::vector<long>& out, std::size_t max) {
        out.clear();
        std::unique_lock lock(mutex_);
        not_empty_.wait(lock, [this] { return !items_.empty() || closed_; });
        if (items_.empty()) return false;
        const std::size_t n = std::min(max, items_.size());
        out.assign(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(n));
        items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(n));
        return true;
    }

    void close() {
        {
            std::lock_guard lock(mutex_);
            closed_ = true;
        }
        not_empty_.notify_all();
    }

private:
    std::mutex mutex_;
    std::condition_variable not_empty_;
    std::deque<long> items_;
    bool closed_ = false;
};

// One run: returns millions of items per second, and checks that every item arrived once.
double run(int producers, int consumers, std::size_t batch, long total_items) {
    Queue queue;
    std::vector<long> sums(static_cast<std::size_t>(consumers), 0);
    const auto start = std::chrono::steady_clock::now();
    {
        std::vector<std::jthread> consumer_threads;
        for (std::size_t c = 0; c < sums.size(); ++c)
            consumer_threads.emplace_back([&queue, &sums, c, batch] {
                std::vector<long> got;
                while (queue.pop_batch(got, batch))
                    for (long item : got) sums[c] += item;
            });
        {
            std::vector<std::jthread> producer_threads;
            for (int p = 0; p < producers; ++p)
                producer_threads.emplace_back([&queue, p, producers, batch, total_items] {
                    std::vector<long> pending;
                    for (long item = p; item < total_items; item += producers) {
                        pending.push_back(item);
                        if (pending.size() == batch) {
                            queue.push_batch(pending);
                            pending.clear();
                        }
                    }
                    if (!pending.empty()) queue.push_batch(pending);
                });
        }  // producers joined: nothing more will come
        queue.close();
    }  // consumers joined: the queue is drained
    const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;

    long sum = 0;
    for (long s : sums) sum += s;
    if (sum != total_items * (total_items - 1) / 2) std::printf("LOST OR DUPLICATED ITEMS\n");
    return static_cast<double>(total_items) / seconds.count() / 1e6;
}

double median_of_3(int producers, int consumers, std::size_t batch, long items) {
    double r[3];
    for (double& x : r) x = run(producers, consumers, batch, items);
    std::sort(r, r + 3);
    return r[1];
}

int main() {
    // Batched runs move 5 times more items, so that each run lasts long enough to time.
    constexpr long items_single = 100'000, items_batched = 500'000;
    std::printf("hardware_concurrency() = %u; %ld or %ld items per run; median of 3 runs\n",
                std::thread::hardware_concurrency(), items_single, items_batched);
    std::printf("million items per second:\n");
    std::printf("  producers  consumers   1 item/lock   64 items/lock\n");
    for (int n : {1, 2, 4}) {
        const double one = median_of_3(n, n, 1, items_single);
        const double batched = median_of_3(n, n, 64, items_batched);
        std::printf("  %9d  %9d   %11.2f   %13.2f\n", n, n, one, batched);
    }
    // We print no verdict: the figures depend on the machine and on its other load.
    std::printf("with one mutex, threads beyond the core count mostly add contention;\n"
                "batching pays the lock and the wake-up once per 64 items instead of per item\n");
}

// Output of one run (all figures vary from run to run and between machines; compare the
// columns, not the absolute numbers):
//
//   $ ./09_throughput
//   hardware_concurrency() = <n>; 100000 or 500000 items per run; median of 3 runs
//   million items per second:
//     producers  consumers   1 item/lock   64 items/lock
//             1          1         <n>           <n>
//             2          2          <n>           <n>
//             4          4          <n>           <n>
//   with one mutex, threads beyond the core count mostly add contention;
//   batching pays the lock and the wake-up once per 64 items instead of per item
