// thread_states.hpp: what /proc says a thread or a process is doing: asleep in a blocking call, a
// zombie, gone.
//
// Linux only: a test case that uses these is marked `* course_test::linux_only()` (platform.hpp),
// so that elsewhere it is skipped instead of failing; the code still compiles there.
#pragma once

#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "platform.hpp"

namespace course_test {

/// The kernel's id of the calling thread, the name of its folder in /proc/self/task (-1
/// where there is no /proc: no state can be read for it there).
inline pid_t current_thread_id() {
#if defined(__linux__)
    return static_cast<pid_t>(::syscall(SYS_gettid));
#else
    return -1;
#endif
}

/// The state letter of a /proc/.../stat file: 'R' running, 'S' asleep in a blocking call
/// (a wait on a mutex or a condition variable, a read() with nothing to read...), 'Z' a
/// zombie; '?' when the thread or process is gone.
inline char proc_state(const std::string& stat_file) {
    std::ifstream in(stat_file);
    std::string text;
    std::getline(in, text);
    const auto name_end = text.rfind(')');  // the command name may hold spaces and ')'
    if (name_end == std::string::npos || name_end + 2 >= text.size()) return '?';
    return text[name_end + 2];
}

inline char thread_state(pid_t tid) {
    return proc_state("/proc/self/task/" + std::to_string(tid) + "/stat");
}
inline char process_state(pid_t pid) {
    return proc_state("/proc/" + std::to_string(pid) + "/stat");
}

/// Looks at `state()` every millisecond until it is `wanted` at two looks in a row (so that
/// a thread caught for an instant on its way to the wait it is heading for does not count),
/// or `limit` has passed. True when it was.
template <class State>
bool state_settles_on(char wanted, State state, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    int in_a_row = 0;
    while (in_a_row < 2) {
        in_a_row = state() == wanted ? in_a_row + 1 : 0;
        if (in_a_row < 2) {
            if (std::chrono::steady_clock::now() > deadline) return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    }
    return true;
}

/// True once the thread `tid` of this process is asleep in a blocking call, within `limit`:
/// how a test knows that a thread has reached the wait it is about to be woken from.
inline bool thread_falls_asleep(pid_t tid, std::chrono::milliseconds limit) {
    return state_settles_on(
        'S', [tid] { return thread_state(tid); }, limit);
}

/// The same for another process (a child of this one, say).
inline bool process_falls_asleep(pid_t pid, std::chrono::milliseconds limit) {
    return state_settles_on(
        'S', [pid] { return process_state(pid); }, limit);
}

/// True once the child `pid` has ended and waits to be reaped (a zombie), within `limit`.
inline bool becomes_zombie(pid_t pid, std::chrono::milliseconds limit) {
    return state_settles_on(
        'Z', [pid] { return process_state(pid); }, limit);
}

/// True once the thread `tid` of this process has ended, within `limit`.
inline bool thread_is_gone(pid_t tid, std::chrono::milliseconds limit) {
    return state_settles_on(
        '?', [tid] { return thread_state(tid); }, limit);
}

}  // namespace course_test
