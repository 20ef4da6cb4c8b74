// 12_semaphore.cpp: std::counting_semaphore keeps at most 3 downloads connected at once; the same limit from a mutex and a condition variable.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <iostream>
#include <mutex>
#include <semaphore>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

// What std::counting_semaphore does, by hand: a count of free permits under a mutex, and a
// condition variable for the threads waiting for one.
class PermitCounter {
public:
    explicit PermitCounter(int permits) : free_(permits) {}

    void acquire() {
        std::unique_lock lock(mutex_);
        available_.wait(lock, [this] { return free_ > 0; });
        --free_;
    }

    void release() {
        {
            std::lock_guard lock(mutex_);
            ++free_;
        }
        available_.notify_one();  // one permit: one waiter can use it
    }

private:
    std::mutex mutex_;
    std::condition_variable available_;
    int free_;
};

// A stand-in for a server that tells how many connections we keep open at once. A download
// connects, waits 50 ms for the (simulated) network, and disconnects.
class Server {
public:
    std::string download(int page) {
        const int open = ++open_;
        int most = most_open_.load();
        while (open > most && !most_open_.compare_exchange_weak(most, open)) {
        }
        std::this_thread::sleep_for(50ms);  // the network's latency, simulated
        --open_;
        return "page " + std::to_string(page);
    }
    int most_open() const { return most_open_.load(); }

private:
    std::atomic<int> open_{0};
    std::atomic<int> most_open_{0};
};

// Ten downloads, one thread each, but at most `limit` connected at a time: each thread
// takes a permit before it connects and gives it back when it is done, however it leaves
// (a guard's destructor releases it: a permit that is never given back is lost for good).
template <typename Permits>
void download_all(const char* name, Permits& permits, int limit) {
    constexpr int pages = 10;
    Server server;
    std::vector<std::string> results(pages);
    const auto start = std::chrono::steady_clock::now();
    {
        std::vector<std::jthread> threads;
        for (int page = 0; page < pages; ++page) {
            threads.emplace_back([&, page] {
                permits.acquire();
                struct Release {
                    Permits& permits;
                    ~Release() { permits.release(); }
                } release{permits};
                results[static_cast<std::size_t>(page)] = server.download(page);
            });
        }
    }
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    std::cout << name << ": " << pages << " pages, never more than " << limit
              << " connections at once: " << (server.most_open() <= limit ? "yes" : "NO")
              << "; took " << ms.count() << " ms\n";
}

int main() {
    constexpr int limit = 3;
    // The template argument is the largest count the semaphore must hold: some platforms
    // build a small one differently. The constructor's argument is the starting count.
    std::counting_semaphore<limit> permits(limit);
    download_all("std::counting_semaphore  ", permits, limit);

    PermitCounter by_hand(limit);
    download_all("mutex + condition variable", by_hand, limit);

    // 10 downloads of 50 ms, 3 at a time: at least 4 rounds of 50 ms. Without a limit, all
    // 10 would take 50 ms together, and a real server might refuse the 11th connection.
    std::cout << "10 downloads of 50 ms, 3 at a time, need at least 200 ms\n";
}

// Output of one run (the times vary, and are never below 200 ms):
//
//   $ ./12_semaphore
//   std::counting_semaphore  : 10 pages, never more than 3 connections at once: yes; took <n> ms
//   mutex + condition variable: 10 pages, never more than 3 connections at once: yes; took <n> ms
//   10 downloads of 50 ms, 3 at a time, need at least 200 ms
