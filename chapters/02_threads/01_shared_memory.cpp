// 01_shared_memory.cpp: threads share the globals and the heap, each has its own stack and thread_local copy.
#include <cstddef>
#include <cstdint>
#include <iostream>
#include <latch>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

// One object for the whole process: every thread sees the same address.
int shared_setting = 42;

// One object per thread: each thread gets a fresh copy. This one has a constant initial
// value, so every thread's copy holds 0 from the start. A thread_local with a dynamic
// initialiser (a call, a constructor) is initialised in each thread on its first use
// there, not when the thread starts, and destroyed when the thread ends.
thread_local int calls_in_this_thread = 0;

// We print addresses as plain numbers, so that the lines line up and can be compared.
std::uintptr_t address_of(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }

std::string describe(const std::string& who, const int* heap_slot, const int* local) {
    std::ostringstream line;
    line << std::hex << who << ": global 0x" << address_of(&shared_setting) << "  heap 0x"
         << address_of(heap_slot) << "  stack 0x" << address_of(local) << "  thread_local 0x"
         << address_of(&calls_in_this_thread) << std::dec
         << "  (thread_local value " << calls_in_this_thread << ")\n";
    return line.str();
}

int main() {
    constexpr int thread_count = 3;

    // The vector's elements live on the heap. Each thread writes only its own element,
    // so no two threads touch the same int: there is nothing to lock here.
    std::vector<int> results(thread_count, 0);

    // We keep all three threads alive until each has printed its addresses. Otherwise a
    // finished thread's stack could be reused for the next one and two "different"
    // stacks would show the same address.
    std::latch all_printed(thread_count);

    auto work = [&](int index) {
        int local = index;  // lives on this thread's own stack
        for (int i = 0; i < 1000; ++i) {
            ++calls_in_this_thread;  // no race: every thread has its own copy
        }
        results[static_cast<std::size_t>(index)] = shared_setting + local;
        // One insertion of a finished line, so lines from different threads do not mix
        // (chapter 03 explains why and shows std::osyncstream).
        std::cout << describe("thread " + std::to_string(index), &results[0], &local);
        all_printed.arrive_and_wait();
    };

    int main_local = 0;
    std::cout << describe("main    ", &results[0], &main_local);

    std::vector<std::thread> threads;
    for (int i = 0; i < thread_count; ++i) {
        threads.emplace_back(work, i);
    }
    for (auto& t : threads) {
        t.join();
    }

    // After join, everything the threads wrote is visible here: same memory, no copy.
    // Compare chapter 01, where a child process changed only its own copy.
    std::cout << "results written by the threads:";
    for (int r : results) {
        std::cout << ' ' << r;
    }
    std::cout << "\nmain's own thread_local was never touched: " << calls_in_this_thread << '\n';
}

// Output of one run (addresses differ from run to run, and so does the order of the thread
// lines):
//
//   $ ./01_shared_memory
//   main    : global 0x<...>  heap 0x<...>  stack 0x<...>  thread_local 0x<...>  (thread_local value 0)
//   ~ thread 0: global 0x<...>  heap 0x<...>  stack 0x<...>  thread_local 0x<...>  (thread_local value 1000)
//   ~ thread 1: global 0x<...>  heap 0x<...>  stack 0x<...>  thread_local 0x<...>  (thread_local value 1000)
//   ~ thread 2: global 0x<...>  heap 0x<...>  stack 0x<...>  thread_local 0x<...>  (thread_local value 1000)
//   results written by the threads: 42 43 44
//   main's own thread_local was never touched: 0
