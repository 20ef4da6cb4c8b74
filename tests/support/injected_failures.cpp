// injected_failures.cpp: system calls of a test binary that fail on demand, for error paths.
//
// An interrupted waitpid() or read() (EINTR), a fork() or a thread refused for want of
// resources (EAGAIN), a pipe() refused for want of descriptors (EMFILE): real programs meet
// them, and code that ignores them loses a child, a result or a descriptor. A test cannot
// make the kernel refuse at the right moment, so the test binary's own calls of these
// functions go through the wrappers below (the linker's --wrap, as for schedule_chaos.cpp,
// which also holds the wrapper of std::thread's start), and they do the real call unless a
// test armed a failure with course_test::fail_calls().
//
// Failures are armed for the test process only: a child it forks carries on normally.
#include "injected_failures.hpp"

#if !defined(COURSE_INJECTED_FAILURES)

namespace course_test {
bool can_inject_failures(Call) {
    return false;
}
void fail_calls(Call, int, int, int) {}
int failures_left(Call) {
    return 0;
}
PretendHardwareConcurrency::PretendHardwareConcurrency(unsigned) {}
PretendHardwareConcurrency::~PretendHardwareConcurrency() = default;
bool can_pretend_hardware() {
    return false;
}
}  // namespace course_test

int course_injected_thread_failure() {
    return 0;
}

#else

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstddef>

namespace {

struct Armed {
    std::atomic<int> skip{0};
    std::atomic<int> times{0};
    std::atomic<int> error{0};
};
constexpr std::size_t call_count = 6;
Armed g_armed[call_count];
std::atomic<pid_t> g_owner{0};
std::atomic<long> g_pretended_hardware{-1};  // -1: the real hardware_concurrency()

Armed& armed(course_test::Call call) {
    return g_armed[static_cast<std::size_t>(call)];
}

/// The error this call must fail with, or 0 to let it through.
int injected(course_test::Call call) {
    Armed& a = armed(call);
    if (a.times.load(std::memory_order_acquire) <= 0) return 0;
    if (getpid() != g_owner.load(std::memory_order_relaxed)) return 0;
    for (int skip = a.skip.load(); skip > 0;) {
        if (a.skip.compare_exchange_weak(skip, skip - 1)) return 0;
    }
    for (int times = a.times.load(); times > 0;) {
        if (a.times.compare_exchange_weak(times, times - 1)) return a.error.load();
    }
    return 0;
}

}  // namespace

namespace course_test {

bool can_inject_failures(Call call) {
#if defined(COURSE_WRAP_LIBSTDCXX) || defined(COURSE_WRAP_LIBCXX)
    static_cast<void>(call);
    return true;
#else
    return call != Call::thread;
#endif
}

void fail_calls(Call call, int error, int times, int skip) {
    Armed& a = armed(call);
    a.times.store(0, std::memory_order_release);
    g_owner.store(getpid(), std::memory_order_relaxed);
    a.error.store(error);
    a.skip.store(skip);
    a.times.store(times, std::memory_order_release);
}

int failures_left(Call call) {
    return armed(call).times.load();
}

PretendHardwareConcurrency::PretendHardwareConcurrency(unsigned value) {
    g_pretended_hardware.store(static_cast<long>(value));
}
PretendHardwareConcurrency::~PretendHardwareConcurrency() {
    g_pretended_hardware.store(-1);
}

bool can_pretend_hardware() {
#if defined(COURSE_WRAP_LIBSTDCXX) || defined(COURSE_WRAP_LIBCXX)
    return true;
#else
    return false;
#endif
}

}  // namespace course_test

/// For the wrapper of std::thread's start in schedule_chaos.cpp.
int course_injected_thread_failure() {
    return injected(course_test::Call::thread);
}

