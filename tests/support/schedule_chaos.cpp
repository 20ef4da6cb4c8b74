// schedule_chaos.cpp: test binaries nudge their threads' schedule, so interleaving bugs show.
//
// A mistake such as "check under one lock, act under another" only shows when another
// thread slips into the gap between the two critical sections. On an idle machine that
// gap is a few nanoseconds wide and a test catches the mistake now and then; a student
// who sees a pass believes it. In the spirit of rr's chaos mode and of Coyote and Loom
// (which go further and control the schedule completely), every test binary perturbs its
// own schedule a little, at the points where the order of threads is decided:
//
//   - before a mutex or rwlock is locked (or tried): who gets it first changes;
//   - after a mutex or rwlock is unlocked: another thread gets the chance to run in the
//     gap before this one locks again, which is where check-then-act, a debit and a credit
//     under two locks, or a reader between two writes go wrong;
//   - before a condition-variable wait, with the mutex still held: the window between
//     checking the predicate and going to sleep widens, which is where a flag set without
//     the waiters' mutex loses its wake-up;
//   - at a new thread's first step: threads do not always start in the order created.
//
// At each point a thread, with a small probability, yields the processor or sleeps a few
// microseconds (only yields while it holds another lock, and less and less often after its
// first few thousand points, see `odds_free` below). The draws come from a generator of its own,
// seeded from the run's seed and the thread's number (the main thread is 0, threads started with
// std::thread or std::jthread are numbered in the order they were started), so one thread's draws
// do not depend on how the others interleave.
//
// What a seed replays: the perturbation pattern, that is, which call of which thread
// yields or sleeps and for how long. It does not replay the operating system's schedule:
// the same seed makes the same failure more likely, not certain.
//
// How it is wired: the linker's --wrap option (see course_add_test_main in
// cmake/Course.cmake) sends the test binary's own calls of pthread_mutex_lock and friends
// to the __wrap_ functions below, which perturb and then call the real function
// (__real_...). Only the calls compiled into the test binary are redirected: std::mutex,
// std::shared_mutex, std::timed_mutex and condition-variable timed waits are inline code
// there, while std::condition_variable::wait() and (with libstdc++) std::thread's start live
// in the library's .so, so their entry points are wrapped instead. The real functions are the
// ones the program would have called, so ThreadSanitizer's interceptors still see every
// lock, wait and thread start. No wrapper allocates or takes a lock (except the one small
// object a thread start needs, where std::thread allocates anyway), so none can recurse
// into itself.
//
// Environment: COURSE_CHAOS=off switches it off; COURSE_CHAOS_SEED=<n> replays a seed;
// otherwise each process draws a seed of its own. The seed is the first event of the
// report stream (see doctest_main.cpp).
#include "schedule_chaos.hpp"

#include <pthread.h>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <system_error>
#include <thread>
#include <utility>

#if !defined(COURSE_SCHEDULE_CHAOS)
// Built without the linker's wrapping (not Linux, or COURSE_SCHEDULE_CHAOS=OFF): nothing to
// perturb, and the report says so.
namespace {
bool enabled() {
    return false;
}
std::uint64_t g_seed = 0;
}  // namespace
#else

#include <pthread.h>
#include <sched.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace {

/// SplitMix64's output function: a good 64-bit mix of consecutive counters.
constexpr std::uint64_t mix(std::uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

enum Mode : int { undecided, deciding, off, on };
std::atomic<int> g_mode{undecided};
std::uint64_t g_seed = 0;  // written once, before g_mode leaves `deciding`
// Thread numbers: 0 is the main thread; threads get the next one when started.
std::atomic<std::uint32_t> g_next_thread{1};

struct ThreadDice {
    std::uint64_t counter = 0;
    bool seeded = false;
    int locks_held = 0;              ///< mutexes and rwlocks this thread holds now
    std::uint64_t calls_so_far = 0;  ///< how many perturbation points it has passed
};
constinit thread_local ThreadDice t_dice;

/// A seed for people to copy: 48 bits, exact in any JSON reader.
std::uint64_t fresh_seed() {
    std::uint64_t seed = 0;
    if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof seed)) {
        timespec now{};
        clock_gettime(CLOCK_MONOTONIC, &now);
        seed = mix(static_cast<std::uint64_t>(now.tv_nsec) ^
                   (static_cast<std::uint64_t>(getpid()) << 32));
    }
    return seed & ((std::uint64_t{1} << 48) - 1);
}

