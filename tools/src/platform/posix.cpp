// posix.cpp: the platform layer with POSIX calls only (macOS, the BSDs, and Linux when asked):
// groups, fcntl, polling.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <system_error>
#include <utility>

#include "implementations.hpp"

extern char** environ;

namespace course::platform {
namespace fs = std::filesystem;

namespace {

/// One line of `ps`.
struct Process {
    pid_t pid = 0;
    pid_t group = 0;
    unsigned uid = 0;
    char state = '?';  ///< 'Z' for a zombie: dead, waiting to be reaped
};

/// Every process of the machine, as POSIX's `ps` lists them (there is no /proc to read
/// on macOS). False when ps cannot be run.
bool list_processes(std::vector<Process>& found) {
    found.clear();
    FILE* ps = popen("ps -A -o pid= -o pgid= -o uid= -o stat= 2>/dev/null", "r");
    if (ps == nullptr) return false;
    char line[256];
    while (std::fgets(line, sizeof line, ps) != nullptr) {
        long pid = 0;
        long group = 0;
        unsigned long uid = 0;
        char state[16] = "";
        if (std::sscanf(line, "%ld %ld %lu %15s", &pid, &group, &uid, state) == 4) {
            found.push_back({static_cast<pid_t>(pid), static_cast<pid_t>(group),
                             static_cast<unsigned>(uid), state[0]});
        }
    }
    return pclose(ps) == 0 && !found.empty();
}

/// What changes when a file is saved: its size, its time, and its inode when an editor
/// saves by writing a new file and renaming it over the old one.
struct Stamp {
    bool exists = false;
    ino_t inode = 0;
    off_t size = 0;
    fs::file_time_type time{};
    bool operator==(const Stamp&) const = default;
};

Stamp stamp_of(const fs::path& file) {
    Stamp stamp;
    struct stat info {};
    std::error_code error;
    const auto time = fs::last_write_time(file, error);
    if (stat(file.c_str(), &info) != 0 || error) return stamp;
    return {true, info.st_ino, info.st_size, time};
}

class PollingWatcher final : public FileWatcher {
  public:
    PollingWatcher(std::vector<fs::path> files, std::string why)
        : files_(std::move(files)), why_(std::move(why)) {
        stamps_ = take();
    }
    int descriptor() const override { return -1; }
    bool changed() override {
        std::vector<Stamp> now = take();
        if (now == stamps_) return false;
        stamps_ = std::move(now);
        return true;
    }
    std::string how() const override { return "polling every half second: " + why_; }

  private:
    std::vector<Stamp> take() const {
        std::vector<Stamp> stamps;
        for (const fs::path& file : files_)
            stamps.push_back(stamp_of(file));
        return stamps;
    }

    std::vector<fs::path> files_;
    std::string why_;
    std::vector<Stamp> stamps_;
};

}  // namespace

std::unique_ptr<FileWatcher> polling_watcher(const std::vector<fs::path>& files,
                                             const std::string& why) {
    return std::make_unique<PollingWatcher>(files, why);
}

namespace posix {

int open_pipe(int ends[2]) {
    if (pipe(ends) != 0) return -1;
    // Not atomic, unlike Linux's pipe2(): a thread forking in between would leak the ends
    // into its child. The tool forks from one thread only, so nothing can.
    for (int k = 0; k < 2; ++k) {
        if (fcntl(ends[k], F_SETFD, FD_CLOEXEC) != 0) {
            const int error = errno;
            close(ends[0]);
            close(ends[1]);
            errno = error;
            return -1;
        }
    }
    return 0;
}

void close_descriptors_from(int first) {
    // Every descriptor number the process may have: below its limit of open files, which
    // is small by default (256 on macOS, 1024 on Linux); capped so that a huge limit does
    // not cost a second per run.
    const long limit = sysconf(_SC_OPEN_MAX);
    const int last = limit > 0 && limit < (1 << 16) ? static_cast<int>(limit) : (1 << 16);
    for (int fd = first; fd < last; ++fd)
        close(fd);
}

void clear_environment() {
    std::vector<std::string> names;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
        const std::string text = *entry;
        names.push_back(text.substr(0, text.find('=')));
    }
    for (const std::string& name : names)
        unsetenv(name.c_str());
}

int anonymous_file() {
    char name[] = "/tmp/course-XXXXXX";
    const int fd = mkstemp(name);
    if (fd < 0) return -1;
    unlink(name);
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    return fd;
}

std::string signal_abbreviation(int signal) {
    static const std::pair<int, const char*> names[] = {
        {SIGHUP, "HUP"},       {SIGINT, "INT"},   {SIGQUIT, "QUIT"},   {SIGILL, "ILL"},
        {SIGTRAP, "TRAP"},     {SIGABRT, "ABRT"}, {SIGBUS, "BUS"},     {SIGFPE, "FPE"},
        {SIGKILL, "KILL"},     {SIGUSR1, "USR1"}, {SIGSEGV, "SEGV"},   {SIGUSR2, "USR2"},
        {SIGPIPE, "PIPE"},     {SIGALRM, "ALRM"}, {SIGTERM, "TERM"},   {SIGCHLD, "CHLD"},
        {SIGCONT, "CONT"},     {SIGSTOP, "STOP"}, {SIGTSTP, "TSTP"},   {SIGTTIN, "TTIN"},
        {SIGTTOU, "TTOU"},     {SIGURG, "URG"},   {SIGXCPU, "XCPU"},   {SIGXFSZ, "XFSZ"},
        {SIGVTALRM, "VTALRM"}, {SIGPROF, "PROF"}, {SIGWINCH, "WINCH"}, {SIGSYS, "SYS"},
    };
    for (const auto& [number, name] : names) {
        if (number == signal) return name;
    }
    return "";
}

int sweep_processes(pid_t group) {
    // The usual case, a run that left nothing behind, costs one call.
    if (kill(-group, 0) != 0 && errno == ESRCH) return 0;
    // Each process counts once, however many rounds it takes to see it gone.
    std::set<pid_t> counted;
    std::vector<Process> all;
    for (int round = 0; round < 1000; ++round) {
        if (!list_processes(all)) {
            // Without ps, nothing can be counted or waited for: at least one was there.
            const bool any = kill(-group, SIGKILL) == 0;
            return std::max(any ? 1 : 0, static_cast<int>(counted.size()));
        }
        bool running = false;
        for (const Process& p : all) {
            if (p.group == group && p.state != 'Z') {
                counted.insert(p.pid);
                running = true;
            }
        }
        // Zombies stay until their new parent (init) reaps them: they run no more.
        if (!running) break;
        kill(-group, SIGKILL);
    }
    return static_cast<int>(counted.size());
}

long processes_of_user(unsigned uid) {
    std::vector<Process> all;
    if (!list_processes(all)) return -1;
    long count = 0;
    for (const Process& p : all)
        count += p.uid == uid ? 1 : 0;
    return count;
}

}  // namespace posix
}  // namespace course::platform
