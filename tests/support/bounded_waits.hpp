// bounded_waits.hpp: the queue chapter's bounded waits (crews, calls, fds, thread counts): fail, never hang.
#pragma once

#include <poll.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
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
