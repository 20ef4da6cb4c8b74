// 06_spawn_a_program.cpp: run a program (subprocess.Popen): posix_spawnp vs fork + execvp.
//
// exec replaces the program a process runs; it does not make a new process.
// To run another program beside ours we need a new process AND an exec in it:
// posix_spawnp() does both in one call, fork() + execvp() in two steps with our
// own code in between. Both search PATH for the program, like subprocess.Popen.
// posix_spawnp() is the safe default: none of our code runs in the child, so it
// is fine in a threaded program too (example 10), and it does not copy our
// page tables (measured at the end). fork() + exec is for when the child must
// do something first that posix_spawn's file actions and attributes cannot.

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

extern char** environ;  // our environment, handed on to the new program

// Memory our program holds, like a big data set would be. It is a global so that
// the optimiser keeps it although we never read it.
std::vector<char> ballast;

// exec wants a null-terminated array of char*. We build it BEFORE any fork, and
// keep the strings alive beside it (so an Argv is never copied).
class Argv {
public:
    explicit Argv(std::vector<std::string> args) : strings_(std::move(args)) {
        for (std::string& s : strings_) pointers_.push_back(s.data());
        pointers_.push_back(nullptr);
    }
    Argv(const Argv&) = delete;
    Argv& operator=(const Argv&) = delete;
    const char* program() const { return pointers_.front(); }
    char* const* get() const { return pointers_.data(); }

private:
    std::vector<std::string> strings_;
    std::vector<char*> pointers_;
};

// One call. It returns 0 or an error number (it does not set errno). glibc and
// macOS report a failed exec here; POSIX also allows a child exiting with 127.
int spawn_program(const Argv& argv, pid_t& pid) {
    return posix_spawnp(&pid, argv.program(), nullptr, nullptr, argv.get(), environ);
}

// Two steps. A failed exec happens in the child, after fork() has already
// returned, so the child must tell us: it writes errno into a pipe marked
// close-on-exec. A successful exec closes that pipe, and we read 0 bytes.
int fork_exec(const Argv& argv, pid_t& pid) {
    int report[2];
    if (pipe(report) == -1) throw std::system_error(errno, std::generic_category(), "pipe");
    fcntl(report[1], F_SETFD, FD_CLOEXEC);
    pid = fork();
    if (pid == -1) {
        const int error = errno;
        close(report[0]);
        close(report[1]);
        throw std::system_error(error, std::generic_category(), "fork");
    }
    if (pid == 0) {
        close(report[0]);
        execvp(argv.program(), argv.get());
        const int error = errno;  // still here: exec failed
        while (write(report[1], &error, sizeof error) == -1 && errno == EINTR) {
        }
        _exit(127);
    }
    close(report[1]);
    int error = 0;
    ssize_t got = 0;
    while ((got = read(report[0], &error, sizeof error)) == -1 && errno == EINTR) {
    }
    close(report[0]);
    return got == static_cast<ssize_t>(sizeof error) ? error : 0;
}

std::string wait_for(pid_t pid) {
    int status = 0;
    while (waitpid(pid, &status, 0) == -1 && errno == EINTR) {
    }
    if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
    return "was killed by signal " + std::to_string(WTERMSIG(status));
}

void run(const char* how, int (*start)(const Argv&, pid_t&), const Argv& argv) {
    std::cout << how << "(\"" << argv.program() << "\", ...):" << std::endl;  // flush first
    pid_t pid = -1;
    if (const int error = start(argv, pid); error != 0) {
        std::cout << "    could not run it: " << std::strerror(error) << '\n';
    }
    if (pid == -1) return;  // a failed posix_spawnp leaves no process behind
    std::cout << "    child " << pid << " " << wait_for(pid) << '\n';
}

// The median time, over 11 runs, that the parent spends inside the call that
// starts the program `true`: for fork() the copy of our page tables, for
// posix_spawnp() a clone that shares our memory plus the exec itself.
double median_ms_in_call(bool use_fork) {
    const Argv argv{{"true"}};
    std::vector<double> times;
    for (int i = 0; i < 11; ++i) {
        pid_t pid = -1;
        const auto begin = std::chrono::steady_clock::now();
        if (use_fork) {
            pid = fork();
            if (pid == 0) {
                execvp(argv.program(), argv.get());
                _exit(127);
            }
        } else if (const int error = spawn_program(argv, pid); error != 0) {
            throw std::system_error(error, std::generic_category(), "posix_spawnp");
        }
        const auto end = std::chrono::steady_clock::now();
        if (pid == -1) throw std::system_error(errno, std::generic_category(), "fork");
        wait_for(pid);
        times.push_back(std::chrono::duration<double, std::milli>(end - begin).count());
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

void measure(const char* parent) {
    std::cout << "  " << parent << ": fork() " << median_ms_in_call(true) << " ms, posix_spawnp() "
              << median_ms_in_call(false) << " ms\n";
}

int main() {
    const Argv echo{{"echo", "hello from echo, a separate program"}};
    run("posix_spawnp", spawn_program, echo);
    run("fork+execvp", fork_exec, echo);

    const Argv missing{{"no-such-program", "--help"}};
    run("posix_spawnp", spawn_program, missing);
    run("fork+execvp", fork_exec, missing);

    // fork() copies our page tables, so it costs more as we grow; posix_spawn
    // (a vfork-like clone in glibc) borrows our memory until its exec.
    std::cout << "time the parent spends starting `true` (median of 11; "
              << std::thread::hardware_concurrency() << " hardware threads; varies run to run):\n";
    std::cout.precision(3);
    std::cout << std::fixed;
    measure("parent using a few MiB");
    ballast.assign(std::size_t{64} << 20, 1);  // every page written, so really in use
    measure("parent holding 64 MiB more");
}

// Output of one run (PIDs and times differ; the times vary a lot on a busy machine):
//
//   $ ./06_spawn_a_program
//   posix_spawnp("echo", ...):
//   hello from echo, a separate program
//       child <n> exited with status 0
//   fork+execvp("echo", ...):
//   hello from echo, a separate program
//       child <n> exited with status 0
//   posix_spawnp("no-such-program", ...):
//       could not run it: No such file or directory
//   fork+execvp("no-such-program", ...):
//       could not run it: No such file or directory
//       child <n> exited with status 127
//   time the parent spends starting `true` (median of 11; <n> hardware threads; varies run to run):
//     parent using a few MiB: fork() <n> ms, posix_spawnp() <n> ms
//     parent holding 64 MiB more: fork() <n> ms, posix_spawnp() <n> ms
