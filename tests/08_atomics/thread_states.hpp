// thread_states.hpp: what the kernel says a thread of this test is doing, so a test can tell a thread asleep in a wait from one spinning.
#pragma once

#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "bounded_waits.hpp"  // kernel_thread_id()

namespace course_test {

/// The state letter the kernel shows for thread `tid` of this process: 'R' running or
/// ready to run (a thread that spins, yields included), 'S' asleep until an event (a futex,
/// which is what std::atomic::wait, a mutex or a condition variable sleep in), '?' when
/// the thread is gone.
inline char thread_state(pid_t tid) {
    std::ifstream stat("/proc/self/task/" + std::to_string(tid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return '?';
    const std::string::size_type name_end = line.rfind(')');  // the name may hold spaces
    if (name_end == std::string::npos || name_end + 2 >= line.size()) return '?';
    return line[name_end + 2];
}

/// True when thread `tid` is seen asleep at three looks in a row, 1 ms apart, within
/// `limit`: a thread blocked in a wait stays asleep, while a thread that spins is seen
/// running. Three looks, so that a thread caught asleep for a moment on its way (a page
/// fault, a lock inside the runtime) does not count.
inline bool stays_asleep_within(pid_t tid, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    int asleep_in_a_row = 0;
    while (asleep_in_a_row < 3) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        asleep_in_a_row = thread_state(tid) == 'S' ? asleep_in_a_row + 1 : 0;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

/// Waits until a thread has written its kernel id into `slot` (0 until then), for at most
/// `limit`; the id, or 0 when it never came.
inline pid_t wait_for_thread_id(const std::atomic<pid_t>& slot, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    pid_t tid = 0;
    while ((tid = slot.load()) == 0) {
        if (std::chrono::steady_clock::now() > deadline) return 0;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return tid;
}

}  // namespace course_test
