// 05_print_lock.cpp: jumbled output, the articles' print lock (`with print_lock: print(...)`), and std::osyncstream.
#include <iostream>
#include <mutex>
#include <syncstream>
#include <thread>
#include <vector>

constexpr int worker_count = 3;
constexpr int steps = 3;

// Every << is a separate write to std::cout. The standard promises no data race on
// std::cout, not whole lines: another thread may write between two of our <<. We yield
// between the pieces so that this happens in a short demo; in a real program it happens
// rarely, which makes it worse, not better.
void print_in_pieces(int id, int step) {
    std::cout << "worker " << id;
    std::this_thread::yield();
    std::cout << " finished step " << step;
    std::this_thread::yield();
    std::cout << '\n';
}

// The articles' print lock: one mutex that every printing thread takes for the whole
// line. It only works if every thread that prints uses it.
std::mutex print_mutex;

void print_with_lock(int id, int step) {
    std::lock_guard lock(print_mutex);
    print_in_pieces(id, step);
}

// C++20's answer: an osyncstream collects the pieces in its own buffer and hands the
// whole text to std::cout's buffer in one go when it is destroyed, here at the end of
// the full expression. Other osyncstreams on std::cout never cut into it.
void print_with_osyncstream(int id, int step) {
    std::osyncstream(std::cout) << "worker " << id << " finished step " << step << '\n';
}

void run_workers(void (*print)(int, int)) {
    std::vector<std::jthread> workers;
    for (int id = 0; id < worker_count; ++id) {
        workers.emplace_back([print, id] {
            for (int step = 0; step < steps; ++step) print(id, step);
        });
    }
}

int main() {
    std::cout << "--- no lock: lines may come out mixed up\n";
    run_workers(print_in_pieces);
    std::cout << "--- print lock: whole lines, in some order\n";
    run_workers(print_with_lock);
    std::cout << "--- osyncstream: whole lines, no mutex of our own\n";
    run_workers(print_with_osyncstream);
}

// Output of one run (how the first part is mixed up, and the order of whole lines, differ
// from run to run):
//
//   $ ./05_print_lock
//   --- no lock: lines may come out mixed up
//   ...
//   --- print lock: whole lines, in some order
//   ~ worker 0 finished step 0
//   ~ worker 0 finished step 1
//   ~ worker 0 finished step 2
//   ~ worker 1 finished step 0
//   ~ worker 1 finished step 1
//   ~ worker 1 finished step 2
//   ~ worker 2 finished step 0
//   ~ worker 2 finished step 1
//   ~ worker 2 finished step 2
//   --- osyncstream: whole lines, no mutex of our own
//   ~ worker 0 finished step 0
//   ~ worker 0 finished step 1
//   ~ worker 0 finished step 2
//   ~ worker 1 finished step 0
//   ~ worker 1 finished step 1
//   ~ worker 1 finished step 2
//   ~ worker 2 finished step 0
//   ~ worker 2 finished step 1
//   ~ worker 2 finished step 2
