// process_pool.hpp: a ProcessPoolExecutor in C++: forked workers, framed pipes, pipelined tasks, BrokenProcessPool.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <deque>
#include <exception>
#include <functional>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace course {

/// \brief The error of every unfinished task once a worker process has died without being
/// asked to (killed by a signal, or gone through `exit()`), and of every `submit()` after
/// that: Python's `concurrent.futures.process.BrokenProcessPool`.
class BrokenProcessPool : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// \brief A fixed set of worker processes that run one function on the payloads you
/// submit, and hand the results back through futures: Python's `ProcessPoolExecutor`.
///
/// A process cannot receive a function, only bytes. So the function is given once, to the
/// constructor, and reaches every worker through `fork()` (each child starts as a copy of
/// this process); what travels is data. Each task is a frame (a 4-byte length, then the
/// payload) on the worker's task pipe; each result is a frame on its result pipe: a tag
/// byte, `R` for a result or `E` for an error message, then the text.
///
/// Tasks are pipelined: `submit()` never waits for a worker. It appends the frame to the
/// worker's outgoing buffer and returns; one I/O thread in this process writes those
/// buffers in large chunks, reads the results, and fulfils the promises in order (a
/// worker answers its tasks in the order it received them). Many tasks are in flight per
/// worker at once, so millions of tiny tasks cost a few system calls per thousand.
///
/// A worker that dies without being asked to breaks the pool, as in Python: every task not
/// answered yet, on any worker, fails with BrokenProcessPool, the other workers are
/// killed (`SIGKILL`) and reaped, and `submit()` throws BrokenProcessPool from then on.
/// Results that arrived before the death stay as they were.
///
/// The pool keeps to its own: every pipe it makes is close-on-exec (`O_CLOEXEC`), so a
/// program that another thread starts meanwhile holds none of them (and cannot keep a
/// worker from seeing end of file); it reaps each worker by its pid, never just any child
/// of this process (the program may have children of its own); and a worker ends with
/// `_exit()`, never `exit()`, which would write out a second time the unflushed stdio
/// buffers it inherited from this process, and run this process's destructors.
///
/// Fork first, threads after: every worker is forked in the constructor, before the I/O
/// thread starts. A child forked from a threaded process inherits every mutex in the state
/// it had at that instant, including ones held by threads that do not exist in the child
/// (the allocator's, stdio's), so its first `malloc` may wait forever. The pool must
/// therefore be created while the calling process has a single thread (or, at least, no
/// thread holding a lock), and creating another pool later is safe only after this one's
/// I/O thread has been joined (`shutdown()`).
///
/// Thread-safety: `submit()` may be called from several threads at once. `shutdown()` may
/// be called more than once, from any thread.
///
/// \code
/// course::ProcessPool pool(4, [](std::string_view text) { return std::string(text.rbegin(), text.rend()); });
/// std::future<std::string> reversed = pool.submit("hello");
/// std::cout << reversed.get() << '\n';   // olleh
/// \endcode
class ProcessPool {
public:
    /// \brief Forks `workers` worker processes, each of which runs `work(payload)` for every
    /// task it receives, like `ProcessPoolExecutor(max_workers)`.
    /// \param workers how many processes; at least 1.
    /// \param work the function every task runs, in a worker. What it returns is the task's
    ///        result; a `std::exception` it throws becomes the task's error (its `what()`),
    ///        and so does anything else it throws (with a message that says so).
    ///        It must not return into the caller by other means (it runs in a child).
    /// \throws std::invalid_argument when `workers` is 0.
    /// \throws std::system_error when a pipe or a process cannot be created (the workers
    ///         already started are stopped and reaped first).
    ProcessPool(std::size_t workers, std::function<std::string(std::string_view)> work) : work_(std::move(work)) {
        // TODO: throw std::invalid_argument when workers == 0.
        // TODO: for each worker: a task pipe and a result pipe (pipe2 with O_CLOEXEC), fork();
        //       the child closes every pipe end that is not its own (other workers' too) and
        //       serves tasks until end of file, then _exit(0); the parent keeps its two ends.
        // TODO: only after the last fork: whatever wakes the I/O thread, then the I/O thread.
        // TODO: if anything fails, kill and reap the workers already started, then rethrow.
        (void)workers;
        throw std::logic_error("TODO: process_pool.hpp: ProcessPool() is not written yet");
    }

