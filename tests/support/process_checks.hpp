// process_checks.hpp: checks the process-chapter tests share (children left behind, open descriptors).
#pragma once

#include <dirent.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstddef>
#include <new>
#include <stdexcept>
#include <utility>

namespace course_test {

/// True when this process has no child at all: none running and no zombie waiting to be
/// reaped. The test binary starts no child of its own, so any child is the exercise's.
inline bool no_children_left() {
    const pid_t pid = waitpid(-1, nullptr, WNOHANG);
    return pid == -1 && errno == ECHILD;
}

/// The number of entries of a folder such as /dev/fd or /proc/self/task (0 if it cannot be read).
inline std::size_t proc_entry_count(const char* folder) {
    std::size_t count = 0;
    DIR* dir = opendir(folder);
    if (dir == nullptr) return 0;
    while (const dirent* entry = readdir(dir)) {
        if (entry->d_name[0] != '.') ++count;
    }
    closedir(dir);
    return count;
}

/// The number of file descriptors this process has open right now. /dev/fd lists them on
/// Linux (a link to /proc/self/fd) and on macOS alike.
inline std::size_t open_descriptor_count() {
    const std::size_t count = proc_entry_count("/dev/fd");
    return count == 0 ? 0 : count - 1;  // the descriptor opendir itself held
}

/// A T in memory shared with every child forked after it was made: the one way for a
/// test to see what happened inside a child process (a counter, a PID, a semaphore).
template <class T>
class Shared {
public:
    template <class... Args>
    explicit Shared(Args&&... args) {
        void* memory = mmap(nullptr, sizeof(T), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (memory == MAP_FAILED) throw std::runtime_error("mmap failed");
        object_ = new (memory) T(std::forward<Args>(args)...);
    }
    Shared(const Shared&) = delete;
    Shared& operator=(const Shared&) = delete;
    ~Shared() {
        object_->~T();
        munmap(object_, sizeof(T));
    }
    T& operator*() const { return *object_; }
    T* operator->() const { return object_; }

private:
    T* object_ = nullptr;
};

}  // namespace course_test
