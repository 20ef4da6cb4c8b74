// 07_spsc_ring.cpp: a single-producer/single-consumer ring buffer on two atomic indices, measured against a locked queue in the same run.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdio>
#include <deque>
#include <mutex>
#include <new>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#ifdef __cpp_lib_hardware_interference_size
constexpr std::size_t cache_line = std::hardware_destructive_interference_size;
#else
constexpr std::size_t cache_line = 64;
#endif

// A ring of `capacity` slots and two counters that only grow: `tail_` counts the items
// pushed and is written by the producer alone, `head_` counts the items popped and is
// written by the consumer alone. Item n lives in slot n % capacity. With exactly one
// thread on each side, no compare-exchange is needed: each index has one writer, and the
// release/acquire pairs hand the slots back and forth.
template <typename T>
class SpscRing {
  public:
    explicit SpscRing(std::size_t capacity) : slots_(capacity) {}

    // Producer only. False when the ring is full.
    bool try_push(T value) {
        const std::size_t tail = tail_.load(std::memory_order_relaxed);  // our own index
        // acquire: the consumer's release of `head_` means it has finished with the slot
        // we are about to overwrite.
        if (tail - head_.load(std::memory_order_acquire) == slots_.size()) return false;
        slots_[tail % slots_.size()] = std::move(value);
        // release: the slot's new contents are visible to the consumer that sees tail + 1.
        tail_.store(tail + 1, std::memory_order_release);
        return true;
    }

    // Consumer only. Nothing when the ring is empty.
    std::optional<T> try_pop() {
        const std::size_t head = head_.load(std::memory_order_relaxed);  // our own index
        if (head == tail_.load(std::memory_order_acquire)) return std::nullopt;
        T value = std::move(slots_[head % slots_.size()]);
        head_.store(head + 1, std::memory_order_release);  // the slot is free again
        return value;
    }

  private:
    std::vector<T> slots_;
    // On separate cache lines: the producer writes one, the consumer the other (05).
    alignas(cache_line) std::atomic<std::size_t> head_{0};
    alignas(cache_line) std::atomic<std::size_t> tail_{0};
};

// Chapter 04's closable queue (section 5), one item per lock: any number of producers and
// consumers, a consumer sleeps while it is empty.
template <typename T>
class LockedQueue {
  public:
    void push(T value) {
        {
            std::lock_guard lock(mutex_);
            items_.push_back(std::move(value));
        }
        not_empty_.notify_one();
    }

    std::optional<T> pop() {
        std::unique_lock lock(mutex_);
        not_empty_.wait(lock, [this] { return !items_.empty() || closed_; });
        if (items_.empty()) return std::nullopt;
        T value = std::move(items_.front());
        items_.pop_front();
        return value;
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
    std::deque<T> items_;
    bool closed_ = false;
};

constexpr long items = 300'000;
constexpr long expected_sum = items * (items - 1) / 2;

// Million items per second from one producer to one consumer; -1 if an item went missing.
double through_ring() {
    SpscRing<long> ring(1024);
    long sum = 0;
    const auto start = std::chrono::steady_clock::now();
    {
        std::jthread consumer([&ring, &sum] {
            for (long received = 0; received < items;) {
                if (const std::optional<long> item = ring.try_pop()) {
                    sum += *item;
                    ++received;
                } else {
                    std::this_thread::yield();  // empty: let the producer run
                }
            }
        });
        for (long item = 0; item < items; ++item) {
            while (!ring.try_push(item))
                std::this_thread::yield();  // full
        }
    }
    const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;
    return sum == expected_sum ? static_cast<double>(items) / seconds.count() / 1e6 : -1.0;
}

double through_locked_queue() {
    LockedQueue<long> queue;
    long sum = 0;
    const auto start = std::chrono::steady_clock::now();
    {
        std::jthread consumer([&queue, &sum] {
            while (const std::optional<long> item = queue.pop())
                sum += *item;
        });
        for (long item = 0; item < items; ++item)
            queue.push(item);
        queue.close();
    }
    const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;
    return sum == expected_sum ? static_cast<double>(items) / seconds.count() / 1e6 : -1.0;
}

template <typename Run>
double median_of_3(Run run) {
    double r[3];
    for (double& x : r)
        x = run();
    std::sort(r, r + 3);
    return r[1];
}

int main() {
    std::printf(
        "hardware_concurrency() = %u; one producer, one consumer, %ld items, median of 3 runs\n",
        std::thread::hardware_concurrency(), items);
    const double locked = median_of_3(through_locked_queue);
    const double ring = median_of_3(through_ring);
    std::printf("locked queue (mutex + condition variable): %.2f million items/s\n", locked);
    std::printf("SPSC ring (two atomics, 1024 slots):       %.2f million items/s\n", ring);
    std::printf("every item arrived once: %s\n", locked > 0 && ring > 0 ? "yes" : "NO");
}

// Output of one run on a 2-vCPU machine (the figures vary from run to run and between
// machines; which one wins, and by how much, depends on whether both threads get a core):
//
//   $ ./07_spsc_ring
//   hardware_concurrency() = <n>; one producer, one consumer, 300000 items, median of 3 runs
//   locked queue (mutex + condition variable): <n> million items/s
//   SPSC ring (two atomics, 1024 slots):       <n> million items/s
//   every item arrived once: yes
