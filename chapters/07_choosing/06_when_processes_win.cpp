// 06_when_processes_win.cpp: where a process beats a thread in C++: a crash is contained, a runaway task can be killed, memory can be capped, another program can run.
#include <poll.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <new>
#include <string>
#include <vector>

extern char** environ;
using namespace std::chrono_literals;

// ASan and TSan reserve terabytes of address space for their shadow memory, so an
// address-space limit (RLIMIT_AS) breaks them. Part 3 is skipped in such builds.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool under_sanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool under_sanitizer = true;
#else
constexpr bool under_sanitizer = false;
#endif
#else
constexpr bool under_sanitizer = false;
#endif

std::string describe(int status) {
    if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) + ")";
    return "stopped";
}

// Runs `task` in a child process with a deadline. The child reports nothing but its
// exit status; the parent waits on a pipe that the child's death closes, so a crash,
// a normal exit and a timeout are all noticed without polling.
std::string run_isolated(const std::function<int()>& task, std::chrono::milliseconds deadline) {
    int alive[2];
    if (::pipe(alive) != 0) return "pipe failed";
    std::fflush(stdout);
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::close(alive[0]);   // we keep the write end open until we die, whatever the cause
        ::_exit(task());
    }
    ::close(alive[1]);
    pollfd watch{alive[0], POLLIN, 0};
    const bool ended = ::poll(&watch, 1, static_cast<int>(deadline.count())) > 0;  // POLLHUP at death
    ::close(alive[0]);
    std::string note;
    if (!ended) {
        ::kill(pid, SIGKILL);  // a thread cannot be killed safely; a process can
        note = " after the " + std::to_string(deadline.count()) + " ms deadline";
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return "child " + describe(status) + note;
}

int main() {
    std::printf("this process: %d, and it is still running at the end\n\n", ::getpid());

    // 1. A bug that kills its process: in a thread, it would take down the whole
    //    program with it. In a child, the parent learns of it and carries on.
    std::printf("a task that crashes (abort, e.g. a failed assert):\n");
    std::printf("  %s\n", run_isolated([] { std::abort(); return 0; }, 2000ms).c_str());

    // 2. A task that never ends (a bug, or untrusted code). A std::jthread can only be
    //    asked to stop, and this one would never check. A process is killed from outside.
    std::printf("a task that never finishes:\n");
    std::printf("  %s\n", run_isolated([] {
                    volatile unsigned long spins = 0;
                    for (;;) {
                        spins = spins + 1;
                    }
                    return 0;
                }, 200ms).c_str());

    // 3. A memory cap: setrlimit applies to one whole process, so only a child can have
    //    its own. Here the child may map 256 MiB and asks for 1 GiB; new throws in the
    //    child, and the parent's memory is untouched.
    std::printf("a task that wants too much memory (limit 256 MiB):\n");
    if (under_sanitizer) {
        std::printf("  (skipped: this build runs under a sanitizer)\n");
    } else {
        std::printf("  %s\n", run_isolated([] {
                        const rlimit cap{256u << 20, 256u << 20};
                        ::setrlimit(RLIMIT_AS, &cap);
                        try {
                            std::vector<char> big(1u << 30, 'x');
                            return big[42] == 'x' ? 0 : 1;
                        } catch (const std::bad_alloc&) {
                            std::printf("  (child: std::bad_alloc, giving up with status 3)\n");
                            std::fflush(stdout);
                            return 3;
                        }
                    }, 2000ms).c_str());
    }

    // 4. Running another program is always a process: posix_spawn (a new process and its
    //    exec in one call; not a fork, see chapter 01). This is
    //    Python's subprocess.call("exit 1", shell=True), which returns 1.
    pid_t pid = 0;
    char sh[] = "sh", flag[] = "-c", script[] = "exit 1";
    char* argv[] = {sh, flag, script, nullptr};
    int status = 0;
    if (::posix_spawnp(&pid, "sh", nullptr, nullptr, argv, environ) == 0) ::waitpid(pid, &status, 0);
    std::printf("another program, sh -c 'exit 1':\n  child %s\n", describe(status).c_str());
}

// Output of one run (the PID varies):
//
//   $ ./06_when_processes_win
//   this process: <n>, and it is still running at the end
//
//   a task that crashes (abort, e.g. a failed assert):
//     child was killed by signal 6 (Aborted)
//   a task that never finishes:
//     child was killed by signal 9 (Killed) after the 200 ms deadline
//   a task that wants too much memory (limit 256 MiB):
//     (child: std::bad_alloc, giving up with status 3)
//     child exited with status 3
//   another program, sh -c 'exit 1':
//     child exited with status 1
