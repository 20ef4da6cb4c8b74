// workers.hpp: start N worker processes at once and collect their exit statuses in order.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace course {

/// \brief Starts `count` worker processes at once, then waits for every one of them: the
/// C++ mirror of calling `multiprocessing.Process(target=work, args=(i,)).start()` for each
/// i, and then `join()` on each.
///
/// Worker i runs `work(i)` in a process of its own and exits with the value it returns as
/// its exit status, so only 0 to 255 survive the trip. An exception of any type escaping
/// `work(i)` makes the worker exit with status 1, as an uncaught exception does to a Python
/// `Process`. A worker ends with `_exit()`: it never returns into the caller's code, and
/// never flushes the stdio buffers it copied from the caller (which `exit()` would write a
/// second time). Every worker is started before the first one is waited for, so they all
/// run at the same time.
///
/// \returns the exit statuses in the order of i (not in the order the workers finished),
///          with minus the signal number for a worker killed by a signal.
/// \throws std::invalid_argument when `count` is negative.
/// \throws std::system_error when a worker cannot be started; the workers already started
///         are waited for first.
///
/// No worker is left behind: each one is reaped before this function returns or throws.
/// Only the workers are waited for, by their PIDs: other children of the caller are left
/// alone. A wait interrupted by a signal (`EINTR`) is resumed.
///
/// \code
/// auto squares = course::run_workers(4, [](int i) { return i * i; });  // {0, 1, 4, 9}
/// \endcode
inline std::vector<int> run_workers(int count, const std::function<int(int)>& work) {
    // TODO: reject a negative count with std::invalid_argument.
    // TODO: fork `count` children first, keeping their PIDs; in child i, call work(i) (catching
    //       any exception: status 1) and end the child with _exit(status), never return.
    // TODO: if fork fails, wait for the children already started, then throw std::system_error.
    // TODO: then waitpid each PID in the order they were started and decode each wait status
    //       (WEXITSTATUS, or minus WTERMSIG for a signal).
    throw std::logic_error("TODO: workers.hpp: run_workers() is not written yet");
}

}  // namespace course
