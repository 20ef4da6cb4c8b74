// chosen.cpp: platform_calls.hpp's calls, each handed to the implementation this build chose
// (COURSE_PLATFORM).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "implementations.hpp"

namespace course::platform {

#if COURSE_PLATFORM_LINUX
namespace chosen = linux_kernel;
#else
namespace chosen = posix;
#endif

bool join_resource_group(const ResourceGroup& group) {
    char pid[24];
    int length = 0;
    for (long value = getpid(); value > 0; value /= 10) pid[length++] = static_cast<char>('0' + value % 10);
    for (int i = 0; i < length / 2; ++i) std::swap(pid[i], pid[length - 1 - i]);
    bool joined = true;
    for (const std::string& file : group.join_files) {
        const int fd = open(file.c_str(), O_WRONLY | O_CLOEXEC);
        joined = fd >= 0 && write(fd, pid, static_cast<std::size_t>(length)) == length && joined;
        if (fd >= 0) close(fd);
    }
    return joined;
}

void remove_resource_group(const ResourceGroup& group) {
    // Innermost first; a group the kernel still counts a process in stays (rmdir fails).
    for (auto it = group.folders.rbegin(); it != group.folders.rend(); ++it) rmdir(it->c_str());
}

const char* name() {
    return COURSE_PLATFORM_LINUX ? "linux" : "posix";
}

int open_pipe(int ends[2]) {
    return chosen::open_pipe(ends);
}

void close_descriptors_from(int first) {
    chosen::close_descriptors_from(first);
}

void clear_environment() {
    chosen::clear_environment();
}

int anonymous_file() {
    return chosen::anonymous_file();
}

std::string signal_abbreviation(int signal) {
    return chosen::signal_abbreviation(signal);
}

int sweep_processes(pid_t group) {
    return chosen::sweep_processes(group);
}

long processes_of_user(unsigned uid) {
    return chosen::processes_of_user(uid);
}

#if COURSE_PLATFORM_LINUX

int process_handle(pid_t pid) {
    return linux_kernel::process_handle(pid);
}

bool adopt_orphans() {
    return linux_kernel::adopt_orphans();
}

bool sweeps_escaped_processes() {
    return true;
}

pid_t wrapped_program(pid_t wrapper, const std::filesystem::path& program) {
    return linux_kernel::wrapped_program(wrapper, program);
}

ResourceGroup make_resource_group(const std::string& name, std::uint64_t memory_bytes, long tasks, std::string& why) {
    return linux_kernel::make_resource_group(name, memory_bytes, tasks, why);
}

long resource_group_memory_kills(const ResourceGroup& group) {
    return linux_kernel::resource_group_memory_kills(group);
}

std::string sandbox_unavailable_reason() {
    return "";
}

std::unique_ptr<FileWatcher> watch_files(const std::vector<std::filesystem::path>& files) {
    return linux_kernel::watch_files(files);
}

#else

int process_handle(pid_t) {
    errno = ENOSYS;
    return -1;
}

bool adopt_orphans() {
    return false;
}

bool sweeps_escaped_processes() {
    return false;
}

pid_t wrapped_program(pid_t, const std::filesystem::path&) {
    return -1;  // no sandbox wraps a program here
}

ResourceGroup make_resource_group(const std::string&, std::uint64_t, long, std::string& why) {
    why = "control groups are Linux's, and this course tool is built without Linux's calls";
    return {};
}

long resource_group_memory_kills(const ResourceGroup&) {
    return -1;
}

std::string sandbox_unavailable_reason() {
#if defined(__linux__)
    return "this course tool is built with COURSE_PLATFORM=posix, without Linux's calls, and the "
           "sandbox (bubblewrap) is one of them";
#else
    return "the sandbox (bubblewrap) needs Linux's namespaces, which this system has not: grade on "
           "Linux or in the course's dev container to fence graded code in";
#endif
}

std::unique_ptr<FileWatcher> watch_files(const std::vector<std::filesystem::path>& files) {
#if defined(__linux__)
    return polling_watcher(files,
                           "this course tool is built with COURSE_PLATFORM=posix, without inotify");
#else
    return polling_watcher(files, "this system has no inotify");
#endif
}

#endif

}  // namespace course::platform
