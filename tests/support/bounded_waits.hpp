// bounded_waits.hpp: the queue chapter's bounded waits (crews, calls, fds, thread counts): fail, never hang.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "bounded_sync.hpp"
#include "platform.hpp"
#include "process_checks.hpp"

namespace course_test {

using namespace std::chrono_literals;

/// A pause that only gives a WRONG implementation the chance to misbehave (a consumer the
/// time to fall asleep in get(), a producer the time to overfill a buffer). A correct
/// implementation passes whatever its length; nothing waits on it for correctness.
inline void give_wrong_code_a_chance() { std::this_thread::sleep_for(50ms); }

/// The calling thread's id for the kernel: the name of its folder in /proc/self/task.
inline pid_t kernel_thread_id() { return static_cast<pid_t>(::syscall(SYS_gettid)); }

/// A system call a thread is blocked in: its number (SYS_read, SYS_futex...) and its
/// arguments (the descriptor of a read(); the address a futex waits on, and for a timed
/// wait the address of its deadline).
struct BlockedCall {
    long number = -1;
    std::array<unsigned long, 6> arguments{};
};

/// What thread `tid` of this process is blocked in right now, read from
/// /proc/self/task/<tid>/syscall: std::nullopt while it runs, or when that file cannot tell
/// (another system, or a sandbox that shows another process namespace's /proc).
inline std::optional<BlockedCall> blocked_call(pid_t tid) {
    std::ifstream file("/proc/self/task/" + std::to_string(tid) + "/syscall");
    BlockedCall call;
    if (!(file >> call.number)) return std::nullopt;  // "running", or unreadable
    for (unsigned long& argument : call.arguments) {
        std::string text;
        if (!(file >> text)) return std::nullopt;
        try {
            argument = std::stoul(text, nullptr, 16);
        } catch (const std::exception&) {
            return std::nullopt;
        }
    }
    return call;
}

/// The deadline that thread `tid` sleeps until, when it is in a timed futex wait (a timed
/// wait on a condition variable): the absolute time it handed to the kernel, in nanoseconds
/// on the clock it named. std::nullopt when it is in no such wait, or /proc cannot tell. The
/// deadline is read from the thread's own memory through /proc/self/mem, as a debugger
/// would, so that the test's reading is no access of the program's for ThreadSanitizer.
inline std::optional<long long> futex_deadline(pid_t tid) {
    const std::optional<BlockedCall> call = blocked_call(tid);
    if (!call || call->number != SYS_futex || call->arguments[3] == 0) return std::nullopt;
    struct {
        long long seconds;
        long long nanoseconds;
    } deadline{};
    const int memory = ::open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
    if (memory < 0) return std::nullopt;
    const ssize_t got =
        ::pread(memory, &deadline, sizeof deadline, static_cast<off_t>(call->arguments[3]));
    ::close(memory);
    if (got != static_cast<ssize_t>(sizeof deadline)) return std::nullopt;
    // Still the same wait: the deadline read was not some later use of that memory.
    const std::optional<BlockedCall> again = blocked_call(tid);
    if (!again || again->number != call->number || again->arguments != call->arguments)
        return std::nullopt;
    return deadline.seconds * 1'000'000'000LL + deadline.nanoseconds;
}

/// True when /proc tells this process's threads' system calls (see blocked_call()).
inline bool proc_shows_blocked_calls() {
    static const bool shows = [] {
        std::ifstream file("/proc/self/task/" + std::to_string(kernel_thread_id()) + "/syscall");
        std::string first;
        return static_cast<bool>(file >> first);  // this thread's own file says "running" or a call
    }();
    return shows;
}

/// A meeting point with a thread that is about to wait: returns true once thread `tid` has
/// been seen blocked in `number` (SYS_futex for a std::mutex, a condition variable, a
/// semaphore; SYS_read for a read() on an empty pipe...) twice, a moment apart, so that a
/// thread passing through a busy mutex is not taken for one that sleeps; false when `limit`
/// passes first, or at once when the thread has ended. A test uses it to act while another thread
/// is known to be inside get() or read(), where a pause would only make that likely. Where /proc
/// cannot tell, it pauses like give_wrong_code_a_chance() and returns true.
inline bool blocks_within(pid_t tid, long number, std::chrono::milliseconds limit) {
    if (!proc_shows_blocked_calls()) {
        give_wrong_code_a_chance();
        return true;
    }
    const auto deadline = std::chrono::steady_clock::now() + limit;
    const auto blocked = [&] {
        const std::optional<BlockedCall> call = blocked_call(tid);
        return call && call->number == number;
    };
    const std::string folder = "/proc/self/task/" + std::to_string(tid);
    while (std::chrono::steady_clock::now() < deadline) {
        if (::access(folder.c_str(), F_OK) != 0) return false;  // the thread has ended
        if (blocked()) {
            std::this_thread::sleep_for(2ms);
            if (blocked()) return true;
        }
        std::this_thread::sleep_for(1ms);
    }
    return false;
}

/// blocks_within() for the usual case: thread `tid` asleep on a mutex or condition variable.
inline bool falls_asleep_within(pid_t tid, std::chrono::milliseconds limit) {
    return blocks_within(tid, SYS_futex, limit);
}

/// The address thread `tid` sleeps on in a futex wait right now (inside a condition
/// variable or a mutex), or std::nullopt.
inline std::optional<unsigned long> futex_address(pid_t tid) {
    const std::optional<BlockedCall> call = blocked_call(tid);
    if (!call || call->number != SYS_futex) return std::nullopt;
    return call->arguments[0];
}

/// Waits until thread `tid`, which slept on the futex at `address` (a condition variable),
/// is asleep on another one: woken, it now waits for the mutex that someone else holds. True
/// then, or when the thread has ended; false after `limit`. A test that holds the lock (in a
/// Hooked item's copy) uses it to know that a notification has reached a waiter before it
/// lets the waiter have the lock.
inline bool woken_and_waiting_for_lock_within(pid_t tid, unsigned long address,
                                              std::chrono::milliseconds limit) {
    const std::string folder = "/proc/self/task/" + std::to_string(tid);
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (::access(folder.c_str(), F_OK) != 0) return true;  // the thread has ended
        const std::optional<unsigned long> now = futex_address(tid);
        if (now && *now != address) return true;
        std::this_thread::sleep_for(1ms);
    }
    return false;
}

