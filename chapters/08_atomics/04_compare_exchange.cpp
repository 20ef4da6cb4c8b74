// 04_compare_exchange.cpp: read-modify-write without a lock: fetch_add, a compare-exchange loop for a counter and a maximum, and a lock-free stack push.
#include <atomic>
#include <cstddef>
#include <cstdio>
#include <latch>
#include <thread>
#include <vector>

constexpr int threads = 4;
constexpr long per_thread = 200'000;

// Runs body(t) on `threads` threads that start together, and joins them.
template <typename Body>
void run_together(Body body) {
    std::latch start_line(threads);
    std::vector<std::jthread> running;
    for (int t = 0; t < threads; ++t) {
        running.emplace_back([&start_line, &body, t] {
            start_line.arrive_and_wait();
            body(t);
        });
    }
}

// A stack that threads push onto without a lock (Treiber's stack). A push links the new
// node to the top it saw, then swings the top to the new node only if the top is still
// the one it saw; if another push came first, compare_exchange_weak has loaded the new top
// into node->next and we try again.
struct Node {
    long value;
    Node* next;
};

class PushOnlyStack {
  public:
    void push(long value, long& retries) {
        Node* node = new Node{value, head_.load(std::memory_order_relaxed)};
        // release on success: whoever loads this top with acquire sees the node's fields.
        while (!head_.compare_exchange_weak(node->next, node, std::memory_order_release,
                                            std::memory_order_relaxed)) {
            ++retries;
        }
    }

    // Called once no thread pushes any more (after join): takes every node, and frees it.
    long drain_and_count() {
        long count = 0;
        Node* node = head_.exchange(nullptr, std::memory_order_acquire);
        while (node != nullptr) {
            Node* next = node->next;
            delete node;
            node = next;
            ++count;
        }
        return count;
    }

    ~PushOnlyStack() { drain_and_count(); }

  private:
    std::atomic<Node*> head_{nullptr};
};

int main() {
    std::printf("hardware_concurrency() = %u; %d threads, %ld operations each\n",
                std::thread::hardware_concurrency(), threads, per_thread);

    // 1. fetch_add is one read-modify-write instruction (`lock xadd` on x86): it cannot fail
    //    and never retries.
    std::atomic<long> added{0};
    run_together([&added](int) {
        for (long i = 0; i < per_thread; ++i)
            added.fetch_add(1, std::memory_order_relaxed);
    });
    std::printf("fetch_add counter: %ld\n", added.load());

    // 2. The same counter as a compare-exchange loop: read, compute, and store only if the
    //    value is still the one we read. We count the failed attempts: each is a moment when
    //    another thread changed the counter between our read and our store.
    std::atomic<long> counted{0};
    std::vector<long> retries(threads, 0);
    run_together([&counted, &retries](int t) {
        for (long i = 0; i < per_thread; ++i) {
            long seen = counted.load(std::memory_order_relaxed);
            while (!counted.compare_exchange_weak(seen, seen + 1, std::memory_order_relaxed)) {
                ++retries[static_cast<std::size_t>(t)];  // `seen` now holds the newer value
            }
        }
    });
    long counter_retries = 0;
    for (const long r : retries)
        counter_retries += r;
    std::printf("compare-exchange counter: %ld, after %ld failed attempts\n", counted.load(),
                counter_retries);

    // 3. A maximum has no fetch_ function in C++20, so it is a compare-exchange loop too.
    //    The loop also ends, without storing, as soon as the value seen is already larger.
    std::atomic<long> highest{0};
    run_together([&highest](int t) {
        for (long i = 0; i < per_thread; ++i) {
            const long candidate = i * threads + t;  // every thread climbs towards the top
            long seen = highest.load(std::memory_order_relaxed);
            while (seen < candidate &&
                   !highest.compare_exchange_weak(seen, candidate, std::memory_order_relaxed)) {
            }
        }
    });
    std::printf("compare-exchange max: %ld (expected %ld)\n", highest.load(),
                per_thread * threads - 1);

    // 4. The stack: four threads push at once; we count the nodes afterwards.
    PushOnlyStack stack;
    std::vector<long> push_retries(threads, 0);
    run_together([&stack, &push_retries](int t) {
        for (long i = 0; i < per_thread; ++i)
            stack.push(i, push_retries[static_cast<std::size_t>(t)]);
    });
    long stack_retries = 0;
    for (const long r : push_retries)
        stack_retries += r;
    std::printf("lock-free stack: %ld nodes pushed, after %ld failed attempts\n",
                stack.drain_and_count(), stack_retries);

    // A lock-free pop is where this gets hard: it reads top->next, and if between that read
    // and its compare-exchange the top node is popped, freed, and a new node happens to be
    // allocated at the same address and pushed, the compare-exchange succeeds on a stale
    // `next` (the ABA problem), and reading top->next of a freed node is already a bug. We
    // pop only once every thread has stopped pushing.
    std::printf("failed attempts vary from run to run; the totals never do\n");
}

// Output of one run (the numbers of failed attempts vary from run to run, and are small when
// the threads rarely run at the same time):
//
//   $ ./04_compare_exchange
//   hardware_concurrency() = <n>; 4 threads, 200000 operations each
//   fetch_add counter: 800000
//   compare-exchange counter: 800000, after <n> failed attempts
//   compare-exchange max: 799999 (expected 799999)
//   lock-free stack: 800000 nodes pushed, after <n> failed attempts
//   failed attempts vary from run to run; the totals never do