int decide() {
    int expected = undecided;
    if (!g_mode.compare_exchange_strong(expected, deciding, std::memory_order_acq_rel)) {
        // Another thread is deciding (possible only at start-up): no perturbation meanwhile.
        return expected == deciding ? off : expected;
    }
    const char* mode = std::getenv("COURSE_CHAOS");
    const bool wanted =
        mode == nullptr || (std::strcmp(mode, "off") != 0 && std::strcmp(mode, "0") != 0);
    const char* given = std::getenv("COURSE_CHAOS_SEED");
    char* end = nullptr;
    errno = 0;
    const unsigned long long parsed = given != nullptr ? std::strtoull(given, &end, 10) : 0;
    const bool valid = given != nullptr && end != given && *end == '\0' && errno == 0;
    g_seed = valid ? static_cast<std::uint64_t>(parsed) : fresh_seed();
    const int decided = wanted ? on : off;
    g_mode.store(decided, std::memory_order_release);
    return decided;
}

bool enabled() {
    int mode = g_mode.load(std::memory_order_acquire);
    if (mode == undecided || mode == deciding) mode = decide();
    return mode == on;
}

void seed_thread(std::uint32_t number) {
    t_dice.counter = mix(g_seed ^ mix(number + 0x632be59bd9b4e019ULL));
    t_dice.seeded = true;
}

std::uint64_t roll() {
    if (!t_dice.seeded) {
        // A thread not started through std::thread (or the main thread, which is 0).
        const bool main_thread = syscall(SYS_gettid) == getpid();
        seed_thread(main_thread ? 0 : g_next_thread.fetch_add(1, std::memory_order_relaxed));
    }
    t_dice.counter += 0x9e3779b97f4a7c15ULL;
    return mix(t_dice.counter);
}

/// Where a thread may be held up, and how likely: per 1024 calls, how many yield and how
/// many sleep up to `longest_us` microseconds. A thread that holds no lock (`free`) may
/// sleep; one that still holds another lock only yields, since sleeping there would make
/// every thread wanting that lock wait too. Small enough that the whole suite stays fast,
/// large enough that a test repeating a racy step a few hundred times meets the
/// interleaving it needs in every run (the figures are in tests/mutants/README.md).
enum Site : int { before_lock, after_unlock, before_wait, thread_start, site_count };
struct Odds {
    std::uint32_t yield;
    std::uint32_t sleep;
    std::uint32_t longest_us;
};
constexpr Odds odds_free[site_count] = {
    /* before_lock  */ {16, 4, 20},
    /* after_unlock */ {32, 16, 50},
    /* before_wait  */ {32, 32, 100},
    /* thread_start */ {128, 256, 200},
};
constexpr Odds odds_holding[site_count] = {
    /* before_lock  */ {8, 0, 1},
    /* after_unlock */ {8, 0, 1},
    /* before_wait  */ {16, 0, 1},
    /* thread_start */ {0, 0, 1},
};
/// A thread is held up at the odds above during its first `full_odds_calls` calls, and
/// after that at odds that fall as full_odds_calls / calls so far: a test that hammers one
/// lock a million times would otherwise spend its time asleep, while the few thousand
/// first calls of each thread (and a test's threads are usually fresh ones) find the
/// interleavings. The pauses then grow with the logarithm of the calls.
constexpr std::uint64_t full_odds_calls = 4096;

/// `others_held`: locks the thread holds besides the one the call is about.
void perturb(Site site, int others_held = 0) {
    if (!enabled()) return;
    const std::uint64_t dice = roll();
    ThreadDice& thread = t_dice;
    const std::uint64_t calls = ++thread.calls_so_far;
    const Odds& chance = others_held > 0 ? odds_holding[site] : odds_free[site];
    const auto draw = static_cast<std::uint32_t>(dice & 1023);
    if (draw >= chance.sleep + chance.yield) return;
    if (calls > full_odds_calls && (dice >> 32) % calls >= full_odds_calls) return;
    if (draw < chance.sleep) {
        const auto micros = 1 + static_cast<long>((dice >> 10) % chance.longest_us);
        const timespec pause{0, micros * 1000};
        nanosleep(&pause, nullptr);
    } else {
        sched_yield();
    }
}

/// Bookkeeping of the locks a thread holds: a lock call that succeeded adds one.
int counted_lock(int result) {
    if (result == 0) ++t_dice.locks_held;
    return result;
}
void counted_unlock() {
    if (t_dice.locks_held > 0) --t_dice.locks_held;
}

}  // namespace

