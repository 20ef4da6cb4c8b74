// capture_output.hpp: run a program and capture its standard output through a pipe.
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

extern char** environ;

namespace course {

/// What a finished program did: the mirror of Python's `subprocess.CompletedProcess`.
struct CompletedProcess {
    int returncode = 0;  ///< exit status, or minus the signal number, as course::call() returns
    std::string output;  ///< every byte it wrote to its standard output
};

/// \brief Runs a program and captures everything it writes to its standard output: the
/// mirror of Python's `subprocess.run(argv, stdout=subprocess.PIPE)`.
///
/// `argv` is as for course::call(): `argv[0]` is looked up in `PATH`, no shell is involved.
/// The program's standard error is not captured: it goes where ours goes.
///
/// The output may be far larger than a pipe's buffer (64 KiB on Linux): it must be read
/// while the program runs, because a program writing to a full pipe blocks until someone
/// reads, and will never exit while we wait for it.
///
/// \returns its return code (see course::call()) and its complete output.
/// \throws std::invalid_argument when `argv` is empty.
/// \throws std::system_error carrying the `errno` value when the program cannot be started
///         (`ENOENT` when there is no such program), or when the pipe cannot be made.
///
/// No descriptor is left open and no child is left behind, whatever happens. Both ends of
/// the pipe are close-on-exec (`O_CLOEXEC`), so that no program started meanwhile, nor one
/// the child leaves running in the background, holds the pipe open: the output ends when
/// the program's own standard output closes. Only the program's child is waited for (never
/// another child of the caller), and reads and the wait interrupted by a signal (`EINTR`)
/// are resumed.
///
/// \code
/// auto done = course::run_capture({"echo", "hello"});  // {0, "hello\n"}
/// \endcode
inline CompletedProcess run_capture(const std::vector<std::string>& argv) {
    if (argv.empty()) throw std::invalid_argument("run_capture: empty argument list");

    // O_CLOEXEC keeps both ends out of any other program this process starts meanwhile.
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
        throw std::system_error(errno, std::generic_category(), "run_capture: pipe");
    }
    const int read_end = pipe_fds[0];
    const int write_end = pipe_fds[1];

    // In the child, the write end becomes its standard output (dup2 clears O_CLOEXEC on
    // the copy); both originals close at exec.
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, write_end, STDOUT_FILENO);

    std::vector<char*> args;
    for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    const int error = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);

    // Our copy of the write end must go, or read() would never see end-of-file: a pipe
    // reports EOF only once every write end is closed.
    close(write_end);
    if (error != 0) {
        close(read_end);
        throw std::system_error(error, std::generic_category(), "run_capture: cannot start " + argv[0]);
    }

    // Drain the pipe until EOF first, and only then wait: waiting first deadlocks as soon
    // as the output fills the pipe.
    CompletedProcess done;
    char buffer[65536];
    for (;;) {
        const ssize_t n = read(read_end, buffer, sizeof buffer);
        if (n > 0) {
            done.output.append(buffer, static_cast<std::size_t>(n));
        } else if (n == 0 || errno != EINTR) {
            break;
        }
    }
    close(read_end);

    int status = 0;
    while (waitpid(pid, &status, 0) == -1 && errno == EINTR) {
    }
    done.returncode = WIFSIGNALED(status) ? -WTERMSIG(status) : WEXITSTATUS(status);
    return done;
}

}  // namespace course
