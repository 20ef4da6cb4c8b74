// 10_tsan_lock_order.cpp: a lock-order inversion that never hangs here, yet ThreadSanitizer reports it as a potential deadlock.
//
// TSan-flagged by design: built with -fsanitize=thread, this program prints a
// "lock-order-inversion (potential deadlock)" report and exits with TSan's status 66.
// In a normal build it runs cleanly and exits 0. That difference is the lesson.
#include <iostream>
#include <mutex>
#include <thread>

// Whether this build has ThreadSanitizer in it (GCC and clang spell the test differently).
#if defined(__SANITIZE_THREAD__)
constexpr bool built_with_tsan = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
constexpr bool built_with_tsan = true;
#else
constexpr bool built_with_tsan = false;
#endif
#else
constexpr bool built_with_tsan = false;
#endif

std::mutex config_mutex;  // "A"
std::mutex cache_mutex;   // "B"
int config = 0, cache = 0;

// Takes A, then B.
void reload_config() {
    std::lock_guard a(config_mutex);
    std::lock_guard b(cache_mutex);
    config = 1;
    cache = config;
}

// Takes B, then A: the opposite order. Run at the same time as reload_config(), the
// two could deadlock exactly as in 01_lock_order_deadlock.
void refresh_cache() {
    std::lock_guard b(cache_mutex);
    std::lock_guard a(config_mutex);
    cache = config + 1;
}

int main() {
    // We run the two threads one after the other, so this run cannot hang: the first
    // thread has released both locks before the second one starts.
    std::thread first(reload_config);
    first.join();
    std::thread second(refresh_cache);
    second.join();
    std::cout << "both threads finished, config = " << config << ", cache = " << cache << '\n';

    // ThreadSanitizer does not need the unlucky timing. It records, for every lock taken
    // while another is held, an edge "held -> taken" in a graph of lock orders; A -> B
    // from the first thread and B -> A from the second make a cycle, which it reports.
    if (built_with_tsan)
        std::cout << "built with ThreadSanitizer: its lock-order-inversion report is on stderr,"
                     " and it makes the exit status 66 on purpose\n";
    else
        std::cout << "no hang, no error; rebuild with -fsanitize=thread to see the potential "
                     "deadlock reported\n";
}

// Output of one run of a normal build (the same on every run):
//
//   $ ./10_tsan_lock_order
//   both threads finished, config = 1, cache = 2
//   no hang, no error; rebuild with -fsanitize=thread to see the potential deadlock reported