#endif  // COURSE_SCHEDULE_CHAOS

namespace course_chaos {

Schedule current_schedule() {
    const bool on = enabled();
    return {on, g_seed};
}

std::string schedule_event() {
    const Schedule schedule = current_schedule();
    if (!schedule.enabled) return R"({"event":"schedule","chaos":"off"})";
    return R"({"event":"schedule","seed":)" + std::to_string(schedule.seed) + "}";
}

std::string replay_hint() {
    const Schedule schedule = current_schedule();
    if (!schedule.enabled) return "schedule chaos: off (COURSE_CHAOS=off)";
    return "schedule chaos: seed " + std::to_string(schedule.seed) +
           " (COURSE_CHAOS_SEED=" + std::to_string(schedule.seed) +
           " repeats this run's perturbation, COURSE_CHAOS=off turns it off)";
}

}  // namespace course_chaos

#if defined(COURSE_SCHEDULE_CHAOS)

// The wrappers. Their names are the linker's: --wrap=NAME sends the program's calls of NAME
// to __wrap_NAME, and __real_NAME is the original.
extern "C" {

int __real_pthread_mutex_lock(pthread_mutex_t* mutex);
int __real_pthread_mutex_trylock(pthread_mutex_t* mutex);
int __real_pthread_mutex_timedlock(pthread_mutex_t* mutex, const timespec* deadline);
int __real_pthread_mutex_clocklock(pthread_mutex_t* mutex, clockid_t clock,
                                   const timespec* deadline);
int __real_pthread_mutex_unlock(pthread_mutex_t* mutex);
int __real_pthread_rwlock_rdlock(pthread_rwlock_t* lock);
int __real_pthread_rwlock_tryrdlock(pthread_rwlock_t* lock);
int __real_pthread_rwlock_timedrdlock(pthread_rwlock_t* lock, const timespec* deadline);
int __real_pthread_rwlock_clockrdlock(pthread_rwlock_t* lock, clockid_t clock,
                                      const timespec* deadline);
int __real_pthread_rwlock_wrlock(pthread_rwlock_t* lock);
int __real_pthread_rwlock_trywrlock(pthread_rwlock_t* lock);
int __real_pthread_rwlock_timedwrlock(pthread_rwlock_t* lock, const timespec* deadline);
int __real_pthread_rwlock_clockwrlock(pthread_rwlock_t* lock, clockid_t clock,
                                      const timespec* deadline);
int __real_pthread_rwlock_unlock(pthread_rwlock_t* lock);
int __real_pthread_cond_wait(pthread_cond_t* cond, pthread_mutex_t* mutex);
int __real_pthread_cond_timedwait(pthread_cond_t* cond, pthread_mutex_t* mutex,
                                  const timespec* deadline);
int __real_pthread_cond_clockwait(pthread_cond_t* cond, pthread_mutex_t* mutex, clockid_t clock,
                                  const timespec* deadline);

int __wrap_pthread_mutex_lock(pthread_mutex_t* mutex) {
    perturb(before_lock, t_dice.locks_held);
    return counted_lock(__real_pthread_mutex_lock(mutex));
}
int __wrap_pthread_mutex_trylock(pthread_mutex_t* mutex) {
    perturb(before_lock, t_dice.locks_held);
    return counted_lock(__real_pthread_mutex_trylock(mutex));
}
int __wrap_pthread_mutex_timedlock(pthread_mutex_t* mutex, const timespec* deadline) {
    perturb(before_lock, t_dice.locks_held);
    return counted_lock(__real_pthread_mutex_timedlock(mutex, deadline));
}
int __wrap_pthread_mutex_clocklock(pthread_mutex_t* mutex, clockid_t clock,
                                   const timespec* deadline) {
    perturb(before_lock, t_dice.locks_held);
    return counted_lock(__real_pthread_mutex_clocklock(mutex, clock, deadline));
}
int __wrap_pthread_mutex_unlock(pthread_mutex_t* mutex) {
    const int result = __real_pthread_mutex_unlock(mutex);
    counted_unlock();
    perturb(after_unlock, t_dice.locks_held);
    return result;
}
int __wrap_pthread_rwlock_rdlock(pthread_rwlock_t* lock) {
    perturb(before_lock, t_dice.locks_held);
    return counted_lock(__real_pthread_rwlock_rdlock(lock));
}
int __wrap_pthread_rwlock_tryrdlock(pthread_rwlock_t* lock) {
    perturb(before_lock, t_dice.locks_held);
    return counted_lock(__real_pthread_rwlock_tryrdlock(lock));
}
int __wrap_pthread_rwlock_timedrdlock(pthread_rwlock_t* lock, const timespec* deadline) {
    perturb(before_lock, t_dice.locks_held);
    return counted_lock(__real_pthread_rwlock_timedrdlock(lock, deadline));
}
int __wrap_pthread_rwlock_clockrdlock(pthread_rwlock_t* lock, clockid_t clock,
                                      const timespec* deadline) {
    perturb(before_lock, t_dice.locks_held);
    return counted_lock(__real_pthread_rwlock_clockrdlock(lock, clock, deadline));
}
int __wrap_pthread_rwlock_wrlock(pthread_rwlock_t* lock) {
    perturb(before_lock, t_dice.locks_held);
    return counted_lock(__real_pthread_rwlock_wrlock(lock));
}
int __wrap_pthread_rwlock_trywrlock(pthread_rwlock_t* lock) {
    perturb(before_lock, t_dice.locks_held);
    return counted_lock(__real_pthread_rwlock_trywrlock(lock));
}
int __wrap_pthread_rwlock_timedwrlock(pthread_rwlock_t* lock, const timespec* deadline) {
    perturb(before_lock, t_dice.locks_held);
    return counted_lock(__real_pthread_rwlock_timedwrlock(lock, deadline));
}
int __wrap_pthread_rwlock_clockwrlock(pthread_rwlock_t* lock, clockid_t clock,
                                      const timespec* deadline) {
    perturb(before_lock, t_dice.locks_held);
    return counted_lock(__real_pthread_rwlock_clockwrlock(lock, clock, deadline));
}
int __wrap_pthread_rwlock_unlock(pthread_rwlock_t* lock) {
    const int result = __real_pthread_rwlock_unlock(lock);
    counted_unlock();
    perturb(after_unlock, t_dice.locks_held);
    return result;
}
int __wrap_pthread_cond_wait(pthread_cond_t* cond, pthread_mutex_t* mutex) {
    perturb(before_wait, t_dice.locks_held - 1);
    return __real_pthread_cond_wait(cond, mutex);
}
int __wrap_pthread_cond_timedwait(pthread_cond_t* cond, pthread_mutex_t* mutex,
                                  const timespec* deadline) {
    perturb(before_wait, t_dice.locks_held - 1);
    return __real_pthread_cond_timedwait(cond, mutex, deadline);
}
int __wrap_pthread_cond_clockwait(pthread_cond_t* cond, pthread_mutex_t* mutex, clockid_t clock,
                                  const timespec* deadline) {
    perturb(before_wait, t_dice.locks_held - 1);
    return __real_pthread_cond_clockwait(cond, mutex, clock, deadline);
}

}  // extern "C"

