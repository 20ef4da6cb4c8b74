// 09_zombies.cpp: an exited, unreaped child is a zombie; reaping, SIGCHLD, and orphans.
//
// When a child exits, the kernel frees its memory but keeps its PID and exit
// status until the parent collects them with a wait call ("reaping"). Until
// then the child is a zombie, state Z. A parent that never waits leaks one PID
// per child. Python's multiprocessing reaps for you (join(), and at exit);
// with fork() it is our job. A child whose parent dies first is an orphan: the
// kernel hands it to init (PID 1) or to the nearest "subreaper" ancestor.

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <cerrno>
#include <chrono>
#include <csignal>
#include <fstream>
#include <iostream>
#include <string>
#include <system_error>
#include <thread>

// Field 3 of /proc/<pid>/stat is the state: R running, S sleeping, Z zombie...
// A process that no longer exists has no /proc/<pid> at all.
std::string state_of(pid_t pid) {
    std::ifstream stat{"/proc/" + std::to_string(pid) + "/stat"};
    std::string line;
    if (!std::getline(stat, line)) return "gone (no /proc/" + std::to_string(pid) + " any more)";
    return line.substr(line.rfind(')') + 2, 1);  // the name in (...) may hold spaces
}

std::string name_of(pid_t pid) {
    std::string name = "?";
    std::getline(std::ifstream{"/proc/" + std::to_string(pid) + "/comm"}, name);
    return name;
}

pid_t fork_or_throw() {
    std::cout.flush();
    const pid_t pid = fork();
    if (pid == -1) throw std::system_error(errno, std::generic_category(), "fork");
    return pid;
}

struct Pipe {
    int read_end = -1;
    int write_end = -1;
};
Pipe make_pipe() {
    int fds[2];
    if (pipe(fds) == -1) throw std::system_error(errno, std::generic_category(), "pipe");
    return {fds[0], fds[1]};
}

// The SIGCHLD handler may only call async-signal-safe functions: it writes one
// byte to a pipe that the main loop watches (the "self-pipe trick").
int sigchld_pipe_write_end = -1;
extern "C" void on_sigchld(int) {
    const int saved_errno = errno;
    const char byte = 1;
    [[maybe_unused]] const ssize_t ignored = write(sigchld_pipe_write_end, &byte, 1);
    errno = saved_errno;
}

// An orphan: our child starts a grandchild and exits at once. After we have
// reaped the child, we let the grandchild ask who its parent is now.
void make_an_orphan() {
    const Pipe go = make_pipe();    // we close our write end: "go ahead"
    const Pipe done = make_pipe();  // the grandchild's exit closes it: "finished"
    const pid_t child = fork_or_throw();
    if (child == 0) {
        if (fork() == 0) {
            close(go.write_end);
            close(done.read_end);
            char byte = 0;
            [[maybe_unused]] const ssize_t eof = read(go.read_end, &byte, 1);
            const pid_t parent = getppid();
            std::cout << "  orphan " << getpid() << ": my parent is now " << parent << " ("
                      << name_of(parent) << ")" << std::endl;
            _exit(0);
        }
        _exit(0);  // the grandchild's parent is gone
    }
    waitpid(child, nullptr, 0);  // once reaped, the orphan has its new parent
    close(go.read_end);
    close(done.write_end);
    close(go.write_end);  // go
    char byte = 0;
    while (read(done.read_end, &byte, 1) > 0) {
    }
    close(done.read_end);
}

