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
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
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
constexpr int found_damage = 3;  // the child's exit status when it wrote a report

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
// The child writes what it found into `report` and exits with found_damage; or exits 0
// after most_rounds intact rounds; or is killed by a signal when the damage hit the heap,
// or hangs.
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
            _exit(found_damage);
        }
    }
    _exit(0);
}

std::string without_a_lock() {
    int fds[2];
    if (pipe(fds) == -1) throw std::system_error(errno, std::generic_category(), "pipe");
    // Close-on-exec: a program the child may start (a sanitizer's symbolizer, say) must
    // not inherit the write end, or our read would wait for that program to end too.
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    std::cout.flush();
    const pid_t pid = fork();
    if (pid == -1) throw std::system_error(errno, std::generic_category(), "fork");
    if (pid == 0) {
        close(fds[0]);
        race_in_child(fds[1]);
    }
    close(fds[1]);
    // Damaged memory can also make the child hang (say, on a lock whose state the race
    // broke), so we wait for its report at most most_seconds, then kill it.
    constexpr int most_seconds = 10;
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(most_seconds);
    std::string text;
    bool hung = false;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            give_up - std::chrono::steady_clock::now());
        pollfd report{fds[0], POLLIN, 0};
        const int ready = poll(&report, 1, static_cast<int>(std::max<long>(0, left.count())));
        if (ready == 0) {
            hung = true;
            kill(pid, SIGKILL);
            break;
        }
        if (ready == -1 && errno == EINTR) continue;
        char buffer[256];
        const ssize_t got = read(fds[0], buffer, sizeof buffer);
        if (got > 0) text.append(buffer, static_cast<std::size_t>(got));
        if (got == 0 || (got == -1 && errno != EINTR)) break;
    }
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) == -1 && errno == EINTR) {
    }
    if (hung) {
        return "damaged: the child stopped making progress and was killed after " +
               std::to_string(most_seconds) + " s";
    }
    if (WIFSIGNALED(status)) {
        return std::string("damaged: the child crashed with signal ") +
               std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) +
               "): the race corrupted memory, not just the count";
    }
    if (WEXITSTATUS(status) == found_damage) return "damaged: " + text;
    if (WEXITSTATUS(status) != 0) {  // e.g. a sanitizer that found the damage first
        return "damaged: the child ended with status " + std::to_string(WEXITSTATUS(status));
    }
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
// lost, a crash with signal 6 or 11, or a child that hangs):
//
//   $ ./09_shared_containers
//   1. two threads push_back into one std::vector, no lock (in a child process):
//      damaged: <...>
//   2. the same under a std::mutex: 2000000 elements, every value exactly once
//   3. one vector per thread, merged after join: 2000000 elements, every value exactly once
