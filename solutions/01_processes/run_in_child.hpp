// run_in_child.hpp: run a function in a child process and bring its result back through a pipe.
#pragma once

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <exception>
#include <functional>
#include <stdexcept>
#include <string>
#include <system_error>

namespace course {

/// \brief Runs `fn()` in a child process and returns the string it returns, carried back
/// through a pipe: what `ProcessPoolExecutor().submit(fn).result()` does for one call.
///
/// The child works on a copy of this process's memory, so whatever `fn` changes there,
/// the caller never sees: only the returned string comes back (it may be large, and may
/// hold any bytes, including zeros).
///
/// \throws std::runtime_error with the same `what()` text when `fn` throws a
///         `std::exception` in the child, as `result()` re-raises the task's exception;
///         also when it throws anything else (then with a message saying so). Whatever
///         `fn` throws stays in the child: it never unwinds into the caller's code there.
/// \throws std::runtime_error when the child ends without a result: killed by a signal,
///         or gone through `exit()` or `_exit()` inside `fn`.
/// \throws std::system_error carrying the `errno` value when the pipe or the child cannot
///         be created; nothing is left open then either.
///
/// The child is always reaped and the pipe closed. The child ends with `_exit()`, so it
/// never flushes the stdio buffers it copied from the caller (which `exit()` would write a
/// second time). The pipe is close-on-exec (`O_CLOEXEC`), so that a program `fn` leaves
/// running does not hold it open. Only the call's own child is waited for (never another
/// child of the caller), and reads and the wait interrupted by a signal (`EINTR`) are
/// resumed.
///
/// \code
/// std::string pid = course::run_in_child([] { return std::to_string(getpid()); });
/// \endcode
inline std::string run_in_child(const std::function<std::string()>& fn) {
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
        throw std::system_error(errno, std::generic_category(), "run_in_child: pipe");
    }
    const pid_t pid = fork();
    if (pid < 0) {
        const int error = errno;
        close(pipe_fds[0]);
        close(pipe_fds[1]);
        throw std::system_error(error, std::generic_category(), "run_in_child: fork");
    }

    if (pid == 0) {
        // The child: one tag byte says what follows, R for a result and E for an error
        // message, so that an empty result and no result at all look different.
        close(pipe_fds[0]);
        std::string message;
        try {
            message = "R" + fn();
        } catch (const std::exception& e) {
            message = std::string("E") + e.what();
        } catch (...) {
            message = "Ean exception that is not a std::exception";
        }
        std::size_t sent = 0;
        while (sent < message.size()) {
            const ssize_t n = write(pipe_fds[1], message.data() + sent, message.size() - sent);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) _exit(2);
            sent += static_cast<std::size_t>(n);
        }
        _exit(0);
    }

    // The parent: close our write end so that read() sees EOF when the child is done,
    // read everything, then reap the child.
    close(pipe_fds[1]);
    std::string received;
    char buffer[65536];
    for (;;) {
        const ssize_t n = read(pipe_fds[0], buffer, sizeof buffer);
        if (n > 0) {
            received.append(buffer, static_cast<std::size_t>(n));
        } else if (n == 0 || errno != EINTR) {
            break;
        }
    }
    close(pipe_fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) == -1 && errno == EINTR) {
    }

    if (WIFSIGNALED(status)) {
        throw std::runtime_error(std::string("run_in_child: the child was killed by signal ") +
                                 std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) + ")");
    }
    if (WEXITSTATUS(status) != 0 || received.empty()) {
        throw std::runtime_error("run_in_child: the child exited with status " +
                                 std::to_string(WEXITSTATUS(status)) + " without a result");
    }
    if (received[0] == 'E') throw std::runtime_error(received.substr(1));
    return received.substr(1);
}

}  // namespace course
