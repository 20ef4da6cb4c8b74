// exit_code.hpp: run a program and report how it ended, like Python's subprocess.call().
#pragma once

#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

extern char** environ;

namespace course {

/// \brief Runs a program, waits for it and returns how it ended: the C++ mirror of
/// Python's `subprocess.call(argv)`.
///
/// `argv[0]` names the program, looked up in `PATH` as a shell would; the other elements
/// are its arguments, passed exactly as they are (no shell is involved, so nothing is
/// split or expanded).
///
/// \returns the program's exit status (0 to 255) when it exits, or minus the number of the
///          signal that killed it (`-9` for `SIGKILL`), like Python's `returncode`.
/// \throws std::invalid_argument when `argv` is empty.
/// \throws std::system_error carrying the `errno` value when the program cannot be started
///         (`ENOENT` when there is no such program), where Python raises `FileNotFoundError`.
///
/// The child is always waited for, so no zombie is left behind. Only that child: other
/// children of the caller are left alone (no `wait()` or `waitpid(-1, ...)`, which reap
/// whichever child ends first). A wait interrupted by a signal (`EINTR`) is resumed.
///
/// \code
/// course::call({"true"});                    // 0
/// course::call({"sh", "-c", "exit 3"});      // 3, like subprocess.call("exit 3", shell=True)
/// course::call({"sh", "-c", "kill -9 $$"});  // -9
/// \endcode
inline int call(const std::vector<std::string>& argv) {
    if (argv.empty()) throw std::invalid_argument("call: empty argument list");

    // posix_spawnp wants a null-terminated array of non-const C strings.
    std::vector<char*> args;
    for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);

    // Unlike fork + exec, posix_spawnp reports a program that cannot run as its return
    // value, so there is no child to clean up in that case.
    pid_t pid = 0;
    const int error = posix_spawnp(&pid, args[0], nullptr, nullptr, args.data(), environ);
    if (error != 0) {
        throw std::system_error(error, std::generic_category(), "call: cannot start " + argv[0]);
    }

    // waitpid both collects the status and reaps the child; a signal handler elsewhere in
    // the program may interrupt it, which is no reason to give up.
    int status = 0;
    while (waitpid(pid, &status, 0) == -1) {
        if (errno != EINTR) throw std::system_error(errno, std::generic_category(), "call: waitpid");
    }
    if (WIFSIGNALED(status)) return -WTERMSIG(status);
    return WEXITSTATUS(status);
}

}  // namespace course
