// platform_calls.hpp: what the course tool asks of the system beyond POSIX, with a Linux answer and
// a POSIX one.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

// Every call below goes to one of two implementations, chosen when the tool is configured
// (COURSE_PLATFORM): `linux` (Linux's own calls: a child subreaper, /proc, pipe2,
// close_range, clearenv, inotify) or `posix` (what macOS and every POSIX system have:
// process-group sweeping, fcntl(FD_CLOEXEC), polling). The rest of the tool never calls a
// Linux-only function itself.
namespace course::platform {

/// "linux" or "posix": the implementation this build uses.
const char* name();

/// pipe() whose two ends close on exec. 0, or -1 with errno set.
int open_pipe(int ends[2]);

/// In a child between fork() and exec(): closes every descriptor from `first` up.
void close_descriptors_from(int first);

/// In a child between fork() and exec(): empties the environment.
void clear_environment();

/// An unnamed temporary file in /tmp, open for reading and writing, closed on exec: gone
/// when its last descriptor closes. -1 with errno set when none can be made.
int anonymous_file();

/// A descriptor that becomes readable when the child `pid` ends (Linux's pidfd), or -1
/// where there is none: the caller then polls waitpid().
int process_handle(pid_t pid);

/// The name of a signal without "SIG" ("SEGV"), or empty for a number it does not know.
std::string signal_abbreviation(int signal);

/// Makes the calling process adopt the orphans of its descendants (Linux's child
/// subreaper), so that sweep_processes() finds those that left the group too. False where
/// the system cannot: the sweep then reaches the process group only.
bool adopt_orphans();

/// True if adopt_orphans() can work here: a process that left the group (setsid) or whose
/// parent died (a double fork) is still found by the sweep.
bool sweeps_escaped_processes();

/// Kills the process group `group` and, where the caller adopts orphans, every descendant
/// re-parented to it, then waits until none of them runs. Returns how many were still
/// running (zombies do not count): the processes a run left behind.
int sweep_processes(pid_t group);

/// The process that runs `program` nearest below `wrapper` (the test program a sandbox such
/// as bubblewrap started, as the host sees it), for a debugger to attach to; -1 when there is
/// none or it cannot be known here.
pid_t wrapped_program(pid_t wrapper, const std::filesystem::path& program);

/// How many processes the user `uid` has now (RLIMIT_NPROC counts them all), or -1 when
/// that cannot be known here.
long processes_of_user(unsigned uid);

/// A group of processes whose memory (shared memory and files in memory included) and
/// number of tasks (threads included) the kernel bounds together: a Linux control group.
struct ResourceGroup {
    std::vector<std::string> join_files;        ///< a process joins by writing its pid to each
    std::vector<std::filesystem::path> folders; ///< the group's folders, removed when done
    std::filesystem::path memory_events;        ///< where the kernel counts its "oom_kill"s
};

/// Makes a group named `name` below the calling process's own groups, bounded to
/// `memory_bytes` and `tasks`. Where that cannot be done (no cgroups, no right to make
/// them), the group has no join_files and `why` says why.
ResourceGroup make_resource_group(const std::string& name, std::uint64_t memory_bytes, long tasks, std::string& why);

/// In a child between fork() and exec(): moves the calling process into `group`. False if a
/// write failed. Only open(), write() and close(): safe after fork() in a threaded program.
bool join_resource_group(const ResourceGroup& group);

/// How many times the kernel has killed a process of `group` for its memory limit, or -1
/// when it does not say.
long resource_group_memory_kills(const ResourceGroup& group);

/// Removes the group's folders (which must have no process left).
void remove_resource_group(const ResourceGroup& group);

/// Why graded code cannot be sandboxed here, or empty where bubblewrap (Linux's user
/// namespaces) may be tried.
std::string sandbox_unavailable_reason();

/// Tells when watched files may have been saved.
class FileWatcher {
  public:
    virtual ~FileWatcher() = default;
    /// A descriptor to poll() that becomes readable when a watched file may have changed,
    /// or -1 for a watcher that polls: then call changed() every half second or so.
    virtual int descriptor() const = 0;
    /// True if a watched file was saved since the last call (or since the watcher was made).
    virtual bool changed() = 0;
    /// For people: how it watches ("inotify", "polling: ...").
    virtual std::string how() const = 0;
};

/// A watcher of `files` (their folders, so that a save by rename counts): inotify on Linux,
/// except on file systems whose changes inotify never hears of (a Windows drive under
/// WSL2, network and FUSE mounts), where it polls, as it does elsewhere.
std::unique_ptr<FileWatcher> watch_files(const std::vector<std::filesystem::path>& files);

/// A watcher that compares the files' sizes and modification times on each changed():
/// works on every file system.
std::unique_ptr<FileWatcher> polling_watcher(const std::vector<std::filesystem::path>& files,
                                             const std::string& why);

}  // namespace course::platform
