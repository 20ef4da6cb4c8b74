// run_with_timeout.hpp: run a function in a child process with a deadline, so that a crash is contained and a runaway is killed.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <exception>
#include <functional>
#include <stdexcept>
#include <string>
#include <system_error>

namespace course {

/// How a function run by run_with_timeout() ended.
struct Outcome {
    enum class Kind {
        finished,   ///< it returned: `value` holds what it returned
        failed,     ///< it threw (`value` holds the exception's what() text, or says it was no std::exception), or its process exited without a result
        crashed,    ///< a signal killed its process (a segfault, abort()...): `signal` says which
        timed_out,  ///< it was still running at the deadline, and its process was killed
    };
    Kind kind = Kind::failed;
    std::string value;  ///< the result (finished) or the error message (failed)
    int signal = 0;     ///< the signal that killed the process (crashed), otherwise 0
};

/// \brief Runs `fn()` in a child process and waits at most `timeout` for it: what
/// `ProcessPoolExecutor().submit(fn).result(timeout=...)` promises, except that here the
/// runaway is really stopped (Python's pool leaves it running).
///
/// This is where processes win in C++: a thread that loops forever or corrupts memory
/// cannot be stopped or contained; a child process is killed with `SIGKILL`, and its crash
/// is only a wait status for the caller.
///
/// The child runs `fn()` on a copy of the caller's memory and sends its string back
/// through a pipe, which the parent reads while it waits (a result may be larger than a
/// pipe holds). The child ends with `_exit()`, never by returning into the caller's code.
///
/// \param fn the function to run; its result may hold any bytes.
/// \param timeout how long to wait, from the start, before the child is killed.
/// \returns an Outcome: finished with the value, failed with a message, crashed with a
///          signal number, or timed_out.
/// \throws std::system_error when the pipe or the child cannot be created.
///
/// Whatever the outcome, the child is gone when the call returns (killed if need be, and
/// reaped: no zombie), and no descriptor is left open. Only that child is reaped (by its
/// pid), never another child of the caller; the pipe is close-on-exec, so a program that
/// another thread starts meanwhile does not hold its write end; and a signal that
/// interrupts the wait (`EINTR`) neither ends it nor moves the deadline. The caller should be
/// single-threaded, or `fn` should not touch locks other threads may hold (chapter 01:
/// fork copies only the calling thread).
///
/// \code
/// course::Outcome out = course::run_with_timeout([] { return untrusted_parse(input); }, 500ms);
/// if (out.kind == course::Outcome::Kind::timed_out) std::puts("the parser hung; killed it");
/// \endcode
inline Outcome run_with_timeout(const std::function<std::string()>& fn, std::chrono::milliseconds timeout) {
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + timeout;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "run_with_timeout: pipe");
    std::fflush(nullptr);  // the child must not print the caller's buffered output a second time
    const pid_t pid = ::fork();
    if (pid < 0) {
        const int error = errno;
        ::close(fds[0]);
        ::close(fds[1]);
        throw std::system_error(error, std::generic_category(), "run_with_timeout: fork");
    }
    if (pid == 0) {
        // The child: a tag byte, 'R' before a result and 'E' before an error message.
        ::close(fds[0]);
        std::string message;
        try {
            message = "R" + fn();
        } catch (const std::exception& e) {
            message = std::string("E") + e.what();
        } catch (...) {
            message = "Ean exception that is not a std::exception";
        }
        for (std::size_t sent = 0; sent < message.size();) {
            const ssize_t n = ::write(fds[1], message.data() + sent, message.size() - sent);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) ::_exit(2);
            sent += static_cast<std::size_t>(n);
        }
        ::_exit(0);
    }

    // The parent: read as the data comes, until end of file (the child is gone) or the
    // deadline, whichever is first. Only the child holds the write end now.
    ::close(fds[1]);
    std::string received;
    bool timed_out = false;
    char buffer[65536];
    for (;;) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) {
            timed_out = true;
            break;
        }
        pollfd watch{fds[0], POLLIN, 0};
        const int ready = ::poll(&watch, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready == 0) continue;  // the loop head sees the deadline
        const ssize_t n = ::read(fds[0], buffer, sizeof buffer);
        if (n > 0) received.append(buffer, static_cast<std::size_t>(n));
        else if (n == 0 || errno != EINTR) break;
    }
    ::close(fds[0]);
    if (timed_out) ::kill(pid, SIGKILL);  // a thread cannot be stopped like this; a process can
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }

    Outcome outcome;
    if (timed_out) {
        outcome.kind = Outcome::Kind::timed_out;
    } else if (WIFSIGNALED(status)) {
        outcome.kind = Outcome::Kind::crashed;
        outcome.signal = WTERMSIG(status);
    } else if (WEXITSTATUS(status) != 0 || received.empty()) {
        outcome.kind = Outcome::Kind::failed;
        outcome.value = "the child exited with status " + std::to_string(WEXITSTATUS(status)) + " without a result";
    } else {
        outcome.kind = received[0] == 'R' ? Outcome::Kind::finished : Outcome::Kind::failed;
        outcome.value = received.substr(1);
    }
    return outcome;
}

}  // namespace course
