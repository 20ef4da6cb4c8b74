// 08_shared_mutex.cpp: std::shared_mutex lets many readers in at once (shared_lock) and one writer alone (unique_lock).
#include <algorithm>
#include <chrono>
#include <iomanip>
#include <iostream>
#include <iterator>
#include <mutex>
#include <map>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

using Clock = std::chrono::steady_clock;

// A table that is read often and written rarely. The lock types are parameters so that
// we can compare a plain mutex (readers exclude each other) with a shared_mutex.
template <typename Mutex, template <typename> class ReadLock>
class Table {
public:
    explicit Table(int size) : size_(size) {
        for (int key = 0; key < size; ++key) values_[key] = 1;
    }

    // A reader: looks up `count` keys and sums their values. With shared_mutex and
    // shared_lock, any number of readers hold the mutex together.
    long sum_of_lookups(int count) const {
        ReadLock<Mutex> lock(mutex_);
        long sum = 0;
        for (int i = 0; i < count; ++i) sum += values_.find(i * 7919 % size_)->second;
        return sum;
    }

    // A writer: unique_lock waits until no reader and no writer holds the mutex.
    void add_to_all(long amount) {
        std::unique_lock lock(mutex_);
        for (auto& entry : values_) entry.second += amount;
    }

private:
    mutable Mutex mutex_;
    int size_;
    std::map<int, long> values_;
};

using PlainTable = Table<std::mutex, std::unique_lock>;
using SharedTable = Table<std::shared_mutex, std::shared_lock>;

constexpr int table_size = 2000;
constexpr int reader_count = 2;
constexpr int writes = 20;

// Two readers and one writer. All values are always equal (the writer changes them all
// under the exclusive lock), so a reader that ever saw a half-done write would get a
// sum that is not a multiple of count. Returns wall ns per read, or -1 on a torn read.
template <typename TableType>
double ns_per_read(int count, int reads_per_reader) {
    TableType table(table_size);
    bool torn = false;
    std::vector<char> torn_by_reader(reader_count, 0);
    const auto start = Clock::now();
    std::jthread writer([&table] {
        for (int i = 0; i < writes; ++i) {
            table.add_to_all(1);
            std::this_thread::yield();
        }
    });
    {
        std::vector<std::jthread> readers;
        for (auto& flag : torn_by_reader) {
            readers.emplace_back([&table, &flag, count, reads_per_reader] {
                for (int i = 0; i < reads_per_reader; ++i) {
                    if (table.sum_of_lookups(count) % count != 0) flag = 1;
                }
            });
        }
    }
    const double ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count();
    for (char flag : torn_by_reader) torn = torn || flag != 0;
    return torn ? -1.0 : ns / (reader_count * reads_per_reader);
}

template <typename TableType>
double median_ns(int count, int reads) {
    double times[3];
    for (double& t : times) t = ns_per_read<TableType>(count, reads);
    std::sort(std::begin(times), std::end(times));
    return times[1];
}

int main() {
    const unsigned cores = std::thread::hardware_concurrency();
    std::cout << "hardware_concurrency() = " << cores << "; " << reader_count
              << " readers + 1 writer (" << writes << " writes), ns per read, median of 3 runs\n"
              << "                            std::mutex   std::shared_mutex\n";
    bool ok = true;
    const auto row = [&ok](const std::string& label, int count) {
        // We pick the number of reads so that one run with the plain mutex takes about
        // 20 ms on this build, whether plain, optimised or sanitised.
        int reads = 500;
        while (reads < 10'000'000) {
            const double ns = ns_per_read<PlainTable>(count, reads);
            if (ns < 0 || ns * reader_count * reads >= 20e6) break;
            reads *= 2;
        }
        const double plain = median_ns<PlainTable>(count, reads);
        const double shared = median_ns<SharedTable>(count, reads);
        ok = ok && plain > 0 && shared > 0;
        std::cout << std::left << std::setw(28) << label << std::right << std::fixed
                  << std::setprecision(1) << std::setw(10) << plain << std::setw(20) << shared
                  << '\n';
    };
    // A short read: the lock itself is most of the cost. Every shared_lock still writes
    // the shared_mutex's reader count, so readers fight over that cache line anyway.
    row("short read (1 lookup)", 1);
    // A long read: readers overlap instead of queueing, up to the number of free cores.
    row("long read (200 lookups)", 200);
    std::cout << "no reader ever saw a half-done write: " << (ok ? "yes" : "NO") << '\n';
    return ok ? 0 : 1;
}

// Output of one run (g++ -O2; figures vary a lot from run to run on a shared machine):
//
//   $ ./08_shared_mutex
//   hardware_concurrency() = <n>; 2 readers + 1 writer (20 writes), ns per read, median of 3 runs
//                               std::mutex   std::shared_mutex
//   short read (1 lookup)             <n>                <n>
//   long read (200 lookups)         <n>              <n>
//   no reader ever saw a half-done write: yes