#endif  // COURSE_SCHEDULE_CHAOS

#if defined(COURSE_WRAP_LIBSTDCXX) || defined(COURSE_WRAP_LIBCXX)
// The thread start is wrapped even without the perturbation: a test may make it fail.
/// The error a test asked the next thread start to fail with, or 0 (injected_failures.cpp).
int course_injected_thread_failure();

// std::condition_variable::wait() lives in the standard library's .so, out of the linker's
// reach; the program calls this member function, which it can redirect. Its wrapper is a free
// function with the object as the first parameter, which is how the Itanium C++ ABI passes
// `this`. Each library has its own mangled name for it.
#if defined(COURSE_SCHEDULE_CHAOS)
#if defined(COURSE_WRAP_LIBSTDCXX)
#define COURSE_CONDITION_WAIT "_ZNSt18condition_variable4waitERSt11unique_lockISt5mutexE"
#else
#define COURSE_CONDITION_WAIT "_ZNSt3__118condition_variable4waitERNS_11unique_lockINS_5mutexEEE"
#endif
void real_condition_wait(std::condition_variable* condition, std::unique_lock<std::mutex>& lock)
    __asm__("__real_" COURSE_CONDITION_WAIT);
void wrap_condition_wait(std::condition_variable* condition, std::unique_lock<std::mutex>& lock)
    __asm__("__wrap_" COURSE_CONDITION_WAIT);
#undef COURSE_CONDITION_WAIT