/// The kernel ids of a test's threads, each told by the thread itself just before it calls
/// what should make it wait, so that the test can act once all of them are asleep there
/// (in get(), in join(), in put() on a full buffer) and every one has to be woken.
class ThreadIds {
public:
    explicit ThreadIds(int count) : ids_(static_cast<std::size_t>(count)), told_(count) {}

    /// Called by thread `index` itself, right before the call that should block.
    void tell(int index) {
        ids_[static_cast<std::size_t>(index)].store(kernel_thread_id());
        told_.count_down();
    }

    /// Returns once every thread has told its id and been seen asleep (falls_asleep_within),
    /// or has ended; after the bound it returns all the same, and the test's own checks then
    /// fail if they must.
    void wait_until_all_asleep() {
        told_.wait_for(patience);
        for (const std::atomic<pid_t>& id : ids_) {
            if (id.load() != 0) falls_asleep_within(id.load(), patience);
        }
    }

    /// The id thread `index` told, or 0 before it did.
    pid_t id(int index) const { return ids_[static_cast<std::size_t>(index)].load(); }

private:
    std::vector<std::atomic<pid_t>> ids_;
    Rendezvous told_;
};

/// A value that runs a test's hook, once, the next time the thread that armed the hook
/// copies or moves it into a new object. A queue's put() copies or moves its item into the
/// queue while it holds the queue's lock, so with a BlockingQueue<Hooked<int>> a test can
/// act at that moment: for instance make sure that another thread waits for the lock, and
/// so is first in line for it when put() lets go. The item must reach put() as a temporary
/// (put(Hooked<int>(7))), so that no copy is made before put() takes its lock.
template <class T>
struct Hooked {
    T value{};

    Hooked() = default;
    explicit Hooked(T initial) : value(std::move(initial)) {}
    Hooked(const Hooked& other) : value(other.value) { run_hook(); }
    Hooked(Hooked&& other) noexcept : value(std::move(other.value)) { run_hook(); }
    Hooked& operator=(const Hooked&) = default;
    Hooked& operator=(Hooked&&) noexcept = default;
    ~Hooked() = default;

    /// Arms `hook` for the next copy or move that the calling thread makes.
    static void on_next_copy(std::function<void()> hook) { armed() = std::move(hook); }
    /// Disarms a hook that did not run.
    static void disarm() { armed() = nullptr; }

private:
    static std::function<void()>& armed() {
        thread_local std::function<void()> hook;
        return hook;
    }
    static void run_hook() {
        std::function<void()>& hook = armed();
        if (!hook) return;
        const std::function<void()> now = std::move(hook);
        hook = nullptr;
        now();
    }
};

