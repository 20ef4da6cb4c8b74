// 01_relaxed_flag.cpp: a writer publishes data through an atomic flag stored with memory_order_relaxed: a data race on the data, which x86 hides.
//
// THIS PROGRAM CONTAINS A DATA RACE ON PURPOSE. Built with -fsanitize=thread (the
// course's tsan preset), ThreadSanitizer reports it and the run exits with status 66:
// that report is the point of the example. Built normally, it runs and exits 0.
#include <atomic>
#include <cstddef>
#include <iostream>
#include <memory>
#include <thread>

// Not more: ThreadSanitizer takes its time over every racy read it checks.
constexpr std::size_t messages = 2'000;

// One mailbox per message: plain data, and an atomic flag that says "the data is there".
struct Mailbox {
    long payload[4] = {0, 0, 0, 0};
    std::atomic<bool> full{false};
};

const char* this_cpu() {
#if defined(__x86_64__) || defined(__i386__)
    return "x86: a strongly ordered CPU; it keeps stores in order and loads in order";
#elif defined(__aarch64__) || defined(__arm__)
    return "ARM: a weakly ordered CPU; it may reorder stores to different addresses";
#else
    return "neither x86 nor ARM; see its memory model";
#endif
}

int main() {
    auto boxes = std::make_unique<Mailbox[]>(messages);

    // The writer fills each mailbox, then raises its flag. memory_order_relaxed makes the
    // flag's store atomic and nothing more: it does not promise that the payload written
    // on the line above becomes visible to another thread before the flag does. The
    // compiler may move the payload's stores below the flag's, and so may the CPU.
    std::jthread writer([&boxes] {
        for (std::size_t i = 0; i < messages; ++i) {
            for (long& word : boxes[i].payload)
                word = static_cast<long>(i);
            boxes[i].full.store(true, std::memory_order_relaxed);  // THE BUG: should be release
        }
    });

    // The reader waits for each flag, then reads the payload. Seeing the flag set tells
    // it nothing about the payload: no happens-before edge links the writer's payload
    // stores to these loads, so they race, and the program has undefined behaviour.
    std::size_t stale = 0;
    for (std::size_t i = 0; i < messages; ++i) {
        while (!boxes[i].full.load(std::memory_order_relaxed))
            std::this_thread::yield();
        for (const long word : boxes[i].payload) {
            if (word != static_cast<long>(i)) ++stale;
        }
    }
    writer.join();

    std::cout
        << "this CPU: " << this_cpu() << '\n'
        << "relaxed flag: " << messages << " messages, stale payload words seen: " << stale << '\n'
        << "a count of 0 proves nothing: the race is there, and -fsanitize=thread reports it\n";
}

// Output of one run on x86-64 (the count of stale words is 0 on x86 and may not be on ARM;
// under ThreadSanitizer the report of the race on `payload` follows, and the exit status is 66):
//
//   $ ./01_relaxed_flag
//   this CPU: <...>
//   relaxed flag: 2000 messages, stale payload words seen: <n>
//   a count of 0 proves nothing: the race is there, and -fsanitize=thread reports it
