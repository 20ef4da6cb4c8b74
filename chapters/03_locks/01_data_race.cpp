// 01_data_race.cpp: two threads do `x += 1` on one plain int with no lock: a data race, which is undefined behaviour.
//
// THIS PROGRAM CONTAINS A DATA RACE ON PURPOSE. Built with -fsanitize=thread (the
// course's tsan preset), ThreadSanitizer reports it and the run exits with status 66:
// that report is the point of the example. Built normally, it runs and exits 0.
#include <iostream>
#include <functional>
#include <latch>
#include <thread>

constexpr int increments_per_thread = 1'000'000;

// Shared by both threads, with nothing to order their accesses.
int counter = 0;

// The articles' "two functions which both iterate a variable by 1". ++counter is a
// load, an add and a store; two threads interleaving them lose increments. Worse, the
// language says a data race is undefined behaviour, so the compiler may assume it never
// happens: at -O2 it may keep counter in a register and store it once at the end.
void add_many(std::latch& start_line) {
    start_line.arrive_and_wait();  // both threads start together, to overlap as much as possible
    for (int i = 0; i < increments_per_thread; ++i) {
        ++counter;  // the race: an unsynchronised read-modify-write of shared memory
    }
}

int main() {
    constexpr int expected = 2 * increments_per_thread;
    for (int round = 1; round <= 5; ++round) {
        counter = 0;  // no thread is running here, so this write is fine
        std::latch start_line(2);
        std::thread first(add_many, std::ref(start_line));
        std::thread second(add_many, std::ref(start_line));
        first.join();
        second.join();
        // After both joins, reading counter is not itself a race; its value is just garbage.
        std::cout << "round " << round << ": expected " << expected << ", got " << counter;
        if (counter == expected) {
            std::cout << "  (right this time: that proves nothing, the race is still there)\n";
        } else {
            std::cout << "  (lost " << expected - counter << " increments)\n";
        }
    }
    std::cout << "build with -fsanitize=thread to see the race reported, whatever the totals say\n";
}

// Output of one run without optimisation (g++ -O0; the totals differ from run to run):
//
//   $ ./01_data_race
//   round 1: expected 2000000, got 1143147  (lost 856853 increments)
//   round 2: expected 2000000, got 2000000  (right this time: that proves nothing, the race is still there)
//   round 3: expected 2000000, got 1159929  (lost 840071 increments)
//   round 4: expected 2000000, got 1103211  (lost 896789 increments)
//   round 5: expected 2000000, got 1140628  (lost 859372 increments)
//   build with -fsanitize=thread to see the race reported, whatever the totals say
//
// Output of an optimised build (g++ -O2), where each loop became one addition; still a race:
//
//   $ ./01_data_race
//   round 1: expected 2000000, got 2000000  (right this time: that proves nothing, the race is still there)
//   round 2: expected 2000000, got 2000000  (right this time: that proves nothing, the race is still there)
//   ...
//   build with -fsanitize=thread to see the race reported, whatever the totals say
