// 05_dining_deadlock.cpp: five dining philosophers each take their left fork and deadlock; a watchdog process sees the silence, prints the cycle, kills the dinner and exits 1.
//
// The dinner deadlocks on purpose; exit status 1 is the program's point (the chapter's
// CMakeLists.txt declares it). The watchdog is a separate process, as in the course's
// grader: a process stuck in a deadlock cannot be saved from inside, but it can be killed.
#include <array>
#include <cerrno>
#include <csignal>
#include <iostream>
#include <latch>
#include <mutex>
#include <poll.h>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

constexpr std::size_t n = 5;

// The philosophers report each step to the watchdog as a short line: "H p f" (p holds
// fork f), "W p f" (p waits for fork f), "E p" (p ate). One write() per line, and lines
// are far below PIPE_BUF, so lines from different threads never mix.
void report(int fd, const std::string& line) {
    [[maybe_unused]] const ssize_t written = ::write(fd, line.data(), line.size());
}

// Runs in the child process: the dinner itself.
[[noreturn]] void dinner(int report_fd) {
    std::array<std::mutex, n> forks;
    std::latch all_hold_their_left_fork{n};
    std::vector<std::thread> philosophers;
    for (std::size_t p = 0; p < n; ++p) {
        philosophers.emplace_back([&, p] {
            const std::size_t left = p, right = (p + 1) % n;
            forks[left].lock();
            report(report_fd, "H " + std::to_string(p) + ' ' + std::to_string(left) + '\n');
            // We make all five hold their left fork before anyone reaches for the right
            // one: the fatal interleaving, on every run instead of once in a while.
            all_hold_their_left_fork.arrive_and_wait();
            report(report_fd, "W " + std::to_string(p) + ' ' + std::to_string(right) + '\n');
            forks[right].lock();  // never returns: our right neighbour holds it as their left
            report(report_fd, "E " + std::to_string(p) + '\n');
            forks[right].unlock();
            forks[left].unlock();
        });
    }
    for (auto& t : philosophers) t.join();
    ::_exit(0);
}

int main() {
    int fds[2];
    if (::pipe(fds) != 0) return 2;
    std::cout.flush();
    const pid_t child = ::fork();
    if (child < 0) return 2;
    if (child == 0) {
        ::close(fds[0]);
        dinner(fds[1]);
    }
    ::close(fds[1]);  // keep only the read end, so that EOF means "the dinner ended"

    // The watchdog: it follows the reports and gives up after 1 s without one.
    std::array<int, n> holds, waits_for;
    holds.fill(-1);
    waits_for.fill(-1);
    int meals = 0;

    // Who holds the fork that philosopher p waits for? Following that link from
    // philosopher 0 and coming back to 0 means a cycle of waits: a deadlock.
    auto holder_of = [&](int fork) {
        for (std::size_t q = 0; q < n; ++q)
            if (fork >= 0 && holds[q] == fork) return static_cast<int>(q);
        return -1;
    };
    auto cycle_from_0 = [&] {
        std::vector<int> path{0};
        for (std::size_t step = 0; step < n; ++step) {
            const int next = holder_of(waits_for[static_cast<std::size_t>(path.back())]);
            if (next < 0) return std::vector<int>{};
            path.push_back(next);
            if (next == 0) return path;
        }
        return std::vector<int>{};
    };

    std::string pending;
    pollfd watch{fds[0], POLLIN, 0};
    std::vector<int> cycle;
    for (int silent_seconds = 0; silent_seconds < 10;) {
        const int ready = ::poll(&watch, 1, 1000);
        if (ready < 0 && errno == EINTR) continue;
        if (ready == 0) {
            // Silence for 1 s. With a cycle of waits, that is a deadlock. Without one, the
            // machine may just be busy: we give the dinner up to 10 s.
            ++silent_seconds;
            if (!(cycle = cycle_from_0()).empty()) break;
            continue;
        }
        char buffer[256];
        const ssize_t got = ::read(fds[0], buffer, sizeof buffer);
        if (got <= 0) {  // EOF: the dinner ended by itself
            ::waitpid(child, nullptr, 0);
            std::cout << "the dinner ended with " << meals << " meals: no deadlock this time\n";
            return 0;
        }
        silent_seconds = 0;
        pending.append(buffer, static_cast<std::size_t>(got));
        for (std::size_t end; (end = pending.find('\n')) != std::string::npos;
             pending.erase(0, end + 1)) {
            std::istringstream line(pending.substr(0, end));
            char kind = 0;
            int p = 0, fork = 0;
            line >> kind >> p >> fork;
            if (kind == 'H') holds[static_cast<std::size_t>(p)] = fork;
            if (kind == 'W') waits_for[static_cast<std::size_t>(p)] = fork;
            if (kind == 'E') ++meals;
        }
    }

    std::cout << "watchdog: the dinner (PID " << child << ") has gone silent\n";
    for (std::size_t p = 0; p < n; ++p)
        std::cout << "  philosopher " << p << " holds fork " << holds[p] << " and waits for fork "
                  << waits_for[p] << " (held by philosopher " << holder_of(waits_for[p]) << ")\n";
    if (!cycle.empty()) {
        std::cout << "cycle:";
        for (std::size_t i = 0; i < cycle.size(); ++i) std::cout << (i ? " -> " : " ") << cycle[i];
        std::cout << ": each waits for the next, none can eat: deadlock\n";
    }

    // Nothing inside the child can undo this; we end it from outside.
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    ::close(fds[0]);
    if (WIFSIGNALED(status))
        std::cout << "killed the dinner: it ended by signal " << WTERMSIG(status) << " (SIGKILL)\n";
    std::cout << (cycle.empty() ? "no progress for 10 s: exiting with status 1\n"
                                : "deadlock detected: exiting with status 1 on purpose\n");
    return 1;
}

// Output of one run (the PID differs from run to run; the exit status is 1 on purpose):
//
//   $ ./05_dining_deadlock
//   watchdog: the dinner (PID <n>) has gone silent
//     philosopher 0 holds fork 0 and waits for fork 1 (held by philosopher 1)
//     philosopher 1 holds fork 1 and waits for fork 2 (held by philosopher 2)
//     philosopher 2 holds fork 2 and waits for fork 3 (held by philosopher 3)
//     philosopher 3 holds fork 3 and waits for fork 4 (held by philosopher 4)
//     philosopher 4 holds fork 4 and waits for fork 0 (held by philosopher 0)
//   cycle: 0 -> 1 -> 2 -> 3 -> 4 -> 0: each waits for the next, none can eat: deadlock
//   killed the dinner: it ended by signal 9 (SIGKILL)
//   deadlock detected: exiting with status 1 on purpose
