// chosen.cpp: platform_calls.hpp's calls, each handed to the implementation this build chose
// (COURSE_PLATFORM).
#include <cerrno>

#include "implementations.hpp"

namespace course::platform {

#if COURSE_PLATFORM_LINUX
namespace chosen = linux_kernel;
#else
namespace chosen = posix;
#endif

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
