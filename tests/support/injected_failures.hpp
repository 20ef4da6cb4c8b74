// injected_failures.hpp: make a system call fail on demand (EINTR, EAGAIN...) to test error paths.
#pragma once

namespace course_test {

/// The calls a test can make fail. `wait` covers waitpid(), wait(), waitid() and wait4();
/// `pipe` covers pipe() and pipe2(); `thread` is the start of a std::thread or std::jthread.
enum class Call { fork, wait, read, write, pipe, thread };

/// True when this build can make `call` fail (on Linux the linker wraps these calls, see
/// injected_failures.cpp; `thread` needs libstdc++ or libc++). Elsewhere fail_calls() does
/// nothing.
bool can_inject_failures(Call call);

/// From now on, calls of `call` made by this process (never by its children) fail: the
/// first `skip` calls go through, the next `times` fail with `error` without doing
/// anything, exactly as an interrupted or refused call does: -1 and errno = `error`, or for
/// `thread` a std::system_error with that error, as std::thread throws when the system
/// cannot start one (EAGAIN). Arming again replaces what was armed for that call.
void fail_calls(Call call, int error, int times = 1, int skip = 0);

/// How many of the armed failures of `call` have not happened yet.
int failures_left(Call call);

/// Arms failures for one scope: the constructor arms, the destructor disarms what is
/// left, so that nothing armed leaks into the next test case.
class FailCalls {
  public:
    FailCalls(Call call, int error, int times = 1, int skip = 0) : call_(call) {
        fail_calls(call, error, times, skip);
    }
    FailCalls(const FailCalls&) = delete;
    FailCalls& operator=(const FailCalls&) = delete;
    ~FailCalls() { fail_calls(call_, 0, 0); }

    /// How many of the failures have not happened yet.
    int left() const { return failures_left(call_); }

  private:
    Call call_;
};

/// While it exists, std::thread::hardware_concurrency() returns `value`; 0 is what it
/// returns on a system that cannot tell. Needs libstdc++ or libc++ on Linux (see
/// can_pretend_hardware()).
class PretendHardwareConcurrency {
  public:
    explicit PretendHardwareConcurrency(unsigned value);
    PretendHardwareConcurrency(const PretendHardwareConcurrency&) = delete;
    PretendHardwareConcurrency& operator=(const PretendHardwareConcurrency&) = delete;
    ~PretendHardwareConcurrency();
};

/// True when PretendHardwareConcurrency works in this build.
bool can_pretend_hardware();

}  // namespace course_test
