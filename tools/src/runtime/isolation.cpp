// isolation.cpp: probe bubblewrap, pick an unprivileged user, build the sandbox command.
#include "isolation.hpp"

#include <pwd.h>
#include <unistd.h>

#include <utility>

#include "platform_calls.hpp"
#include "user_error.hpp"
#include "watchdog.hpp"

namespace course {
namespace fs = std::filesystem;

std::vector<std::string> Isolation::wrapper(const fs::path& writable) const {
    if (kind != "bubblewrap") return {};
    std::vector<std::string> words{"bwrap",
            "--unshare-all",       // new user, pid, network, IPC, UTS and cgroup namespaces
            "--die-with-parent",   // if the watchdog goes, so does everything inside
            "--new-session",       // no way to push keystrokes into the grader's terminal
            "--cap-drop", "ALL",
            "--ro-bind", "/", "/",  // the whole machine, read-only
            "--dev", "/dev",
            "--proc", "/proc",     // this pid namespace's processes only
            "--size", std::to_string(256 << 20), "--tmpfs", "/tmp",
            "--bind", writable.string(), writable.string(),
            "--chdir", writable.string()};
    for (const fs::path& path : read_only) words.insert(words.end() - 2, {"--ro-bind", path.string(), path.string()});
    return words;
}

std::string Isolation::describe() const {
    std::string user = uid != 0 ? ", as the unprivileged user " + std::to_string(uid) : "";
    if (kind == "bubblewrap") {
        return "bubblewrap: read-only file system, private /tmp, no network, own pid namespace, "
               "no capabilities" + user;
    }
    return "none (" + reason + "): limits and process sweeping only" + user;
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
    probe.argv.insert(probe.argv.end(), {"sh", "-c", "touch ./probe && ! touch / 2>/dev/null"});
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
