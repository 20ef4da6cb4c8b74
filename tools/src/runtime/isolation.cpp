// isolation.cpp: probe bubblewrap, pick an unprivileged user, build the sandbox command.
#include "isolation.hpp"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <iterator>
#include <utility>

#include "platform_calls.hpp"
#include "user_error.hpp"
#include "watchdog.hpp"

namespace course {
namespace fs = std::filesystem;

namespace {

/// What a test program needs of the machine, read-only: the programs and libraries, the
/// dynamic linker's cache and the few files the C library reads. Nothing else of the host
/// is there: no home, no /run or /var/run (and none of their sockets), no /tmp, no other
/// grading's files.
void add_system(std::vector<std::string>& words) {
    for (const char* top : {"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"}) {
        std::error_code error;
        if (fs::is_symlink(top, error)) {
            // Merged /usr: the top-level folder is a link into /usr.
            words.insert(words.end(), {"--symlink", fs::read_symlink(top, error).string(), top});
        } else if (fs::is_directory(top, error)) {
            words.insert(words.end(), {"--ro-bind", top, top});
        }
    }
    words.insert(words.end(), {"--ro-bind", "/usr", "/usr"});
    // The alternatives are links only (/usr/bin/c++ is one of them).
    for (const char* file : {"/etc/alternatives", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d",
                             "/etc/localtime", "/etc/nsswitch.conf", "/etc/passwd", "/etc/group"}) {
        words.insert(words.end(), {"--ro-bind-try", file, file});
    }
}

}  // namespace

std::vector<std::string> Isolation::wrapper(const fs::path& writable) const {
    if (kind != "bubblewrap") return {};
    std::vector<std::string> words{"bwrap",
            "--unshare-all",       // new user, pid, network, IPC, UTS and cgroup namespaces
            "--die-with-parent",   // if the watchdog goes, so does everything inside
            "--new-session",       // no way to push keystrokes into the grader's terminal
            "--cap-drop", "ALL"};
    add_system(words);
    const auto sized = [](std::uint64_t bytes) { return std::to_string(bytes); };
    words.insert(words.end(), {
            "--dev", "/dev",
            // Shared memory is a tmpfs of its own, sized: it is not counted by RLIMIT_DATA.
            "--size", sized(tmpfs_bytes), "--tmpfs", "/dev/shm",
            "--remount-ro", "/dev",  // devices still work; no file can be written into /dev
            "--proc", "/proc",       // this pid namespace's processes only
            "--size", sized(tmpfs_bytes), "--tmpfs", "/tmp",
            // The program's folder is a sized tmpfs too: what it writes never reaches the
            // host's disk, and vanishes with the sandbox.
            "--size", sized(tmpfs_bytes), "--tmpfs", writable.string()});
    // After the tmpfs mounts, which would hide them: the test binaries may live under /tmp.
    for (const fs::path& path : read_only) words.insert(words.end(), {"--ro-bind", path.string(), path.string()});
    words.insert(words.end(), {"--chdir", writable.string()});
    return words;
}

std::vector<std::string> Isolation::build_wrapper(const std::vector<fs::path>& readable,
                                                  const std::vector<fs::path>& hidden,
                                                  const std::vector<fs::path>& writable) const {
    if (kind != "bubblewrap") return {};
    std::vector<std::string> words{"bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL"};
    add_system(words);
    words.insert(words.end(), {"--dev", "/dev", "--proc", "/proc",
                               // The compiler's temporary files: generous, but bounded.
                               "--size", std::to_string(std::uint64_t{1} << 30), "--tmpfs", "/tmp"});
    // Outer folders first: a folder bound or hidden inside another comes after it (a hidden
    // build/ may hold the grading's own tree, which is bound again inside it).
    std::vector<std::pair<fs::path, std::string>> mounts;
    std::error_code error;
    for (const fs::path& path : readable) mounts.emplace_back(path, "--ro-bind");
    for (const fs::path& path : hidden) {
        if (fs::is_directory(path, error)) mounts.emplace_back(path, "--tmpfs");
    }
    for (const fs::path& path : writable) mounts.emplace_back(path, "--bind");
    const auto depth = [](const fs::path& path) { return std::distance(path.begin(), path.end()); };
    std::stable_sort(mounts.begin(), mounts.end(),
                     [&](const auto& a, const auto& b) { return depth(a.first) < depth(b.first); });
    for (const auto& [path, how] : mounts) {
        words.push_back(how);
        if (how != "--tmpfs") words.push_back(path.string());
        words.push_back(path.string());
    }
    return words;
}

std::string Isolation::describe() const {
    std::string user;
    if (uid != 0 && users > 1) {
        user = ", as the unprivileged users " + std::to_string(uid) + " to " + std::to_string(uid + users - 1) +
               " (one per parallel worker, chosen for this grading)";
    } else if (uid != 0) {
        user = ", as the unprivileged user " + std::to_string(uid);
    }
    const std::string groups = resource_groups.empty() ? "" : "; " + resource_groups;
    if (kind == "bubblewrap") {
        return "bubblewrap: only the system's programs and libraries, read-only; private, sized /tmp, "
               "/dev/shm and working folder; no network, own pid namespace, no capabilities" + user + groups;
    }
    return "none (" + reason + "): limits and process sweeping only" + user + groups;
}

Isolation choose_isolation(const std::string& wanted, const fs::path& scratch) {
    Isolation isolation;
    if (geteuid() == 0) {
        // Student code never runs as root: it runs as nobody (or as the user named by
        // COURSE_GRADE_USER; the grader may pick other unprivileged users per worker),
        // which also makes the process-count limit effective.
        const char* name = std::getenv("COURSE_GRADE_USER");
        const passwd* user = getpwnam(name != nullptr && *name != '\0' ? name : "nobody");
        isolation.uid = user != nullptr ? user->pw_uid : 65534;
        isolation.gid = user != nullptr ? user->pw_gid : 65534;
    }
    if (wanted == "none") {
        isolation.reason = "switched off with --isolation none";
        return isolation;
    }
    if (std::string why = platform::sandbox_unavailable_reason(); !why.empty()) {
        // Linux only: a Mac grades with limits and sweeping, and every report says so.
        if (wanted == "bwrap") throw UserError("--isolation bwrap: " + why);
        isolation.reason = std::move(why);
        return isolation;
    }
    fs::create_directories(scratch);
    fs::permissions(scratch, fs::perms::all);
    Isolation candidate = isolation;
    candidate.kind = "bubblewrap";
    Launch probe;
    probe.argv = candidate.wrapper(scratch);
    probe.argv.insert(probe.argv.end(), {"sh", "-c", "touch ./probe && ! touch /usr/probe 2>/dev/null"});
    probe.run_as_uid = candidate.uid;
    probe.run_as_gid = candidate.gid;
    Limits limits;
    limits.wall = std::chrono::seconds(20);
    const Outcome outcome = run_watched(probe, limits);
    if (outcome.ending == Ending::exited && outcome.exit_code == 0) return candidate;
    isolation.reason = outcome.ending == Ending::not_started
                           ? "bubblewrap is not installed"
                           : "bubblewrap does not work here: " +
                                 (outcome.output.empty() ? "status " + std::to_string(outcome.exit_code)
                                                         : outcome.output.substr(0, outcome.output.find('\n')));
    if (wanted == "bwrap") throw UserError("--isolation bwrap: " + isolation.reason);
    return isolation;
}

}  // namespace course