// The wrappers: --wrap=NAME sends the program's calls of NAME here; __real_NAME is the original.
extern "C" {

pid_t __real_fork();
pid_t __real_waitpid(pid_t pid, int* status, int options);
pid_t __real_wait(int* status);
int __real_waitid(idtype_t type, id_t id, siginfo_t* info, int options);
pid_t __real_wait4(pid_t pid, int* status, int options, struct rusage* usage);
ssize_t __real_read(int fd, void* buffer, size_t size);
ssize_t __real___read_chk(int fd, void* buffer, size_t size, size_t buffer_size);
ssize_t __real_write(int fd, const void* buffer, size_t size);
int __real_pipe(int fds[2]);
int __real_pipe2(int fds[2], int flags);

#define COURSE_FAIL_IF_ARMED(call)          \
    if (const int error = injected(call)) { \
        errno = error;                      \
        return -1;                          \
    }

pid_t __wrap_fork() {
    COURSE_FAIL_IF_ARMED(course_test::Call::fork)
    return __real_fork();
}
pid_t __wrap_waitpid(pid_t pid, int* status, int options) {
    COURSE_FAIL_IF_ARMED(course_test::Call::wait)
    return __real_waitpid(pid, status, options);
}
pid_t __wrap_wait(int* status) {
    COURSE_FAIL_IF_ARMED(course_test::Call::wait)
    return __real_wait(status);
}
int __wrap_waitid(idtype_t type, id_t id, siginfo_t* info, int options) {
    COURSE_FAIL_IF_ARMED(course_test::Call::wait)
    return __real_waitid(type, id, info, options);
}
pid_t __wrap_wait4(pid_t pid, int* status, int options, struct rusage* usage) {
    COURSE_FAIL_IF_ARMED(course_test::Call::wait)
    return __real_wait4(pid, status, options, usage);
}
ssize_t __wrap_read(int fd, void* buffer, size_t size) {
    COURSE_FAIL_IF_ARMED(course_test::Call::read)
    return __real_read(fd, buffer, size);
}
// What read() becomes where _FORTIFY_SOURCE is on by default (Ubuntu's compilers, -O1 and up).
ssize_t __wrap___read_chk(int fd, void* buffer, size_t size, size_t buffer_size) {
    COURSE_FAIL_IF_ARMED(course_test::Call::read)
    return __real___read_chk(fd, buffer, size, buffer_size);
}
ssize_t __wrap_write(int fd, const void* buffer, size_t size) {
    COURSE_FAIL_IF_ARMED(course_test::Call::write)
    return __real_write(fd, buffer, size);
}
int __wrap_pipe(int fds[2]) {
    COURSE_FAIL_IF_ARMED(course_test::Call::pipe)
    return __real_pipe(fds);
}
int __wrap_pipe2(int fds[2], int flags) {
    COURSE_FAIL_IF_ARMED(course_test::Call::pipe)
    return __real_pipe2(fds, flags);
}

#undef COURSE_FAIL_IF_ARMED

}  // extern "C"

#if defined(COURSE_WRAP_LIBSTDCXX) || defined(COURSE_WRAP_LIBCXX)
// std::thread::hardware_concurrency() lives in the standard library's .so (libstdc++ or
// libc++, each with its own mangled name); the program's calls of it come here (a static
// member function takes no object, so a plain function stands in for it).
#if defined(COURSE_WRAP_LIBSTDCXX)
#define COURSE_HARDWARE_CONCURRENCY "_ZNSt6thread20hardware_concurrencyEv"
#else
#define COURSE_HARDWARE_CONCURRENCY "_ZNSt3__16thread20hardware_concurrencyEv"
#endif
unsigned real_hardware_concurrency() noexcept __asm__("__real_" COURSE_HARDWARE_CONCURRENCY);
unsigned wrap_hardware_concurrency() noexcept __asm__("__wrap_" COURSE_HARDWARE_CONCURRENCY);
#undef COURSE_HARDWARE_CONCURRENCY
unsigned wrap_hardware_concurrency() noexcept {
    const long pretended = g_pretended_hardware.load();
    return pretended >= 0 ? static_cast<unsigned>(pretended) : real_hardware_concurrency();
}
#endif

#endif  // COURSE_INJECTED_FAILURES
