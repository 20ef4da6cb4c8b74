// 11_barrier.cpp: std::barrier with a completion function runs the rounds of a simulation; the same with a barrier made of a mutex and a condition variable.
#include <barrier>
#include <condition_variable>
#include <cstddef>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

// What std::barrier does, by hand. The round number is the heart of it: a waiter waits
// for the round to change, not for the count to reach some value, because the last thread
// to arrive resets the count for the next round at once, and a fast thread may already
// arrive again before a slow one has even woken up.
template <typename OnRoundEnd>
class HandMadeBarrier {
public:
    HandMadeBarrier(int parties, OnRoundEnd on_round_end)
        : parties_(parties), waiting_(parties), on_round_end_(std::move(on_round_end)) {}

    void arrive_and_wait() {
        std::unique_lock lock(mutex_);
        const long round = round_;
        if (--waiting_ == 0) {
            on_round_end_();  // before anyone leaves: they will all see what it did
            waiting_ = parties_;
            ++round_;
            next_round_.notify_all();
            return;
        }
        next_round_.wait(lock, [this, round] { return round_ != round; });
    }

private:
    std::mutex mutex_;
    std::condition_variable next_round_;
    const int parties_;
    int waiting_;
    long round_ = 0;
    OnRoundEnd on_round_end_;
};

// A row of cells, each dead or alive; in every round a cell becomes alive when exactly one
// of its two neighbours was alive (the "rule 90" automaton). Four threads each compute a
// quarter of the next row from the current one; the barrier's completion function, run
// once per round by the last thread to arrive, swaps the rows and draws the new one.
constexpr int width = 31;
constexpr int rounds = 15;
constexpr int workers = 4;

template <template <typename> typename Barrier>
std::vector<std::string> simulate() {
    std::vector<char> current(width, 0);
    std::vector<char> next(width, 0);
    current[width / 2] = 1;
    std::vector<std::string> drawing;
    const auto draw = [&] {
        std::string row;
        for (const char cell : current)
            row += cell ? '#' : '.';
        drawing.push_back(row);
    };
    draw();

    // The completion runs while every worker is blocked in the barrier: it alone touches
    // the rows then, and the workers see its swap when they are released. std::barrier
    // takes its type as a template argument, and requires it not to throw.
    const auto end_of_round = [&]() noexcept {
        current.swap(next);
        draw();
    };
    Barrier<decltype(end_of_round)> barrier(workers, end_of_round);
    {
        std::vector<std::jthread> threads;
        for (int w = 0; w < workers; ++w) {
            threads.emplace_back([&, w] {
                const int begin = w * width / workers;
                const int end = (w + 1) * width / workers;
                for (int round = 0; round < rounds; ++round) {
                    for (int i = begin; i < end; ++i) {
                        const char left = i > 0 ? current[static_cast<std::size_t>(i - 1)] : 0;
                        const char right =
                            i + 1 < width ? current[static_cast<std::size_t>(i + 1)] : 0;
                        next[static_cast<std::size_t>(i)] = left != right;
                    }
                    // Nobody may read `current` for the next round before all have written
                    // `next`, nor write `next` again before the swap: one barrier does both.
                    barrier.arrive_and_wait();
                }
            });
        }
    }  // the jthreads join here
    return drawing;
}

int main() {
    const auto with_std = simulate<std::barrier>();
    const auto by_hand = simulate<HandMadeBarrier>();
    for (const std::string& row : with_std)
        std::cout << row << '\n';
    std::cout << rounds << " rounds with std::barrier; the hand-made barrier drew the same rows: "
              << (with_std == by_hand ? "yes" : "NO") << '\n';
}

// Output of one run (the same every time):
//
//   $ ./11_barrier
//   ...............#...............
//   ..............#.#..............
//   .............#...#.............
//   ............#.#.#.#............
//   ...........#.......#...........
//   ..........#.#.....#.#..........
//   .........#...#...#...#.........
//   ........#.#.#.#.#.#.#.#........
//   .......#...............#.......
//   ......#.#.............#.#......
//   .....#...#...........#...#.....
//   ....#.#.#.#.........#.#.#.#....
//   ...#.......#.......#.......#...
//   ..#.#.....#.#.....#.#.....#.#..
//   .#...#...#...#...#...#...#...#.
//   #.#.#.#.#.#.#.#.#.#.#.#.#.#.#.#
//   15 rounds with std::barrier; the hand-made barrier drew the same rows: yes
