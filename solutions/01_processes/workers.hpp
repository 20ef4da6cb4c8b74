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
    if (count < 0) throw std::invalid_argument("run_workers: negative count");

    // waitpid fills in a wait status; a signal handler elsewhere may interrupt it.
    const auto wait_for = [](pid_t pid) {
        int status = 0;
        while (waitpid(pid, &status, 0) == -1 && errno == EINTR) {
        }
        return status;
    };

    // Start them all first: waiting inside this loop would run the workers one by one.
    std::vector<pid_t> pids;
    for (int i = 0; i < count; ++i) {
        const pid_t pid = fork();
        if (pid < 0) {
            const int error = errno;
            for (const pid_t started : pids) wait_for(started);
            throw std::system_error(error, std::generic_category(), "run_workers: fork");
        }
        if (pid == 0) {
            int status = 1;
            try {
                status = work(i);
            } catch (...) {
                // Same as Python: an uncaught exception ends the worker with status 1.
            }
            // _exit, not exit or return: the child must not go back into the parent's code,
            // flush the stdio buffers it copied, or run the parent's destructors.
            _exit(status & 0xff);
        }
        pids.push_back(pid);
    }

    // Waiting for each PID in turn gives the results in the order of i, whatever order
    // the workers finish in.
    std::vector<int> statuses;
    for (const pid_t pid : pids) {
        const int status = wait_for(pid);
        statuses.push_back(WIFSIGNALED(status) ? -WTERMSIG(status) : WEXITSTATUS(status));
    }
    return statuses;
}

}  // namespace course