    ProcessPool(const ProcessPool&) = delete;
    ProcessPool& operator=(const ProcessPool&) = delete;

    /// \brief `shutdown(true)`: every submitted task still finishes, every worker is reaped.
    ~ProcessPool() {
        shutdown(true);
        // TODO: close what shutdown() left open (a wake-up pipe, say).
    }

    /// \brief Sends `payload` to a worker and returns at once with the future of
    /// `work(payload)`, like `pool.submit(fn, payload)`.
    ///
    /// The task goes to the worker with the fewest unfinished tasks.
    /// \returns a future that becomes ready with the result; `get()` throws
    ///          std::runtime_error with the message when `work` threw, and
    ///          BrokenProcessPool when a worker of the pool died before this task was
    ///          answered.
    /// \throws BrokenProcessPool once a worker has died on its own.
    /// \throws std::runtime_error after `shutdown()`.
    /// \throws std::length_error for a payload of 4 GiB or more.
    std::future<std::string> submit(std::string payload) {
        // TODO: under the lock: throw BrokenProcessPool if a worker died on its own, or
        //       std::runtime_error after shutdown(); pick a worker; append the task's frame
        //       (4-byte length, then the payload) to what is waiting to be sent to it; keep
        //       a std::promise in that worker's queue of unanswered tasks.
        // TODO: wake the I/O thread (once per batch is enough) and return the future.
        (void)payload;
        throw std::logic_error("TODO: process_pool.hpp: submit() is not written yet");
    }

    /// \brief Stops the pool and reaps every worker before it returns, like
    /// `pool.shutdown(wait)`; no task is accepted after it.
    ///
    /// \param wait true: every task submitted so far is still sent, run and answered; then
    ///        each task pipe is closed, each worker reads end of file and exits, and is
    ///        reaped. false: the workers are killed at once (`SIGKILL`, like Python 3.14's
    ///        `kill_workers()`) and reaped; unfinished futures report
    ///        `std::future_errc::broken_promise`.
    /// No child (running or zombie) and no pipe of the pool is left afterwards.
    void shutdown(bool wait = true) {
        // TODO: mark the pool as stopping (and, if !wait, as killing), wake the I/O thread and
        //       join it. The I/O thread does the rest: it sends what is left, closes each task
        //       pipe (or kills the workers), reads results until end of file, and reaps.
        (void)wait;
        throw std::logic_error("TODO: process_pool.hpp: shutdown() is not written yet");
    }

    /// \brief How many worker processes the pool started.
    std::size_t size() const {
        // TODO: the number of workers started.
        throw std::logic_error("TODO: process_pool.hpp: size() is not written yet");
    }

private:
    static void close_fd(int& fd) {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
    // Writes all of `data`, however many write() calls that takes; false on an error.
    static bool write_all(int fd, const std::string& data) {
        std::size_t done = 0;
        while (done < data.size()) {
            const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return false;
            done += static_cast<std::size_t>(n);
        }
        return true;
    }

    // TODO: the worker process's loop: read() a chunk, append it to a buffer, answer every
    //       WHOLE frame in the buffer ('R' + result, or 'E' + what()), keep the incomplete
    //       rest for the next read, write the answers. A frame may need many read() calls.
    // TODO: the I/O thread's loop: poll() the wake-up pipe, every result pipe, and the task
    //       pipes with bytes to send; write what fits; cut whole result frames and fulfil
    //       the front promises of that worker; on end of file, waitpid() that worker (by its
    //       pid). If it died on its own (it still had tasks, or you had not closed its task
    //       pipe), the pool is broken: fail the unanswered promises of EVERY worker with
    //       BrokenProcessPool, and kill and reap the other workers.
    // TODO: block SIGPIPE in the I/O thread, so that a write to a dead worker fails with EPIPE.

    // TODO: the members: one record per worker (pid, the two pipe ends, the bytes waiting to
    //       be sent, the promises of its unanswered tasks), a mutex, the stopping and broken
    //       states, the wake-up pipe, the I/O thread.
    std::function<std::string(std::string_view)> work_;
};

}  // namespace course