/// Threads a test starts and expects to finish. finish_within() joins them when they all
/// finished in time; otherwise it detaches them (they are stuck: a lost wake-up) and
/// returns false, so the test fails with a message instead of hanging. Everything a
/// crew thread touches must therefore be owned by the thread itself: capture
/// std::shared_ptr copies, never references to the test's locals.
class Crew {
public:
    Crew() = default;
    Crew(const Crew&) = delete;
    Crew& operator=(const Crew&) = delete;
    ~Crew() {
        if (!threads_.empty()) finish_within(patience);
    }

    template <class F>
    void start(F work) {
        std::shared_ptr<State> state = state_;
        {
            std::lock_guard lock(state->mutex);
            ++state->started;
        }
        threads_.emplace_back([state, work = std::move(work)]() mutable {
            try {
                work();
            } catch (...) {
                std::lock_guard lock(state->mutex);
                if (!state->error) state->error = std::current_exception();
            }
            std::lock_guard lock(state->mutex);
            ++state->finished;
            state->changed.notify_all();
        });
    }

    /// True when every thread finished (and has been joined) within `limit`.
    bool finish_within(std::chrono::milliseconds limit) {
        bool all_finished = false;
        {
            std::unique_lock lock(state_->mutex);
            all_finished = state_->changed.wait_for(lock, limit, [this] { return state_->finished == state_->started; });
        }
        for (std::thread& thread : threads_) {
            if (all_finished) thread.join();
            else thread.detach();
        }
        threads_.clear();
        return all_finished;
    }

    /// How many threads have finished so far.
    int finished() {
        std::lock_guard lock(state_->mutex);
        return state_->finished;
    }

    /// Rethrows the first exception a crew thread let escape, if any (call after finish_within).
    void rethrow_error() {
        std::exception_ptr error;
        {
            std::lock_guard lock(state_->mutex);
            error = state_->error;
        }
        if (error) std::rethrow_exception(error);
    }

private:
    struct State {
        std::mutex mutex;
        std::condition_variable changed;
        int started = 0;
        int finished = 0;
        std::exception_ptr error;
    };
    std::shared_ptr<State> state_ = std::make_shared<State>();
    std::vector<std::thread> threads_;
};

/// Runs `call()` on a thread of its own and returns its result, or std::nullopt when it has
/// not returned within `limit` (the thread is then left behind, stuck; `call` must own what
/// it uses). An exception from `call()` is rethrown here.
template <class F>
auto returns_within(std::chrono::milliseconds limit, F call) -> std::optional<std::invoke_result_t<F&>> {
    using Result = std::invoke_result_t<F&>;
    struct Outcome {
        std::optional<Result> value;
        std::exception_ptr error;
    };
    auto outcome = std::make_shared<Outcome>();
    Crew crew;
    crew.start([outcome, call = std::move(call)]() mutable {
        try {
            outcome->value.emplace(call());
        } catch (...) {
            outcome->error = std::current_exception();
        }
    });
    if (!crew.finish_within(limit)) return std::nullopt;
    if (outcome->error) std::rethrow_exception(outcome->error);
    return std::move(outcome->value);
}

/// True when `fd` becomes readable (data, end-of-file or an error) within `limit`. A read
/// end whose writers are all closed is readable: read() returns 0 at once.
inline bool readable_within(int fd, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() < 0) return false;
        pollfd watched{fd, POLLIN, 0};
        const int ready = ::poll(&watched, 1, static_cast<int>(left.count()));
        if (ready > 0) return true;
        if (ready == 0) return false;
        // ready < 0: interrupted by a signal; poll again with what is left.
    }
}

/// The number of threads this process has right now (the entries of /proc/self/task). Linux
/// only: a case that counts threads is marked `* course_test::linux_only()`.
inline std::size_t running_thread_count() { return proc_entry_count("/proc/self/task"); }

/// True when the process is back to `expected` threads within `limit`. A joined thread can
/// stay listed in /proc for a moment after join() returned (the kernel wakes the joiner
/// before it removes the thread), so this looks again until the limit instead of once.
inline bool thread_count_returns_to(std::size_t expected, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (running_thread_count() != expected) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(1ms);
    }
    return true;
}

}  // namespace course_test