void wrap_condition_wait(std::condition_variable* condition, std::unique_lock<std::mutex>& lock) {
    perturb(before_wait, t_dice.locks_held - 1);
    real_condition_wait(condition, lock);
}
#endif
#endif

#if defined(COURSE_WRAP_LIBSTDCXX)
// libstdc++ starts a thread in libstdc++.so; the program calls _M_start_thread(), which the
// linker can redirect (CMake defines COURSE_WRAP_LIBSTDCXX and adds the matching --wrap
// options only when the standard library is libstdc++).
void real_start_thread(std::thread* thread, std::thread::_State_ptr state, void (*depend)()) __asm__(
    "__real__ZNSt6thread15_M_start_threadESt10unique_ptrINS_6_StateESt14default_deleteIS1_EEPFvvE");
void wrap_start_thread(std::thread* thread, std::thread::_State_ptr state, void (*depend)()) __asm__(
    "__wrap__ZNSt6thread15_M_start_threadESt10unique_ptrINS_6_StateESt14default_deleteIS1_EEPFvvE");

#if defined(COURSE_SCHEDULE_CHAOS)
namespace {

/// What a new thread runs: its number's dice, maybe a pause, then the thread's own work.
class PerturbedStart final : public std::thread::_State {
  public:
    PerturbedStart(std::thread::_State_ptr work, std::uint32_t number)
        : work_(std::move(work)), number_(number) {}
    void _M_run() override {
        seed_thread(number_);
        perturb(thread_start);
        work_->_M_run();
    }

  private:
    std::thread::_State_ptr work_;
    std::uint32_t number_;
};

}  // namespace
#endif

void wrap_start_thread(std::thread* thread, std::thread::_State_ptr state, void (*depend)()) {
    // As libstdc++ reports a thread it cannot start (EAGAIN when out of resources).
    if (const int error = course_injected_thread_failure()) {
        throw std::system_error(std::error_code(error, std::generic_category()));
    }
#if defined(COURSE_SCHEDULE_CHAOS)
    if (enabled()) {
        const std::uint32_t number = g_next_thread.fetch_add(1, std::memory_order_relaxed);
        real_start_thread(thread, std::make_unique<PerturbedStart>(std::move(state), number),
                          depend);
        return;
    }
#endif
    real_start_thread(thread, std::move(state), depend);
}

#endif  // COURSE_WRAP_LIBSTDCXX

#if defined(COURSE_WRAP_LIBCXX)
// libc++ (macOS's standard library) starts a std::thread with pthread_create() called from
// code inlined into the program, so that call is what we redirect. CMake defines
// COURSE_WRAP_LIBCXX and adds the matching --wrap options only when the standard library is
// libc++.

extern "C" {
int __real_pthread_create(pthread_t* thread, const pthread_attr_t* attributes,
                          void* (*start)(void*), void* argument);
int __wrap_pthread_create(pthread_t* thread, const pthread_attr_t* attributes,
                          void* (*start)(void*), void* argument);
}

#if defined(COURSE_SCHEDULE_CHAOS)
namespace {

/// What a new thread runs: its number's dice, maybe a pause, then the thread's own start.
struct PerturbedStart {
    void* (*start)(void*);
    void* argument;
    std::uint32_t number;
};

void* run_perturbed_start(void* opaque) {
    const PerturbedStart given = *static_cast<PerturbedStart*>(opaque);
    delete static_cast<PerturbedStart*>(opaque);
    seed_thread(given.number);
    perturb(thread_start);
    return given.start(given.argument);
}

}  // namespace
#endif

int __wrap_pthread_create(pthread_t* thread, const pthread_attr_t* attributes,
                          void* (*start)(void*), void* argument) {
    // pthread_create() reports a refused thread with its result; libc++'s std::thread turns it
    // into a std::system_error.
    if (const int error = course_injected_thread_failure()) return error;
#if defined(COURSE_SCHEDULE_CHAOS)
    if (enabled()) {
        auto* perturbed = new (std::nothrow) PerturbedStart{
            start, argument, g_next_thread.fetch_add(1, std::memory_order_relaxed)};
        if (perturbed != nullptr) {
            const int result =
                __real_pthread_create(thread, attributes, &run_perturbed_start, perturbed);
            if (result != 0) delete perturbed;
            return result;
        }
    }
#endif
    return __real_pthread_create(thread, attributes, start, argument);
}

#endif  // COURSE_WRAP_LIBCXX
