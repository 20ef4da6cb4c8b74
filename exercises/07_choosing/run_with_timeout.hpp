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
    // TODO: note the deadline (std::chrono::steady_clock::now() + timeout), make a pipe
    //       (pipe2 with O_CLOEXEC) and fork.
    // TODO: in the child: close the read end, run fn() inside try/catch, write a tag byte
    //       ('R' before a result, 'E' before an exception's what() text) and the text, then _exit(0).
    // TODO: in the parent: close the write end; poll() the read end with the time left until
    //       the deadline, reading whatever arrives, until read() returns 0 or the deadline passes.
    // TODO: at the deadline: kill(pid, SIGKILL). In every case: close the read end, then waitpid.
    // TODO: fill in the Outcome: timed_out, crashed (WIFSIGNALED, WTERMSIG), failed (the child
    //       exited non-zero or sent nothing, or sent 'E'), or finished with the value.
    throw std::logic_error("TODO: run_with_timeout.hpp: run_with_timeout() is not written yet");
}

}  // namespace course
