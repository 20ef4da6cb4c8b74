// implementations.hpp: the two implementations behind platform_calls.hpp, by name, for the layer
// itself and its tests.
#pragma once

#include "platform_calls.hpp"

namespace course::platform {

/// Calls every POSIX system has (macOS included). Built everywhere.
namespace posix {
int open_pipe(int ends[2]);
void close_descriptors_from(int first);
void clear_environment();
int anonymous_file();
std::string signal_abbreviation(int signal);
int sweep_processes(pid_t group);
long processes_of_user(unsigned uid);
}  // namespace posix

#if COURSE_PLATFORM_LINUX
/// Linux's own calls. Built when COURSE_PLATFORM is `linux`.
namespace linux_kernel {
int open_pipe(int ends[2]);
void close_descriptors_from(int first);
void clear_environment();
int anonymous_file();
int process_handle(pid_t pid);
std::string signal_abbreviation(int signal);
bool adopt_orphans();
int sweep_processes(pid_t group);
pid_t wrapped_program(pid_t wrapper, const std::filesystem::path& program);
ResourceGroup make_resource_group(const std::string& name, std::uint64_t memory_bytes, long tasks, std::string& why);
long resource_group_memory_kills(const ResourceGroup& group);
long processes_of_user(unsigned uid);
std::unique_ptr<FileWatcher> watch_files(const std::vector<std::filesystem::path>& files);
/// Why inotify would stay silent on the file system holding `folder` (empty: it hears).
std::string inotify_silent_on(const std::filesystem::path& folder);
}  // namespace linux_kernel
#endif

}  // namespace course::platform
