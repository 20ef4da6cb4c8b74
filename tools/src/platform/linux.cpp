// linux.cpp: the platform layer with Linux's own calls: a child subreaper, /proc, pipe2,
// close_range, inotify.
#include "implementations.hpp"

#if COURSE_PLATFORM_LINUX

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

namespace course::platform::linux_kernel {
namespace fs = std::filesystem;

int open_pipe(int ends[2]) {
    return pipe2(ends, O_CLOEXEC);
}

void close_descriptors_from(int first) {
    // close_range() came with Linux 5.9; an older kernel says ENOSYS.
    if (close_range(static_cast<unsigned>(first), ~0U, 0) != 0)
        posix::close_descriptors_from(first);
}

void clear_environment() {
    clearenv();
}

int anonymous_file() {
    const int fd = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    // Some file systems have no O_TMPFILE: a named file, unlinked at once.
    return fd >= 0 ? fd : posix::anonymous_file();
}

int process_handle(pid_t pid) {
#ifdef SYS_pidfd_open
    return static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
#else
    (void)pid;
    errno = ENOSYS;
    return -1;
#endif
}

std::string signal_abbreviation(int signal) {
    const char* abbrev = sigabbrev_np(signal);
    return abbrev != nullptr ? abbrev : "";
}

bool adopt_orphans() {
    return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0;
}

namespace {

struct ProcStat {
    pid_t pid;
    pid_t ppid;
    pid_t pgrp;
    char state;
};

/// Every process on the machine, from /proc/PID/stat.
std::vector<ProcStat> all_processes() {
    std::vector<ProcStat> found;
    DIR* proc = opendir("/proc");
    if (proc == nullptr) return found;
    while (const dirent* entry = readdir(proc)) {
        char* end = nullptr;
        const long pid = std::strtol(entry->d_name, &end, 10);
        if (*end != '\0' || pid <= 0) continue;
        std::ifstream file(std::string("/proc/") + entry->d_name + "/stat");
        std::string line;
        if (!std::getline(file, line)) continue;
        // The command name is in parentheses and may itself hold spaces or parentheses.
        const auto close = line.rfind(')');
        if (close == std::string::npos) continue;
        std::istringstream rest(line.substr(close + 1));
        ProcStat stat{static_cast<pid_t>(pid), 0, 0, '?'};
        rest >> stat.state >> stat.ppid >> stat.pgrp;
        if (rest) found.push_back(stat);
    }
    closedir(proc);
    return found;
}

}  // namespace

/// Anything the run started that is still around is, by now, either in its group or
/// re-parented to us, the subreaper (adopt_orphans()).
int sweep_processes(pid_t group) {
    // The usual case, without a walk of /proc: nobody left in the group and no child of ours,
    // living or dead, means nothing the run started lives on (a live descendant is a child of
    // ours or a descendant of a live child, since we adopt orphans).
    while (waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    if (kill(-group, 0) != 0 && errno == ESRCH && waitpid(-1, nullptr, WNOHANG) < 0 && errno == ECHILD) return 0;
    const pid_t self = getpid();
    // Each process counts once, however it is found: a process can leave the group
    // (setsid) between the two looks below.
    std::set<pid_t> counted;
    for (const ProcStat& p : all_processes()) {
        if (p.pgrp == group && p.state != 'Z') counted.insert(p.pid);
    }
    kill(-group, SIGKILL);
    for (int round = 0; round < 100'000; ++round) {
        while (waitpid(-1, nullptr, WNOHANG) > 0) {
        }
        std::vector<pid_t> children;
        for (const ProcStat& p : all_processes()) {
            if (p.ppid == self) {
                children.push_back(p.pid);
                if (p.state != 'Z') counted.insert(p.pid);
            }
        }
        if (children.empty()) break;
        for (const pid_t child : children) {
            kill(child, SIGKILL);
            // Its own group too: a setsid() escapee may have started a family of its own.
            if (const pid_t its_group = getpgid(child); its_group > 1 && its_group != self) {
                kill(-its_group, SIGKILL);
            }
        }
        for (const pid_t child : children)
            waitpid(child, nullptr, 0);
    }
    return static_cast<int>(counted.size());
}

pid_t wrapped_program(pid_t wrapper, const fs::path& program) {
    std::error_code error;
    const fs::path wanted = fs::canonical(program, error);
    if (error) return -1;
    const std::vector<ProcStat> all = all_processes();
    // Breadth first from the wrapper: the program's own forks run the same file, further down.
    std::vector<pid_t> level{wrapper};
    while (!level.empty()) {
        std::vector<pid_t> next;
        for (const ProcStat& p : all) {
            if (std::find(level.begin(), level.end(), p.ppid) == level.end()) continue;
            if (fs::read_symlink("/proc/" + std::to_string(p.pid) + "/exe", error) == wanted && !error) return p.pid;
            next.push_back(p.pid);
        }
        level = std::move(next);
    }
    return -1;
}

namespace {

/// A mounted cgroup hierarchy: where, from which of its folders, and of which version.
struct Hierarchy {
    fs::path mount;
    fs::path root;            ///< the hierarchy's folder that is mounted there
    bool unified = false;     ///< cgroup v2
    std::string controllers;  ///< v1: the mount's options ("rw,memory")
};

std::vector<Hierarchy> mounted_hierarchies() {
    std::vector<Hierarchy> found;
    std::ifstream info("/proc/self/mountinfo");
    std::string line;
    while (std::getline(info, line)) {
        // id parent major:minor root mount-point options [optional...] - type source super-options
        std::istringstream fields(line);
        std::string id, parent, device, root, mount, options, word;
        fields >> id >> parent >> device >> root >> mount >> options;
        while (fields >> word && word != "-") {
        }
        std::string type, source, super;
        fields >> type >> source >> super;
        if (type == "cgroup2") found.push_back({mount, root, true, ""});
        if (type == "cgroup") found.push_back({mount, root, false, super});
    }
    return found;
}

/// Whether the `separator`-separated `list` ("rw,memory", "cpu memory pids") holds `word`.
bool lists(const std::string& list, char separator, const std::string& word) {
    std::istringstream items(list);
    std::string each;
    while (std::getline(items, each, separator)) {
        if (each == word) return true;
    }
    return false;
}

/// This process's folder in `hierarchy`, from /proc/self/cgroup; empty if it is not in it.
fs::path own_folder(const Hierarchy& hierarchy, const std::string& controller) {
    std::ifstream groups("/proc/self/cgroup");
    std::string line;
    while (std::getline(groups, line)) {
        // id:controllers:path, with v2's line "0::path"
        const auto first = line.find(':');
        const auto second = line.find(':', first + 1);
        if (first == std::string::npos || second == std::string::npos) continue;
        const std::string controllers = line.substr(first + 1, second - first - 1);
        const std::string path = line.substr(second + 1);
        const bool matches = hierarchy.unified ? controllers.empty() : lists(controllers, ',', controller);
        if (!matches) continue;
        const std::string root = hierarchy.root.string();
        const std::string inside = path.rfind(root, 0) == 0 ? path.substr(root == "/" ? 0 : root.size()) : path;
        return hierarchy.mount / fs::path(inside).relative_path();
    }
    return {};
}

bool write_text(const fs::path& file, const std::string& text) {
    std::ofstream out(file);
    out << text;
    out.flush();
    return static_cast<bool>(out);
}

std::string read_text(const fs::path& file) {
    std::ifstream in(file);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

bool has_word(const std::string& text, const std::string& word) {
    std::istringstream words(text);
    std::string each;
    while (words >> each) {
        if (each == word) return true;
    }
    return false;
}

/// Makes the group's folder `name` in `above` (kept if it is there already), and records it.
bool make_group_folder(const fs::path& above, const std::string& name, ResourceGroup& group, std::string& why) {
    const fs::path folder = above / name;
    std::error_code error;
    fs::create_directory(folder, error);
    if (error) {
        why = "cannot make " + folder.string() + ": " + error.message();
        return false;
    }
    group.folders.push_back(folder);
    return true;
}

/// cgroup v2: one folder, both controllers, where the folder above delegates them to us.
bool make_unified_group(const Hierarchy& hierarchy, const std::string& name, std::uint64_t memory_bytes, long tasks,
                        ResourceGroup& group, std::string& why) {
    const fs::path above = own_folder(hierarchy, "");
    const std::string available = read_text(above / "cgroup.controllers");
    if (above.empty() || !has_word(available, "memory") || !has_word(available, "pids")) {
        why = "the unified cgroup hierarchy does not give this process the memory and pids controllers";
        return false;
    }
    const std::string enabled = read_text(above / "cgroup.subtree_control");
    if ((!has_word(enabled, "memory") || !has_word(enabled, "pids")) &&
        !write_text(above / "cgroup.subtree_control", "+memory +pids")) {
        why = "cannot enable the memory and pids controllers below " + above.string() +
              " (a cgroup with processes of its own cannot delegate them)";
        return false;
    }
    if (!make_group_folder(above, name, group, why)) return false;
    const fs::path& folder = group.folders.back();
    write_text(folder / "memory.swap.max", "0");  // where there is swap: none for graded code
    if (!write_text(folder / "memory.max", std::to_string(memory_bytes)) ||
        !write_text(folder / "pids.max", std::to_string(tasks))) {
        why = "cannot set the limits of " + folder.string();
        return false;
    }
    group.join_files = {(folder / "cgroup.procs").string()};
    group.memory_events = folder / "memory.events";
    return true;
}

/// cgroup v1: a folder in the memory hierarchy and one in the pids hierarchy.
bool make_v1_group(const std::vector<Hierarchy>& hierarchies, const std::string& name, std::uint64_t memory_bytes,
                   long tasks, ResourceGroup& group, std::string& why) {
    for (const char* controller : {"memory", "pids"}) {
        const auto it = std::find_if(hierarchies.begin(), hierarchies.end(), [&](const Hierarchy& h) {
            return !h.unified && lists(h.controllers, ',', controller);
        });
        const fs::path above = it == hierarchies.end() ? fs::path() : own_folder(*it, controller);
        if (above.empty()) {
            why = std::string("no cgroup hierarchy with the ") + controller + " controller is mounted";
            return false;
        }
        if (!make_group_folder(above, name, group, why)) return false;
        const fs::path& folder = group.folders.back();
        bool set = true;
        if (std::string(controller) == "memory") {
            set = write_text(folder / "memory.limit_in_bytes", std::to_string(memory_bytes));
            // With swap accounting, memory and swap together: graded code gets no swap either.
            if (fs::exists(folder / "memory.memsw.limit_in_bytes"))
                set = set && write_text(folder / "memory.memsw.limit_in_bytes", std::to_string(memory_bytes));
            group.memory_events = folder / "memory.oom_control";
        } else {
            set = write_text(folder / "pids.max", std::to_string(tasks));
        }
        if (!set) {
            why = "cannot set the limits of " + folder.string();
            return false;
        }
        group.join_files.push_back((folder / "cgroup.procs").string());
    }
    return true;
}

}  // namespace

ResourceGroup make_resource_group(const std::string& name, std::uint64_t memory_bytes, long tasks, std::string& why) {
    const std::vector<Hierarchy> hierarchies = mounted_hierarchies();
    std::string why_not_unified;
    for (const Hierarchy& hierarchy : hierarchies) {
        if (!hierarchy.unified) continue;
        ResourceGroup group;
        if (make_unified_group(hierarchy, name, memory_bytes, tasks, group, why_not_unified)) return group;
        remove_resource_group(group);
    }
    ResourceGroup group;
    std::string why_not_v1;
    if (make_v1_group(hierarchies, name, memory_bytes, tasks, group, why_not_v1)) return group;
    remove_resource_group(group);
    why = why_not_unified.empty() ? why_not_v1 : why_not_unified + "; " + why_not_v1;
    if (hierarchies.empty()) why = "no cgroup file system is mounted";
    return {};
}

long resource_group_memory_kills(const ResourceGroup& group) {
    std::istringstream events(read_text(group.memory_events));
    std::string key;
    long value = 0;
    while (events >> key >> value) {
        if (key == "oom_kill") return value;
    }
    return -1;
}

long processes_of_user(unsigned uid) {
    long count = 0;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator("/proc", error)) {
        const std::string name = entry.path().filename().string();
        if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
        std::ifstream status(entry.path() / "status");
        std::string line;
        while (std::getline(status, line)) {
            if (line.rfind("Uid:", 0) == 0) {
                if (std::stoul(line.substr(4)) == uid) ++count;
                break;
            }
        }
    }
    return error ? -1 : count;
}

std::string inotify_silent_on(const fs::path& folder) {
    struct statfs info {};
    if (statfs(folder.c_str(), &info) != 0) return "";
    // inotify hears of the changes made through this kernel only. Magic numbers of
    // <linux/magic.h>, spelt out because older headers lack some of them.
    switch (static_cast<unsigned long>(info.f_type)) {
        case 0x01021997:
            return "the folder is on a 9p file system (a Windows drive under WSL2), where inotify "
                   "is silent";
        case 0x6969:
            return "the folder is on NFS, where inotify does not hear other machines' edits";
        case 0x517B:
        case 0xFF534D42:
        case 0xFE534D42:
            return "the folder is on a Windows share (SMB), where inotify does not hear other "
                   "machines' edits";
        case 0x65735546:
            return "the folder is on a FUSE file system (a shared folder of a VM or container), "
                   "where inotify may be silent";
        default:
            return "";
    }
}

namespace {

class InotifyWatcher final : public FileWatcher {
  public:
    InotifyWatcher(int fd, std::vector<std::string> names) : fd_(fd), names_(std::move(names)) {}
    ~InotifyWatcher() override { close(fd_); }
    InotifyWatcher(const InotifyWatcher&) = delete;
    InotifyWatcher& operator=(const InotifyWatcher&) = delete;
    int descriptor() const override { return fd_; }
    std::string how() const override { return "inotify"; }

    bool changed() override {
        bool seen = false;
        alignas(inotify_event) char buffer[4096];
        ssize_t n;
        while ((n = read(fd_, buffer, sizeof buffer)) > 0) {
            for (char* p = buffer; p < buffer + n;) {
                const auto* event = reinterpret_cast<const inotify_event*>(p);
                if (event->len > 0 &&
                    std::find(names_.begin(), names_.end(), event->name) != names_.end())
                    seen = true;
                p += sizeof(inotify_event) + event->len;
            }
        }
        return seen;
    }

  private:
    int fd_;
    std::vector<std::string> names_;
};

}  // namespace

std::unique_ptr<FileWatcher> watch_files(const std::vector<fs::path>& files) {
    std::vector<std::string> names;
    std::set<fs::path> folders;
    for (const fs::path& file : files) {
        names.push_back(file.filename().string());
        folders.insert(file.parent_path().empty() ? fs::path(".") : file.parent_path());
    }
    for (const fs::path& folder : folders) {
        if (std::string why = inotify_silent_on(folder); !why.empty())
            return polling_watcher(files, why);
    }
    const int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (fd < 0)
        return polling_watcher(files,
                               std::string("inotify is not available: ") + std::strerror(errno));
    for (const fs::path& folder : folders) {
        // Editors often save by writing a new file and renaming it: watch the folder.
        if (inotify_add_watch(fd, folder.c_str(), IN_CLOSE_WRITE | IN_MOVED_TO | IN_MODIFY) < 0) {
            const std::string why = std::string("inotify cannot watch ") + folder.string() + ": " +
                                    std::strerror(errno);
            close(fd);
            return polling_watcher(files, why);
        }
    }
    return std::make_unique<InotifyWatcher>(fd, std::move(names));
}

}  // namespace course::platform::linux_kernel

#endif
