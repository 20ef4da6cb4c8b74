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
        if (workers == 0) throw std::invalid_argument("ProcessPool: at least one worker is needed");
        try {
            for (std::size_t i = 0; i < workers; ++i) start_worker();
            int wake[2];
            if (pipe2(wake, O_CLOEXEC | O_NONBLOCK) != 0) throw_errno("pipe2");
            wake_read_ = wake[0];
            wake_write_ = wake[1];
            // The first thread of the pool, started after the last fork.
            io_thread_ = std::thread([this] { io_loop(); });
        } catch (...) {
            abandon_workers();
            throw;
        }
    }

    ProcessPool(const ProcessPool&) = delete;
    ProcessPool& operator=(const ProcessPool&) = delete;

    /// \brief `shutdown(true)`: every submitted task still finishes, every worker is reaped.
    ~ProcessPool() {
        shutdown(true);
        close_fd(wake_read_);  // here, not in shutdown(): a submit() racing with it may still write
        close_fd(wake_write_);
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
        if (payload.size() > UINT32_MAX) throw std::length_error("ProcessPool: a payload must be below 4 GiB");
        std::promise<std::string> promise;
        std::future<std::string> future = promise.get_future();
        bool wake = false;
        {
            std::scoped_lock lock(mutex_);
            if (!broken_.empty()) throw BrokenProcessPool(broken_);
            if (stopping_) throw std::runtime_error("cannot schedule new futures after shutdown");
            Worker& worker = least_busy();
            append_frame(worker.outbox, payload);
            worker.unfinished.push_back(std::move(promise));
            wake = !wake_pending_;
            wake_pending_ = true;
        }
        // One byte on the wake pipe per batch: the I/O thread takes every buffer at once.
        if (wake) wake_io_thread();
        return future;
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
        {
            std::scoped_lock lock(mutex_);
            stopping_ = true;
            if (!wait) killing_ = true;
        }
        wake_io_thread();
        std::scoped_lock join_lock(join_mutex_);
        if (io_thread_.joinable()) io_thread_.join();
    }

    /// \brief How many worker processes the pool started.
    std::size_t size() const { return workers_.size(); }

