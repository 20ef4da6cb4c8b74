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
    // TODO: reject an empty argv with std::invalid_argument.
    // TODO: make a pipe (pipe2 with O_CLOEXEC), and start the program with its standard output on
    //       the pipe's write end (posix_spawn_file_actions_adddup2 + posix_spawnp).
    // TODO: close the write end in this process, then read the read end until read() returns 0.
    // TODO: only then waitpid the child, and decode its status as course::call() does.
    // TODO: make sure no descriptor stays open on any path, including a program that cannot start.
    throw std::logic_error("TODO: capture_output.hpp: run_capture() is not written yet");
}

}  // namespace course
