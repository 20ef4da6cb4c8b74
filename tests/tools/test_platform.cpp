// test_platform.cpp: each implementation of the tool's platform layer keeps its promises: cloexec
// pipes, sweeps, watchers.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "implementations.hpp"
#include "isolation.hpp"
#include "user_error.hpp"

namespace fs = std::filesystem;
namespace platform = course::platform;

namespace {

/// One implementation's calls, so that every case below runs against each one built.
struct Implementation {
    const char* name;
    int (*open_pipe)(int[2]);
    void (*close_descriptors_from)(int);
    void (*clear_environment)();
    int (*anonymous_file)();
    std::string (*signal_abbreviation)(int);
    int (*sweep_processes)(pid_t);
    long (*processes_of_user)(unsigned);
};

std::vector<Implementation> implementations() {
    namespace posix = platform::posix;
    std::vector<Implementation> built{{"posix", posix::open_pipe, posix::close_descriptors_from,
                                       posix::clear_environment, posix::anonymous_file,
                                       posix::signal_abbreviation, posix::sweep_processes,
                                       posix::processes_of_user}};
#if COURSE_PLATFORM_LINUX
    namespace linux_kernel = platform::linux_kernel;
    built.push_back({"linux", linux_kernel::open_pipe, linux_kernel::close_descriptors_from,
                     linux_kernel::clear_environment, linux_kernel::anonymous_file,
                     linux_kernel::signal_abbreviation, linux_kernel::sweep_processes,
                     linux_kernel::processes_of_user});
#endif
    return built;
}

bool closes_on_exec(int fd) {
    return (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0;
}

/// Runs `body` in a child process and returns its exit status: for calls that change the
/// whole process (its descriptors, its environment), which the test process must keep.
int in_child(const std::function<int()>& body) {
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) _exit(body());
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/// True while `pid` runs: it exists and is no zombie (which `ps` tells on every system).
bool running(pid_t pid) {
    if (kill(pid, 0) != 0) return false;
    const std::string command = "ps -o stat= -p " + std::to_string(pid);
    FILE* ps = popen(command.c_str(), "r");
    REQUIRE(ps != nullptr);
    char state[16] = "";
    const bool listed = std::fscanf(ps, "%15s", state) == 1;
    pclose(ps);
    return listed && state[0] != 'Z';
}

/// A temporary folder, removed at the end of the case.
struct TempFolder {
    fs::path path;
    TempFolder() {
        char name[] = "/tmp/course-platform-XXXXXX";
        REQUIRE(mkdtemp(name) != nullptr);
        path = name;
    }
    ~TempFolder() { fs::remove_all(path); }
};

void write_text(const fs::path& file, const std::string& text) {
    std::ofstream(file) << text;
}

}  // namespace

TEST_CASE("a pipe closes on exec at both ends, and carries bytes") {
    for (const Implementation& calls : implementations()) {
        INFO("implementation: " << calls.name);
        int ends[2];
        REQUIRE(calls.open_pipe(ends) == 0);
        CHECK(closes_on_exec(ends[0]));
        CHECK(closes_on_exec(ends[1]));
        CHECK(write(ends[1], "x", 1) == 1);
        char got = 0;
        CHECK(read(ends[0], &got, 1) == 1);
        CHECK(got == 'x');
        close(ends[0]);
        close(ends[1]);
    }
}

TEST_CASE("descriptors from a number up are closed, those below it kept") {
    for (const Implementation& calls : implementations()) {
        INFO("implementation: " << calls.name);
        const int status = in_child([&] {
            if (dup2(STDERR_FILENO, 20) != 20 || dup2(STDERR_FILENO, 21) != 21 ||
                dup2(STDERR_FILENO, 200) != 200) {
                return 10;
            }
            calls.close_descriptors_from(21);
            if (fcntl(20, F_GETFD) < 0) return 11;  // below the first: kept
            if (fcntl(21, F_GETFD) >= 0 || errno != EBADF) return 12;
            if (fcntl(200, F_GETFD) >= 0 || errno != EBADF) return 13;
            return 0;
        });
        CHECK(status == 0);
    }
}

TEST_CASE("the environment is emptied") {
    for (const Implementation& calls : implementations()) {
        INFO("implementation: " << calls.name);
        const int status = in_child([&] {
            setenv("COURSE_PLATFORM_PROBE", "1", 1);
            calls.clear_environment();
            if (std::getenv("COURSE_PLATFORM_PROBE") != nullptr || std::getenv("PATH") != nullptr)
                return 1;
            setenv("AFTER", "2", 1);  // and still usable
            return std::getenv("AFTER") != nullptr ? 0 : 2;
        });
        CHECK(status == 0);
    }
}

TEST_CASE("an anonymous file has no name, closes on exec and reads back what was written") {
    for (const Implementation& calls : implementations()) {
        INFO("implementation: " << calls.name);
        const int fd = calls.anonymous_file();
        REQUIRE(fd >= 0);
        struct stat info {};
        REQUIRE(fstat(fd, &info) == 0);
        CHECK(info.st_nlink == 0);
        CHECK(closes_on_exec(fd));
        CHECK(pwrite(fd, "text", 4, 0) == 4);
        char back[5] = "";
        CHECK(pread(fd, back, 4, 0) == 4);
        CHECK(std::string(back) == "text");
        close(fd);
    }
}

TEST_CASE("signals are named as kill -l names them, and an unknown number is not") {
    for (const Implementation& calls : implementations()) {
        INFO("implementation: " << calls.name);
        CHECK(calls.signal_abbreviation(SIGSEGV) == "SEGV");
        CHECK(calls.signal_abbreviation(SIGKILL) == "KILL");
        CHECK(calls.signal_abbreviation(SIGXCPU) == "XCPU");
        CHECK(calls.signal_abbreviation(SIGXFSZ) == "XFSZ");
        CHECK(calls.signal_abbreviation(0).empty());
    }
}

TEST_CASE(
    "a sweep kills every running process of the group, counts them, and is zero for an empty "
    "group") {
    for (const Implementation& calls : implementations()) {
        INFO("implementation: " << calls.name);
        int ready[2];
        REQUIRE(pipe(ready) == 0);
        // A group of two: the leader, and a child of its own that it names on the pipe.
        const pid_t leader = fork();
        REQUIRE(leader >= 0);
        if (leader == 0) {
            setpgid(0, 0);
            const pid_t member = fork();
            if (member == 0) {
                for (;;)
                    pause();
            }
            if (write(ready[1], &member, sizeof member) != sizeof member) _exit(1);
            for (;;)
                pause();
        }
        setpgid(leader, leader);
        close(ready[1]);
        pid_t member = -1;
        REQUIRE(read(ready[0], &member, sizeof member) == sizeof member);
        close(ready[0]);
        REQUIRE(running(member));

        CHECK(calls.sweep_processes(leader) == 2);
        CHECK_FALSE(running(leader));
        CHECK_FALSE(running(member));
        waitpid(leader, nullptr, 0);  // unless the sweep reaped it, as Linux's reaps its children
        CHECK(calls.sweep_processes(leader) == 0);
    }
}

TEST_CASE("the user's processes are counted, this one among them") {
    for (const Implementation& calls : implementations()) {
        INFO("implementation: " << calls.name);
        CHECK(calls.processes_of_user(geteuid()) >= 1);
    }
}

TEST_CASE("the polling watcher sees a save, a save by rename and a removal, each once") {
    TempFolder folder;
    const fs::path file = folder.path / "queue.hpp";
    write_text(file, "first");
    write_text(folder.path / "other.hpp", "unwatched");
    const auto watcher = platform::polling_watcher({file}, "asked for");
    CHECK(watcher->descriptor() < 0);
    CHECK(watcher->how() == "polling every half second: asked for");
    CHECK_FALSE(watcher->changed());

    write_text(folder.path / "other.hpp", "a file it does not watch");
    CHECK_FALSE(watcher->changed());
    write_text(file, "second, longer");
    CHECK(watcher->changed());
    CHECK_FALSE(watcher->changed());
    // An editor's save: a new file, same size, renamed over the old one (a new inode).
    write_text(folder.path / "queue.hpp.new", "second, LONGER");
    fs::rename(folder.path / "queue.hpp.new", file);
    CHECK(watcher->changed());
    fs::remove(file);
    CHECK(watcher->changed());
}

TEST_CASE("the chosen platform: its name, its sandbox, its watcher") {
    const std::string name = platform::name();
    TempFolder folder;
    const fs::path file = folder.path / "queue.hpp";
    write_text(file, "first");
    const auto watcher = platform::watch_files({file});
    CHECK_FALSE(watcher->changed());
    if (name == "posix") {
        CHECK_FALSE(platform::sandbox_unavailable_reason().empty());
        CHECK_FALSE(platform::sweeps_escaped_processes());
        CHECK(watcher->descriptor() < 0);
        CHECK(watcher->how().find("polling") == 0);
    } else {
        REQUIRE(name == "linux");
        CHECK(platform::sandbox_unavailable_reason().empty());
        CHECK(platform::sweeps_escaped_processes());
    }
}

#if COURSE_PLATFORM_LINUX
TEST_CASE("the inotify watcher hears a save, or polls where inotify would be silent") {
    TempFolder folder;
    const fs::path file = folder.path / "queue.hpp";
    write_text(file, "first");
    const auto watcher = platform::linux_kernel::watch_files({file});
    const std::string silent = platform::linux_kernel::inotify_silent_on(folder.path);
    INFO("watching by " << watcher->how());
    CHECK((watcher->descriptor() >= 0) == silent.empty());
    CHECK_FALSE(watcher->changed());
    write_text(folder.path / "other.hpp", "a file it does not watch");
    write_text(file, "second, longer");
    if (watcher->descriptor() >= 0) {
        // The event is there once the write returned; the bound only keeps a broken kernel
        // from hanging the test.
        pollfd ready{watcher->descriptor(), POLLIN, 0};
        CHECK(poll(&ready, 1, 10'000) == 1);
    }
    CHECK(watcher->changed());
    CHECK_FALSE(watcher->changed());
}
#endif

#if COURSE_PLATFORM_LINUX
TEST_CASE("the program a wrapper started is found below it, nearest first, and nothing else is") {
    // The wrapper (a shell) starts the program, and the program's twin one level further down.
    const pid_t wrapper = fork();
    REQUIRE(wrapper >= 0);
    if (wrapper == 0) {
        setpgid(0, 0);
        execl("/bin/sh", "sh", "-c", "sleep 30 & (sleep 30 & wait) & wait", static_cast<char*>(nullptr));
        _exit(127);
    }
    setpgid(wrapper, wrapper);
    const fs::path program = fs::canonical("/bin/sleep");
    pid_t found = -1;
    // Polled until the shell has started them, within a bound that only a broken machine meets.
    for (int look = 0; look < 10'000 && found < 0; ++look) {
        found = platform::linux_kernel::wrapped_program(wrapper, program);
        if (found < 0) usleep(1000);
    }
    REQUIRE(found > 0);
    std::ifstream stat("/proc/" + std::to_string(found) + "/stat");
    std::string line;
    std::getline(stat, line);
    char state = '?';
    pid_t parent = 0;
    std::istringstream(line.substr(line.rfind(')') + 1)) >> state >> parent;
    CHECK(parent == wrapper);  // the nearer of the two
    CHECK(platform::linux_kernel::wrapped_program(wrapper, "/bin/true") == -1);
    CHECK(platform::linux_kernel::sweep_processes(wrapper) >= 3);
    waitpid(wrapper, nullptr, 0);
}
#endif

TEST_CASE("a resource group bounds its processes' memory, shared memory included, and their tasks") {
    std::string why;
    const std::string name = "course-platform-test-" + std::to_string(getpid());
    const platform::ResourceGroup group = platform::make_resource_group(name, std::uint64_t{64} << 20, 8, why);
    if (group.join_files.empty()) {
        MESSAGE("no control group here (" << why << "): the grader says so in its report");
        CHECK_FALSE(why.empty());
        return;
    }
    const long kills_before = platform::resource_group_memory_kills(group);
    // Shared memory, which RLIMIT_DATA does not count: four times the group's limit.
    const int touched = in_child([&] {
        if (!platform::join_resource_group(group)) return 2;
        const std::size_t size = std::size_t{256} << 20;
        void* shared = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (shared == MAP_FAILED) return 3;
        for (std::size_t at = 0; at < size; at += 4096) static_cast<volatile char*>(shared)[at] = 1;
        return 0;
    });
    CHECK(touched == 128 + SIGKILL);
    if (kills_before >= 0) CHECK(platform::resource_group_memory_kills(group) == kills_before + 1);
    // Tasks: threads and processes together, eight at most: the process and seven children.
    int made_pipe[2];
    REQUIRE(pipe(made_pipe) == 0);
    in_child([&] {
        setpgid(0, 0);  // its own group, which it kills at the end with everything it made
        if (!platform::join_resource_group(group)) return 2;
        int made = 0;
        for (; made < 16; ++made) {
            const pid_t child = fork();
            if (child < 0) break;
            if (child == 0) {
                pause();
                _exit(0);
            }
        }
        if (write(made_pipe[1], &made, sizeof made) != sizeof made) return 3;
        kill(0, SIGKILL);
        return 4;
    });
    close(made_pipe[1]);
    int made = -1;
    REQUIRE(read(made_pipe[0], &made, sizeof made) == sizeof made);
    close(made_pipe[0]);
    CHECK(made == 7);
    // Its children, killed with it, may still be on their way out: polled, within a bound.
    const auto empty = [&] {
        for (const std::string& file : group.join_files) {
            std::ifstream procs(file);
            std::string pid;
            if (procs >> pid) return false;
        }
        return true;
    };
    for (int look = 0; look < 10'000 && !empty(); ++look)
        usleep(1000);
    platform::remove_resource_group(group);
    for (const fs::path& folder : group.folders) CHECK_FALSE(fs::exists(folder));
}

// Linux's sandbox is the grading suite's to test (tests/grading).
TEST_CASE("without Linux's layer the grader has no sandbox, and says why" *
          doctest::skip(std::string(platform::name()) != "posix")) {
    TempFolder scratch;
    const course::Isolation chosen = course::choose_isolation("auto", scratch.path);
    CHECK(chosen.kind == "none");
    CHECK(chosen.reason == platform::sandbox_unavailable_reason());
    CHECK(chosen.describe().find("bubblewrap") != std::string::npos);
    CHECK_THROWS_AS(course::choose_isolation("bwrap", scratch.path), course::UserError);
}