private:
    struct Worker {
        pid_t pid = -1;
        int tasks = -1;    // write end of the task pipe; the I/O thread closes it
        int results = -1;  // read end of the result pipe
        // Guarded by mutex_:
        std::string outbox;                             // frames submit() added, not yet taken
        std::deque<std::promise<std::string>> unfinished;  // in the order the tasks were sent
        bool alive = true;
        // The I/O thread's own:
        std::string sending;  // frames being written
        std::size_t sent = 0;
        std::string received;  // bytes read, not yet a whole frame
    };

    [[noreturn]] static void throw_errno(const char* what) {
        throw std::system_error(errno, std::generic_category(), std::string("ProcessPool: ") + what);
    }
    static void close_fd(int& fd) {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
    static void append_frame(std::string& out, std::string_view payload) {
        const auto length = static_cast<std::uint32_t>(payload.size());
        out.append(reinterpret_cast<const char*>(&length), sizeof length);
        out.append(payload);
    }
    // The next whole frame in buffer[offset...], or false if it has not fully arrived.
    static bool next_frame(const std::string& buffer, std::size_t& offset, std::string_view& frame) {
        std::uint32_t length = 0;
        if (buffer.size() - offset < sizeof length) return false;
        std::memcpy(&length, buffer.data() + offset, sizeof length);
        if (buffer.size() - offset - sizeof length < length) return false;
        frame = std::string_view(buffer).substr(offset + sizeof length, length);
        offset += sizeof length + length;
        return true;
    }
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

    void start_worker() {
        int tasks[2], results[2];
        if (pipe2(tasks, O_CLOEXEC) != 0) throw_errno("pipe2");
        if (pipe2(results, O_CLOEXEC) != 0) {
            const int error = errno;
            ::close(tasks[0]);
            ::close(tasks[1]);
            throw std::system_error(error, std::generic_category(), "ProcessPool: pipe2");
        }
        const pid_t pid = fork();
        if (pid < 0) {
            const int error = errno;
            for (int fd : {tasks[0], tasks[1], results[0], results[1]}) ::close(fd);
            throw std::system_error(error, std::generic_category(), "ProcessPool: fork");
        }
        if (pid == 0) {
            // The child keeps its own two ends only. A copy of another worker's task pipe
            // would keep that worker from ever reading end of file.
            for (Worker& other : workers_) {
                ::close(other.tasks);
                ::close(other.results);
            }
            ::close(tasks[1]);
            ::close(results[0]);
            serve(tasks[0], results[1]);
        }
        ::close(tasks[0]);
        ::close(results[1]);
        Worker& worker = workers_.emplace_back();
        worker.pid = pid;
        worker.tasks = tasks[1];
        worker.results = results[0];
        // The I/O thread never blocks on a full task pipe: it writes what fits.
        fcntl(worker.tasks, F_SETFL, fcntl(worker.tasks, F_GETFL) | O_NONBLOCK);
    }

    // The worker process: read tasks in chunks, answer every whole frame, send the answers
    // of one chunk with one write. End of file on the task pipe means shutdown.
    [[noreturn]] void serve(int tasks, int results) {
        std::string received, answers;
        std::vector<char> chunk(1 << 16);
        for (;;) {
            const ssize_t n = ::read(tasks, chunk.data(), chunk.size());
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) _exit(n == 0 ? 0 : 2);
            received.append(chunk.data(), static_cast<std::size_t>(n));
            std::size_t offset = 0;
            std::string_view payload;
            while (next_frame(received, offset, payload)) {
                std::string reply;
                try {
                    reply = "R" + work_(payload);
                } catch (const std::exception& error) {
                    reply = std::string("E") + error.what();
                } catch (...) {
                    reply = "Ean exception that is not a std::exception";
                }
                append_frame(answers, reply);
            }
            received.erase(0, offset);
            if (!write_all(results, answers)) _exit(3);
            answers.clear();
        }
    }

    // Lock held. Scans from a rotating start, so that equally busy workers take turns.
    Worker& least_busy() {
        Worker* best = nullptr;
        for (std::size_t i = 0; i < workers_.size(); ++i) {
            Worker& w = workers_[(next_ + i) % workers_.size()];
            if (w.alive && (best == nullptr || w.unfinished.size() < best->unfinished.size())) best = &w;
        }
        next_ = (next_ + 1) % workers_.size();
        return *best;  // broken_ is set before the last worker can die, so one is alive
    }

    void wake_io_thread() {
        const char byte = 'w';
        // A full wake pipe (EAGAIN) already holds a wake-up; nothing else can fail here.
        [[maybe_unused]] const ssize_t n = ::write(wake_write_, &byte, 1);
    }

    // The I/O thread: sends what submit() queued, reads results, fulfils promises, and
    // reaps workers whose result pipe reaches end of file.
    void io_loop() {
        // A write to the task pipe of a dead worker must fail with EPIPE, not kill the
        // whole test program with SIGPIPE: block it in this thread (the only writer).
        sigset_t sigpipe;
        sigemptyset(&sigpipe);
        sigaddset(&sigpipe, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &sigpipe, nullptr);

        std::vector<pollfd> watch;
        std::vector<Worker*> owner;
        std::vector<std::promise<std::string>> done;
        std::vector<std::string_view> answers;
        for (;;) {
            bool kill_now = false;
            {
                std::scoped_lock lock(mutex_);
                wake_pending_ = false;
                kill_now = killing_;
                for (Worker& w : workers_) {
                    if (w.tasks < 0) {
                        w.outbox.clear();  // a dead worker's task pipe: nothing goes there
                    } else if (!w.outbox.empty()) {
                        if (w.sent == w.sending.size()) {
                            w.sending.clear();
                            w.sent = 0;
                            w.sending.swap(w.outbox);
                        } else {
                            w.sending += w.outbox;
                            w.outbox.clear();
                        }
                    }
                }
                if (stopping_) {
                    // Everything sent: closing the task pipe tells the worker to exit.
                    for (Worker& w : workers_) {
                        if (w.sent == w.sending.size() || kill_now) close_fd(w.tasks);
                    }
                }
            }
            if (kill_now) {
                for (Worker& w : workers_) {
                    if (w.pid > 0) ::kill(w.pid, SIGKILL);
                }
            }

            watch.assign(1, pollfd{wake_read_, POLLIN, 0});
            owner.assign(1, nullptr);
            for (Worker& w : workers_) {
                if (w.results < 0) continue;
                short events = POLLIN;
                if (w.tasks >= 0 && w.sent < w.sending.size()) events |= POLLOUT;
                watch.push_back(pollfd{w.results, POLLIN, 0});
                owner.push_back(&w);
                if (events & POLLOUT) {
                    watch.push_back(pollfd{w.tasks, POLLOUT, 0});
                    owner.push_back(&w);
                }
            }
            if (owner.size() == 1) return;  // every worker has been reaped

            if (::poll(watch.data(), watch.size(), -1) < 0 && errno != EINTR) return;
            if (watch[0].revents != 0) {
                char drain[256];
                while (::read(wake_read_, drain, sizeof drain) > 0) {
                }
            }
            for (std::size_t i = 1; i < watch.size(); ++i) {
                if (watch[i].revents == 0) continue;
                Worker& w = *owner[i];
                // A reap earlier in this round may have closed this worker's pipes.
                if (watch[i].events == POLLOUT && watch[i].fd == w.tasks) {
                    send_some(w, sigpipe);
                } else if (watch[i].events == POLLIN && watch[i].fd == w.results) {
                    receive_some(w, done, answers);
                }
            }
        }
    }

    void send_some(Worker& w, const sigset_t& sigpipe) {
        const ssize_t n = ::write(w.tasks, w.sending.data() + w.sent, w.sending.size() - w.sent);
        if (n > 0) {
            w.sent += static_cast<std::size_t>(n);
        } else if (n < 0 && errno == EPIPE) {
            // The worker is gone; end of file on its result pipe will tell us how.
            const timespec no_wait{0, 0};
            sigtimedwait(&sigpipe, nullptr, &no_wait);  // consume the blocked SIGPIPE
            std::scoped_lock lock(mutex_);
            close_fd(w.tasks);
            w.sending.clear();
            w.sent = 0;
        }  // EAGAIN or EINTR: poll() says when to try again
    }

    void receive_some(Worker& w, std::vector<std::promise<std::string>>& done, std::vector<std::string_view>& answers) {
        char chunk[1 << 16];
        const ssize_t n = ::read(w.results, chunk, sizeof chunk);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
        if (n <= 0) {
            reap(w);
            return;
        }
        w.received.append(chunk, static_cast<std::size_t>(n));
        std::size_t offset = 0;
        std::string_view frame;
        answers.clear();
        while (next_frame(w.received, offset, frame)) answers.push_back(frame);
        done.clear();
        {
            std::scoped_lock lock(mutex_);
            for (std::size_t k = 0; k < answers.size() && !w.unfinished.empty(); ++k) {
                done.push_back(std::move(w.unfinished.front()));
                w.unfinished.pop_front();
            }
        }
        // Outside the lock: a woken reader may call submit() at once.
        for (std::size_t k = 0; k < done.size(); ++k) {
            const std::string_view answer = answers[k];
            if (!answer.empty() && answer.front() == 'R') {
                done[k].set_value(std::string(answer.substr(1)));
            } else {
                done[k].set_exception(std::make_exception_ptr(std::runtime_error(std::string(answer.substr(1)))));
            }
        }
        done.clear();
        w.received.erase(0, offset);  // the views pointed into it
    }

    // End of file on a worker's result pipe: it has exited or died; reap it. A worker that
    // ends while tasks are owed to it, or before its task pipe was closed, died on its own
    // (unless shutdown(false) killed it): the pool breaks, as Python's does. Every
    // unanswered task of every worker fails, and the other workers are killed.
    void reap(Worker& w) {
        int status = 0;
        while (waitpid(w.pid, &status, 0) < 0 && errno == EINTR) {
        }
        const std::string how = WIFSIGNALED(status)
                                    ? "was killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
                                          strsignal(WTERMSIG(status)) + ")"
                                    : "exited with status " + std::to_string(WEXITSTATUS(status));
        std::vector<std::promise<std::string>> unanswered;
        std::vector<pid_t> others;
        std::string reason;
        bool killed_on_purpose = false;
        {
            std::scoped_lock lock(mutex_);
            killed_on_purpose = killing_;
            const bool on_its_own = !killing_ && (w.tasks >= 0 || !w.unfinished.empty());
            if (on_its_own && broken_.empty()) {
                broken_ = "A process in the process pool was terminated abruptly: worker " +
                          std::to_string(w.pid) + " " + how;
                for (Worker& other : workers_) {
                    for (auto& promise : other.unfinished) unanswered.push_back(std::move(promise));
                    other.unfinished.clear();
                    other.alive = false;
                    if (&other != &w && other.pid > 0) {
                        others.push_back(other.pid);
                        close_fd(other.tasks);  // nothing more goes to a worker about to be killed
                        other.sending.clear();
                        other.sent = 0;
                    }
                }
            }
            for (auto& promise : w.unfinished) unanswered.push_back(std::move(promise));
            w.unfinished.clear();
            reason = broken_;
            w.alive = false;
            close_fd(w.tasks);
            close_fd(w.results);
            w.pid = -1;
        }
        // Each of them reaches end of file in its turn and is reaped like this one.
        for (const pid_t pid : others) ::kill(pid, SIGKILL);
        if (killed_on_purpose) return;  // destroyed unfulfilled: broken_promise
        const auto failure = std::make_exception_ptr(BrokenProcessPool(reason));
        for (auto& promise : unanswered) promise.set_exception(failure);
    }

    // The constructor failed: stop and reap the workers started so far.
    void abandon_workers() {
        for (Worker& w : workers_) {
            close_fd(w.tasks);
            close_fd(w.results);
            ::kill(w.pid, SIGKILL);
            while (waitpid(w.pid, nullptr, 0) < 0 && errno == EINTR) {
            }
        }
        close_fd(wake_read_);
        close_fd(wake_write_);
    }

    std::function<std::string(std::string_view)> work_;
    std::deque<Worker> workers_;  // filled by the constructor, never resized after (a deque: a
                                  // Worker holds promises, which cannot be copied)
    std::mutex mutex_;
    std::size_t next_ = 0;         // guarded by mutex_
    bool wake_pending_ = false;    // guarded by mutex_
    bool stopping_ = false;        // guarded by mutex_
    bool killing_ = false;         // guarded by mutex_
    std::string broken_;           // guarded by mutex_; the reason, once broken
    int wake_read_ = -1, wake_write_ = -1;
    std::mutex join_mutex_;
    std::thread io_thread_;
};

}  // namespace course
