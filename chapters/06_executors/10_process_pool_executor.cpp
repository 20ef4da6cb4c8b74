// 10_process_pool_executor.cpp: a mirror of concurrent.futures.ProcessPoolExecutor: framed pipes, futures, a crash as BrokenProcessPool, no zombies.
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <future>
#include <iostream>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

class Fd {  // a file descriptor that closes itself
public:
    explicit Fd(int fd = -1) : fd_(fd) {}
    Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd& operator=(Fd&& other) noexcept { reset(std::exchange(other.fd_, -1)); return *this; }
    ~Fd() { reset(); }
    int get() const { return fd_; }
    void reset(int fd = -1) { if (fd_ >= 0) ::close(fd_); fd_ = fd; }
private:
    int fd_;
};

// Length-prefixed frames over a byte stream, as in 09 (short reads and EINTR handled).
bool io_all(bool writing, int fd, char* data, std::size_t size) {
    while (size > 0) {
        const ssize_t n = writing ? ::write(fd, data, size) : ::read(fd, data, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}
bool write_frame(int fd, std::string payload) {
    auto length = static_cast<std::uint32_t>(payload.size());
    payload.insert(0, reinterpret_cast<const char*>(&length), 4);
    return io_all(true, fd, payload.data(), payload.size());
}
std::optional<std::string> read_frame(int fd) {
    std::uint32_t length = 0;
    if (!io_all(false, fd, reinterpret_cast<char*>(&length), 4)) return std::nullopt;
    std::string payload(length, '\0');
    if (!io_all(false, fd, payload.data(), length)) return std::nullopt;
    return payload;
}

// Gates: pipes made before the workers, so the workers inherit them. A task that reads a
// byte from a gate waits until main writes one: a latch that works across processes.
Fd gate_read[2], gate_write[2];
void wait_at_gate(int gate) {
    char byte;
    if (::read(gate_read[gate].get(), &byte, 1) != 1) std::abort();
}
void open_gate(int gate) {
    const char byte = 'g';
    if (::write(gate_write[gate].get(), &byte, 1) != 1) std::abort();
}

// The tasks a worker knows, by name: a process receives bytes, never a function.
std::string run_task(const std::string& name, const std::string& argument) {
    if (name == "return_message") { wait_at_gate(0); return argument; }
    if (name == "count_primes") {
        long count = 0;
        for (long n = 2; n < std::stol(argument); ++n) {
            bool prime = true;
            for (long d = 2; d * d <= n && prime; ++d) prime = n % d != 0;
            count += prime;
        }
        return std::to_string(count);
    }
    if (name == "crash") { wait_at_gate(1); std::abort(); }  // a bug that kills the process
    throw std::invalid_argument("no task named '" + name + "'");
}

[[noreturn]] void worker_main(int requests, int replies) {
    while (const std::optional<std::string> request = read_frame(requests)) {
        const auto cut = request->find('\n');
        std::string reply;
        try {
            reply = "R" + run_task(request->substr(0, cut), request->substr(cut + 1));
        } catch (const std::exception& error) {
            reply = std::string("E") + error.what();
        }
        if (!write_frame(replies, reply)) ::_exit(1);
    }
    ::_exit(0);  // end of file on requests: the pool shut us down
}

struct BrokenProcessPool : std::runtime_error { using std::runtime_error::runtime_error; };

class ProcessPoolExecutor {
public:
    explicit ProcessPoolExecutor(int max_workers) {
        std::signal(SIGPIPE, SIG_IGN);  // writing to a dead worker: EPIPE, not our death
        int wake[2];
        if (::pipe(wake) != 0) throw std::runtime_error("pipe failed");
        wake_read_.reset(wake[0]);
        wake_write_.reset(wake[1]);
        // Every fork happens here, while this process still has a single thread. A
        // child forked from a threaded process could inherit a mutex locked by a thread
        // that does not exist in the child (chapter 01's rule).
        for (int i = 0; i < max_workers; ++i) {
            int requests[2], replies[2];
            if (::pipe(requests) != 0 || ::pipe(replies) != 0) throw std::runtime_error("pipe failed");
            std::cout.flush();
            const pid_t pid = ::fork();
            if (pid < 0) throw std::runtime_error("fork failed");
            if (pid == 0) {
                // The child keeps only its own two ends. A copy of another worker's
                // request pipe would keep that worker from ever seeing end of file.
                for (Worker& other : workers_) { ::close(other.requests.get()); ::close(other.replies.get()); }
                ::close(wake[0]); ::close(wake[1]); ::close(requests[1]); ::close(replies[0]);
                worker_main(requests[0], replies[1]);
            }
            ::close(requests[0]);
            ::close(replies[1]);
            workers_.push_back(Worker{pid, Fd(requests[1]), Fd(replies[0]), std::nullopt, ""});
        }
        collector_ = std::jthread([this] { collect(); });  // the first thread, after the forks
    }
    ~ProcessPoolExecutor() { shutdown(); }

    // A shared_future, like Python's Future: result() may be read again and again. It
    // also keeps the result in the reader's hands until the reader lets go, so an
    // exception is freed by main, not by the collector thread (libstdc++ counts
    // exception_ptr references in code ThreadSanitizer cannot see: a false race).
    std::shared_future<std::string> submit(const std::string& function, const std::string& argument) {
        std::scoped_lock lock(mutex_);
        if (!broken_.empty()) throw BrokenProcessPool(broken_);
        if (shutting_down_) throw std::runtime_error("cannot schedule new futures after shutdown");
        queue_.push_back(Job{function + "\n" + argument, {}});
        std::shared_future<std::string> future = queue_.back().promise.get_future().share();
        dispatch();
        return future;
    }

    // shutdown(wait=True): queued jobs still run; then every worker is told to exit and
    // reaped. Returns how each worker ended.
    std::vector<std::string> shutdown() {
        { std::scoped_lock lock(mutex_); shutting_down_ = true; }
        char byte = 'w';
        if (::write(wake_write_.get(), &byte, 1) != 1) std::abort();
        if (collector_.joinable()) collector_.join();
        std::vector<std::string> report;
        for (const Worker& w : workers_) report.push_back("worker " + std::to_string(w.pid) + " " + w.ended);
        return report;
    }

private:
    struct Job { std::string request; std::promise<std::string> promise; };
    struct Worker { pid_t pid; Fd requests, replies; std::optional<Job> running; std::string ended; };

    void dispatch() {  // lock held: one job at a time per idle, living worker
        for (Worker& w : workers_) {
            if (queue_.empty()) return;
            if (w.running || w.requests.get() < 0) continue;
            w.running = std::move(queue_.front());
            queue_.pop_front();
            write_frame(w.requests.get(), w.running->request);  // if it fails, EOF follows
        }
    }

    void collect() {  // the collector thread: results in, next jobs out, the dead reaped
        for (;;) {
            std::vector<pollfd> watch{{wake_read_.get(), POLLIN, 0}};
            std::vector<Worker*> owner{nullptr};
            {
                std::scoped_lock lock(mutex_);
                bool busy = !queue_.empty();
                for (const Worker& w : workers_) busy = busy || w.running.has_value();
                for (Worker& w : workers_) {
                    // Nothing left to do after shutdown() or a crash: closing a worker's
                    // request pipe is how we tell it to exit.
                    if ((shutting_down_ || !broken_.empty()) && !busy) w.requests.reset();
                    if (w.replies.get() >= 0) {
                        watch.push_back({w.replies.get(), POLLIN, 0});
                        owner.push_back(&w);
                    }
                }
                if (owner.size() == 1) return;  // every worker has been reaped
            }
            ::poll(watch.data(), watch.size(), -1);
            char drain[16];
            if (watch[0].revents != 0 && ::read(wake_read_.get(), drain, sizeof drain) < 0) return;
            for (std::size_t i = 1; i < watch.size(); ++i) {
                if (watch[i].revents == 0) continue;
                Worker& w = *owner[i];
                // Only this thread reads replies, so we read without the lock.
                std::optional<std::string> reply = read_frame(w.replies.get());
                std::scoped_lock lock(mutex_);
                if (!reply) {  // end of file: the worker is gone
                    reap(w);
                    continue;
                }
                Job job = std::move(*w.running);
                w.running.reset();
                if (reply->front() == 'R') {
                    job.promise.set_value(reply->substr(1));
                } else {
                    job.promise.set_exception(std::make_exception_ptr(std::runtime_error(reply->substr(1))));
                }
                dispatch();
            }
        }
    }

    void reap(Worker& w) {  // lock held: its reply pipe hit end of file
        int status = 0;
        ::waitpid(w.pid, &status, 0);
        w.ended = WIFSIGNALED(status) ? "was killed by signal " + std::to_string(WTERMSIG(status)) +
                                            " (" + strsignal(WTERMSIG(status)) + ")"
                                      : "exited with status " + std::to_string(WEXITSTATUS(status));
        const bool asked_to_exit = w.requests.get() < 0;
        w.requests.reset();
        w.replies.reset();
        if (asked_to_exit) return;
        // It died on its own. As in Python, the pool is now broken: every job not finished
        // yet fails, the one it ran, the ones running on the other workers and the queued
        // ones, and the other workers are terminated (SIGTERM, as Python's terminate()).
        broken_ = "A process in the process pool was terminated abruptly: worker " +
                  std::to_string(w.pid) + " " + w.ended;
        auto failure = std::make_exception_ptr(BrokenProcessPool(broken_));
        for (Worker& other : workers_) {
            if (other.running) other.running->promise.set_exception(failure);
            other.running.reset();
            if (other.requests.get() >= 0) {
                ::kill(other.pid, SIGTERM);
                other.requests.reset();  // so that its end reads as asked for, not as a new crash
            }
        }
        for (Job& job : queue_) job.promise.set_exception(failure);
        queue_.clear();
    }

    std::mutex mutex_;
    std::deque<Job> queue_;
    std::vector<Worker> workers_;  // filled before the collector starts; never resized after
    bool shutting_down_ = false;
    std::string broken_;
    Fd wake_read_, wake_write_;  // wakes the collector's poll() at shutdown
    std::jthread collector_;
};

std::string threads_now() {  // Linux: the "Threads:" line of /proc/self/status
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("Threads:", 0) == 0) return line.substr(line.find_first_not_of(" \t", 8));
    return "?";
}

int main() {
    for (int g = 0; g < 2; ++g) {
        int fds[2];
        if (::pipe(fds) != 0) return 1;
        gate_read[g].reset(fds[0]);
        gate_write[g].reset(fds[1]);
    }
    std::cout << std::boolalpha;
    {
        std::cout << "threads before forking the pool: " << threads_now() << '\n';
        ProcessPoolExecutor pool(3);
        std::cout << "threads after (the collector): " << threads_now() << '\n';

        // The notes' return_message, held at a gate instead of sleep(3) / sleep(4).
        std::shared_future<std::string> future = pool.submit("return_message", "hello world!");
        std::cout << "done() = " << (future.wait_for(std::chrono::seconds(0)) == std::future_status::ready) << '\n';
        open_gate(0);
        future.wait();
        std::cout << "done() = " << (future.wait_for(std::chrono::seconds(0)) == std::future_status::ready) << '\n';
        std::cout << "result() = " << future.get() << '\n';

        std::vector<std::shared_future<std::string>> counts;
        for (const char* limit : {"10000", "20000", "40000", "80000"}) counts.push_back(pool.submit("count_primes", limit));
        std::cout << "primes below 10k, 20k, 40k, 80k:";
        for (auto& count : counts) std::cout << ' ' << count.get();
        std::cout << '\n';

        std::shared_future<std::string> failing = pool.submit("no_such_task", "");
        try {
            failing.get();
        } catch (const std::runtime_error& error) {
            std::cout << "result() raised the worker's error: " << error.what() << '\n';
        }
        for (const std::string& line : pool.shutdown()) std::cout << line << '\n';
    }

    // A second pool; the first one's collector thread has been joined, so we are single-
    // threaded again and may fork. One worker crashes while another is busy: as in Python,
    // the busy one's job fails too, and that worker is terminated.
    {
        ProcessPoolExecutor pool(2);
        auto crashing = pool.submit("crash", "");                     // worker 1, waits at gate 1
        auto healthy = pool.submit("return_message", "never returned");  // worker 2, at gate 0
        auto queued = pool.submit("count_primes", "1000");              // no idle worker: queued
        open_gate(1);
        for (auto [label, future] : {std::pair{"crashed job", &crashing}, std::pair{"running job", &healthy},
                                     std::pair{"queued job ", &queued}}) {
            try {
                future->get();
            } catch (const BrokenProcessPool& error) {
                std::cout << label << ": BrokenProcessPool: " << error.what() << '\n';
            }
        }
        try {
            pool.submit("count_primes", "10");
        } catch (const BrokenProcessPool&) {
            std::cout << "submit() on a broken pool raises BrokenProcessPool too\n";
        }
        for (const std::string& line : pool.shutdown()) std::cout << line << '\n';
    }
    // No zombies: every child was reaped, so there is nothing left to wait for.
    const bool none_left = ::waitpid(-1, nullptr, WNOHANG) == -1 && errno == ECHILD;
    std::cout << "children left to reap: " << (none_left ? "none" : "some!") << '\n';
    return none_left ? 0 : 1;
}

// Output of one run (the PIDs vary):
//
//   $ ./10_process_pool_executor
//   threads before forking the pool: 1
//   threads after (the collector): 2
//   done() = false
//   done() = true
//   result() = hello world!
//   primes below 10k, 20k, 40k, 80k: 1229 2262 4203 7837
//   result() raised the worker's error: no task named 'no_such_task'
//   worker <n> exited with status 0
//   worker <n> exited with status 0
//   worker <n> exited with status 0
//   crashed job: BrokenProcessPool: A process in the process pool was terminated abruptly: worker <n> was killed by signal 6 (Aborted)
//   running job: BrokenProcessPool: A process in the process pool was terminated abruptly: worker <n> was killed by signal 6 (Aborted)
//   queued job : BrokenProcessPool: A process in the process pool was terminated abruptly: worker <n> was killed by signal 6 (Aborted)
//   submit() on a broken pool raises BrokenProcessPool too
//   worker <n> was killed by signal 6 (Aborted)
//   worker <n> was killed by signal 15 (Terminated)
//   children left to reap: none
