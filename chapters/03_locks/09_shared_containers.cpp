// 09_shared_containers.cpp: list.append is atomic under the GIL; vector::push_back from two threads is a data race.
//
// In CPython two threads may append to one list without a lock: the GIL makes each
// append one indivisible step. No C++ standard container makes that promise. Calling
// push_back from two threads at once is a data race on the vector's size, its pointer
// and, when it grows, on the memory it frees: elements go missing, or the heap itself
// is damaged and the program crashes later, somewhere else.
//
// Part 1 does it on purpose, in a child process, so that a crash costs us nothing; we
// fork it before this process starts any thread (chapter 01's rule). Parts 2 and 3 are
// the two usual fixes: a mutex around the container, or one container per thread,
// merged after join().

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <latch>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

constexpr int values_per_thread = 1'000'000;
constexpr int most_rounds = 20;

// Did every value 0 .. 2 * values_per_thread - 1 arrive exactly once? Thread t pushes
// the values t * values_per_thread + i.
std::string check(const std::vector<int>& values) {
    std::vector<int> seen(2 * values_per_thread, 0);
    long strangers = 0;
    for (const int value : values) {
        if (value < 0 || value >= 2 * values_per_thread) {
            ++strangers;
        } else {
            ++seen[static_cast<std::size_t>(value)];
        }
    }
    long missing = 0;
    for (const int count : seen) missing += (count == 0);
    if (values.size() == seen.size() && missing == 0 && strangers == 0) return "";
    return std::to_string(values.size()) + " elements instead of " + std::to_string(seen.size()) +
           ", " + std::to_string(missing) + " values missing";
}

// Two threads, started together, each pushing its own values through `push`.
template <typename Push>
void push_from_two_threads(Push push) {
    std::latch start_line(2);
    const auto pusher = [&](int thread) {
        start_line.arrive_and_wait();
        for (int i = 0; i < values_per_thread; ++i) push(thread, thread * values_per_thread + i);
    };
    std::jthread first(pusher, 0);
    std::jthread second(pusher, 1);
}

// Part 1, in the child: rounds of unguarded push_backs until the vector comes out wrong.
// The child writes what it found into `report` and exits 1; or exits 0 after most_rounds
// intact rounds; or is killed by a signal when the damage hit the heap.
[[noreturn]] void race_in_child(int report) {
    const int quiet = open("/dev/null", O_WRONLY);
    dup2(quiet, STDERR_FILENO);  // glibc's "corrupted" message would arrive anywhere
    for (int round = 1; round <= most_rounds; ++round) {
        std::vector<int> shared;
        push_from_two_threads([&shared](int, int value) { shared.push_back(value); });  // the race
        const std::string damage = check(shared);
        if (!damage.empty()) {
            const std::string text = "round " + std::to_string(round) + ": " + damage;
            [[maybe_unused]] const ssize_t put = write(report, text.data(), text.size());
            _exit(1);
        }
    }
    _exit(0);
}

std::string without_a_lock() {
    int fds[2];
    if (pipe(fds) == -1) throw std::system_error(errno, std::generic_category(), "pipe");
    std::cout.flush();
    const pid_t pid = fork();
    if (pid == -1) throw std::system_error(errno, std::generic_category(), "fork");
    if (pid == 0) {
        close(fds[0]);
        race_in_child(fds[1]);
    }
    close(fds[1]);
    std::string text;
    char buffer[256];
    for (ssize_t got; (got = read(fds[0], buffer, sizeof buffer)) != 0;) {
        if (got > 0) text.append(buffer, static_cast<std::size_t>(got));
        if (got == -1 && errno != EINTR) break;
    }
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) == -1 && errno == EINTR) {
    }
    if (WIFSIGNALED(status)) {
        return std::string("damaged: the child crashed with signal ") +
               std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) +
               "): the race corrupted memory, not just the count";
    }
    if (WEXITSTATUS(status) == 1) return "damaged: " + text;
    return "no damage in " + std::to_string(most_rounds) +
           " rounds: luck, the race is still there (ThreadSanitizer reports it)";
}

int main() {
    // 1. Python's `for v in mine: shared.append(v)` in two threads, written in C++.
    std::cout << "1. two threads push_back into one std::vector, no lock (in a child process):\n   "
              << without_a_lock() << '\n';

    // 2. The fix that keeps one container: every access, reads included, under one mutex.
    std::vector<int> guarded;
    std::mutex guarded_mutex;
    push_from_two_threads([&](int, int value) {
        std::lock_guard lock(guarded_mutex);
        guarded.push_back(value);
    });
    const std::string damage = check(guarded);
    std::cout << "2. the same under a std::mutex: " << guarded.size() << " elements, "
              << (damage.empty() ? "every value exactly once" : damage) << '\n';

    // 3. Often better: share nothing while working. Each thread fills a vector of its
    //    own (thread t writes only mine[t], a different object), and we merge after
    //    join(), which makes every thread's writes visible to us. No lock at all.
    std::vector<std::vector<int>> mine(2);
    push_from_two_threads([&mine](int thread, int value) {
        mine[static_cast<std::size_t>(thread)].push_back(value);
    });
    std::vector<int> merged = std::move(mine[0]);
    merged.insert(merged.end(), mine[1].begin(), mine[1].end());
    const std::string merge_damage = check(merged);
    std::cout << "3. one vector per thread, merged after join: " << merged.size() << " elements, "
              << (merge_damage.empty() ? "every value exactly once" : merge_damage) << '\n';
}

// Output of one run (how the unguarded vector is damaged differs from run to run: elements
// lost, or a crash with signal 6 or 11):
//
//   $ ./09_shared_containers
//   1. two threads push_back into one std::vector, no lock (in a child process):
//      damaged: <...>
//   2. the same under a std::mutex: 2000000 elements, every value exactly once
//   3. one vector per thread, merged after join: 2000000 elements, every value exactly once
