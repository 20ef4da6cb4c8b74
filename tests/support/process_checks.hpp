// process_checks.hpp: checks the process-chapter tests share (children left behind, open descriptors).
#pragma once

#include <dirent.h>
#include <sys/wait.h>

#include <cerrno>
#include <chrono>
#include <cstddef>

namespace course_test {

/// True when this process has no child at all: none running and no zombie waiting to be
/// reaped. The test binary starts no child of its own, so any child is the exercise's.
inline bool no_children_left() {
    const pid_t pid = waitpid(-1, nullptr, WNOHANG);
    return pid == -1 && errno == ECHILD;
}

/// The number of file descriptors this process has open right now.
inline std::size_t open_descriptor_count() {
    std::size_t count = 0;
    DIR* dir = opendir("/proc/self/fd");
    if (dir == nullptr) return 0;
    while (const dirent* entry = readdir(dir)) {
        if (entry->d_name[0] != '.') ++count;
    }
    closedir(dir);
    return count - 1;  // the descriptor opendir itself holds
}

/// An absolute deadline `seconds` from now, for the bounded waits tests use to turn a
/// deadlock into a failure with a message. Never a measure of speed: the bound is far
/// above what a correct solution needs.
inline std::chrono::steady_clock::time_point deadline_in(int seconds) {
    return std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
}

}  // namespace course_test