int main() {
    // 1. A zombie. waitid(..., WNOWAIT) waits until the child has exited but
    //    leaves it unreaped, so we can look at it.
    pid_t pid = fork_or_throw();
    if (pid == 0) _exit(7);
    siginfo_t info{};
    waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT);
    std::cout << "child " << pid << " has exited, not yet reaped: state " << state_of(pid)
              << " (zombie)\n";
    int status = 0;
    waitpid(pid, &status, 0);
    std::cout << "waitpid reaped it (exit status " << WEXITSTATUS(status) << "), state "
              << state_of(pid) << ", its PID can be reused\n";

    // 2. Reaping whoever has finished, as a server does: SIGCHLD wakes us up,
    //    then waitpid(-1, WNOHANG) in a loop. The loop matters: SIGCHLDs that
    //    arrive while one is pending merge into one.
    const Pipe wake = make_pipe();
    fcntl(wake.read_end, F_SETFL, O_NONBLOCK);
    fcntl(wake.write_end, F_SETFL, O_NONBLOCK);
    sigchld_pipe_write_end = wake.write_end;
    struct sigaction action {};
    action.sa_handler = on_sigchld;
    action.sa_flags = SA_RESTART;
    sigaction(SIGCHLD, &action, nullptr);

    const int work_ms[] = {30, 30, 30, 30, 120};  // four finish together, one later
    for (int job = 0; job < 5; ++job) {
        if (fork_or_throw() == 0) {
            // Simulated work: sleep_for pauses the calling thread, the child's only one.
            std::this_thread::sleep_for(std::chrono::milliseconds(work_ms[job]));
            _exit(job);
        }
    }
    std::cout << "started 5 children; reaping them as SIGCHLD arrives:\n";
    int wake_ups = 0;
    for (int reaped = 0; reaped < 5;) {
        // poll() is never restarted after a signal: EINTR just means "look again".
        pollfd ready{wake.read_end, POLLIN, 0};
        int events = 0;
        while ((events = poll(&ready, 1, 2000)) == -1 && errno == EINTR) {
        }
        if (events <= 0) throw std::runtime_error("no SIGCHLD within 2 s");
        ++wake_ups;
        char bytes[16];
        while (read(wake.read_end, bytes, sizeof bytes) > 0) {  // empty the pipe
        }
        while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
            ++reaped;
            std::cout << "  reaped child " << pid << " (job " << WEXITSTATUS(status)
                      << ") at wake-up " << wake_ups << '\n';
        }
    }
    std::cout << "5 children reaped after " << wake_ups
              << " wake-ups: one wake-up may stand for several exits\n";
    signal(SIGCHLD, SIG_DFL);

    // 3. Orphans, first with the default rules, then with us as a subreaper
    //    (Linux: prctl(PR_SET_CHILD_SUBREAPER)), so the orphan comes back to us.
    std::cout << "we are " << getpid() << "; an orphan whose parent exits:\n";
    make_an_orphan();
#ifdef PR_SET_CHILD_SUBREAPER
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    std::cout << "the same, now that we are a subreaper:\n";
    make_an_orphan();
    pid = waitpid(-1, &status, 0);  // the orphan is our child now: we must reap it
    std::cout << "  we reaped the orphan " << pid << " ourselves\n";
#endif
}

// Output of one run (PIDs differ; so do the order of the exits and how many wake-ups it takes to
// reap them, and the orphan's default parent: init, systemd or a subreaper):
//
//   $ ./09_zombies
//   child <n> has exited, not yet reaped: state Z (zombie)
//   waitpid reaped it (exit status 7), state gone (no /proc/<n> any more), its PID can be reused
//   started 5 children; reaping them as SIGCHLD arrives:
//   ~   reaped child <n> (job 0) at wake-up <n>
//   ~   reaped child <n> (job 1) at wake-up <n>
//   ~   reaped child <n> (job 2) at wake-up <n>
//   ~   reaped child <n> (job 3) at wake-up <n>
//   ~   reaped child <n> (job 4) at wake-up <n>
//   5 children reaped after <n> wake-ups: one wake-up may stand for several exits
//   we are <n>; an orphan whose parent exits:
//     orphan <n>: my parent is now <n> (<...>)
//   the same, now that we are a subreaper:
//     orphan <n>: my parent is now <n> (09_zombies)
//     we reaped the orphan <n> ourselves
