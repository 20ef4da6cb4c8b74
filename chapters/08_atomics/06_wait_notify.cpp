// 06_wait_notify.cpp: atomic::wait and notify_all as a futex: a one-shot event with no mutex, whose waiters sleep instead of spinning.
#include <time.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <iomanip>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

// Python's threading.Event, for one set() only. C++20 lets a thread sleep until an atomic
// changes: wait(old) blocks while the value equals `old`, and notify_all() wakes every
// thread blocked on it. On Linux a 4-byte atomic is waited on with a futex on its own
// address, so we use an int rather than a bool.
class OneShotEvent {
  public:
    // release: whatever the setter wrote before set() is visible after wait() returns.
    void set() {
        state_.store(1, std::memory_order_release);
        state_.notify_all();
    }

    // wait(0) returns once it has seen a value other than 0, and it checks again after
    // every wake-up, spurious ones included: a single call is the whole loop.
    void wait() const { state_.wait(0, std::memory_order_acquire); }

  private:
    std::atomic<int> state_{0};
};

// CPU time this thread has used, in milliseconds: sleeping costs none, spinning costs all.
double thread_cpu_ms() {
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) * 1e3 + static_cast<double>(now.tv_nsec) / 1e6;
}

int main() {
    constexpr std::size_t sleepers = 3;
    OneShotEvent configured;
    std::atomic<bool> spin_flag{false};  // the same event done by spinning, for comparison
    std::string configuration;           // plain data, published by the event
    std::vector<std::string> seen(sleepers + 1);
    std::vector<double> cpu_ms(sleepers + 1);

    {
        std::vector<std::jthread> waiters;
        for (std::size_t w = 0; w < sleepers; ++w) {
            waiters.emplace_back([&, w] {
                const double before = thread_cpu_ms();
                configured.wait();  // asleep in the kernel until set()
                cpu_ms[w] = thread_cpu_ms() - before;
                seen[w] = configuration;
            });
        }
        waiters.emplace_back([&] {
            const double before = thread_cpu_ms();
            while (!spin_flag.load(std::memory_order_acquire)) {
                // busy: asks the same question millions of times
            }
            cpu_ms[sleepers] = thread_cpu_ms() - before;
            seen[sleepers] = configuration;
        });

        // We sleep to simulate 200 ms of work before the configuration is ready; nobody
        // relies on this sleep, the event does the synchronising.
        std::this_thread::sleep_for(200ms);
        configuration = "port=8080 workers=4";
        configured.set();
        spin_flag.store(true, std::memory_order_release);
    }  // the jthreads join here

    std::cout << std::fixed << std::setprecision(1);
    for (std::size_t w = 0; w < sleepers; ++w) {
        std::cout << "sleeping waiter " << w << ": saw \"" << seen[w] << "\", used " << cpu_ms[w]
                  << " ms of CPU while waiting\n";
    }
    std::cout << "spinning waiter:   saw \"" << seen[sleepers] << "\", used " << cpu_ms[sleepers]
              << " ms of CPU while waiting\n";
}

// Output of one run (the CPU times vary: a sleeper's is near 0, the spinner's near the 200 ms
// it waited, less when it had to share a core):
//
//   $ ./06_wait_notify
//   sleeping waiter 0: saw "port=8080 workers=4", used <n> ms of CPU while waiting
//   sleeping waiter 1: saw "port=8080 workers=4", used <n> ms of CPU while waiting
//   sleeping waiter 2: saw "port=8080 workers=4", used <n> ms of CPU while waiting
//   spinning waiter:   saw "port=8080 workers=4", used <n> ms of CPU while waiting
