// watchdog.cpp: the shepherd process, the limits, and the sweep that leaves no process behind.
#include "watchdog.hpp"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <utility>

#include "platform_calls.hpp"
#include "text.hpp"

namespace course {
namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void fail(const std::string& what) {
    throw std::system_error(errno, std::generic_category(), what);
}

/// A file descriptor that closes itself.
class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    Fd(Fd&& other) noexcept : fd_(other.release()) {}
    Fd& operator=(Fd&& other) noexcept {
        if (this != &other) reset(other.release());
        return *this;
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() { reset(); }
    int get() const { return fd_; }
    int release() { return std::exchange(fd_, -1); }
    void reset(int fd = -1) {
        if (fd_ >= 0) close(fd_);
        fd_ = fd;
    }

private:
    int fd_ = -1;
};

/// An unnamed temporary file: gone as soon as the last descriptor closes.
Fd anonymous_file() {
    const int fd = platform::anonymous_file();
    if (fd < 0) fail("cannot create a temporary file in /tmp");
    return Fd(fd);
}

/// Up to `limit` bytes of a file, from its start.
std::string read_back(int fd, std::uint64_t limit, bool* truncated = nullptr) {
    std::string text;
    char buffer[65536];
    off_t offset = 0;
    while (text.size() < limit) {
        const ssize_t n = pread(fd, buffer, sizeof buffer, offset);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        text.append(buffer, static_cast<std::size_t>(n));
        offset += n;
    }
    const bool cut = text.size() > limit || lseek(fd, 0, SEEK_END) > static_cast<off_t>(limit);
    if (text.size() > limit) text.resize(limit);
    if (truncated != nullptr) *truncated = cut;
    return text;
}

void set_limit(int resource, rlim_t soft, rlim_t hard) {
    const rlimit value{soft, hard};
    setrlimit(resource, &value);
}

/// The process to watch, after fork: limits, descriptors, user, then exec. Never returns.
/// The descriptors a watched program gets, besides stdin.
struct ChildFds {
    int output = -1;     // becomes 1 and 2
    int report = -1;     // becomes 3 (COURSE_REPORT_FD)
    int sanitizer = -1;  // becomes 5 (COURSE_SANITIZER_FD)
    int key = -1;        // becomes 6 (COURSE_REPORT_KEY_FD): the read end of a pipe holding the key
};

[[noreturn]] void become_program(const Launch& launch, const Limits& limits, ChildFds fds, int error_pipe) {
    setpgid(0, 0);
    // Its own process group is the first fence; the signals a terminal sends go to the
    // tool, which then ends the run itself.
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);

    set_limit(RLIMIT_CORE, 0, 0);
    if (limits.cpu.count() > 0) {
        const auto cpu = static_cast<rlim_t>(limits.cpu.count());
        set_limit(RLIMIT_CPU, cpu, cpu + 1);
    }
    if (limits.file_bytes > 0) set_limit(RLIMIT_FSIZE, limits.file_bytes, limits.file_bytes);
    if (limits.memory_bytes > 0) set_limit(RLIMIT_DATA, limits.memory_bytes, limits.memory_bytes);

    // Lift every descriptor we keep out of the way before placing them at 0 to 6.
    const int null_fd = fcntl(open("/dev/null", O_RDONLY), F_DUPFD_CLOEXEC, 10);
    const auto lift = [](int fd) { return fd < 0 ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, 10); };
    const int output_fd = lift(fds.output);
    const int report_fd = lift(fds.report);
    const int sanitizer_fd = lift(fds.sanitizer);
    const int key_fd = lift(fds.key);
    error_pipe = lift(error_pipe);
    dup2(null_fd, 0);
    dup2(output_fd, 1);
    dup2(output_fd, 2);
    if (launch.report_stream) dup2(report_fd, 3);
    // Descriptor 4 tells the shepherd that exec failed; it closes itself on a successful exec.
    dup2(error_pipe, 4);
    fcntl(4, F_SETFD, FD_CLOEXEC);
    if (sanitizer_fd >= 0) dup2(sanitizer_fd, 5);
    if (key_fd >= 0) dup2(key_fd, 6);
    platform::close_descriptors_from(7);
    if (!launch.report_stream) close(3);
    if (sanitizer_fd < 0) close(5);
    if (key_fd < 0) close(6);

    if (!launch.workdir.empty() && chdir(launch.workdir.c_str()) != 0) {
        const int error = errno;
        write_all(4, &error, sizeof error);
        _exit(127);
    }
    // Into its control group while still allowed to: the kernel then bounds the memory and
    // tasks of the program and everything it starts, together.
    if (!launch.group.join_files.empty() && !platform::join_resource_group(launch.group)) {
        const int error = errno;
        write_all(4, &error, sizeof error);
        _exit(127);
    }
    if (launch.run_as_uid != 0) {
        // Student code never runs as root: drop to the unprivileged user first.
        if (setgroups(0, nullptr) != 0 || setgid(launch.run_as_gid) != 0 ||
            setuid(launch.run_as_uid) != 0) {
            const int error = errno;
            write_all(4, &error, sizeof error);
            _exit(127);
        }
    }
    if (limits.max_processes > 0) {
        const auto n = static_cast<rlim_t>(limits.max_processes);
        set_limit(RLIMIT_NPROC, n, n);
    }

    if (launch.clean_environment) {
        // Nothing of the caller's environment (tokens, PATH entries it cannot read) leaks in.
        platform::clear_environment();
        setenv("PATH", "/usr/local/bin:/usr/bin:/bin", 1);
        setenv("HOME", launch.workdir.empty() ? "/tmp" : launch.workdir.c_str(), 1);
        setenv("LANG", "C.UTF-8", 1);
        setenv("TMPDIR", "/tmp", 1);
    }
    for (const std::string& entry : launch.env) putenv(const_cast<char*>(entry.c_str()));
    if (launch.report_stream) setenv("COURSE_REPORT_FD", "3", 1);
    else unsetenv("COURSE_REPORT_FD");
    if (fds.sanitizer >= 0) setenv("COURSE_SANITIZER_FD", "5", 1);
    else unsetenv("COURSE_SANITIZER_FD");
    if (fds.key >= 0) setenv("COURSE_REPORT_KEY_FD", "6", 1);
    else unsetenv("COURSE_REPORT_KEY_FD");

    std::vector<std::string> words = launch.wrapper;
    words.insert(words.end(), launch.argv.begin(), launch.argv.end());
    std::vector<char*> args;
    for (std::string& word : words) args.push_back(word.data());
    args.push_back(nullptr);
    execvp(args[0], args.data());
    const int error = errno;
    write_all(4, &error, sizeof error);
    _exit(127);
}

/// Waits for `pid` until `deadline`. True, with its status and resource use, if it ended.
bool wait_until(pid_t pid, int pidfd, Clock::time_point deadline, int& status, rusage& usage) {
    for (;;) {
        const pid_t done = wait4(pid, &status, WNOHANG, &usage);
        if (done == pid) return true;
        if (done < 0 && errno != EINTR) return true;  // not our child any more: nothing to wait for
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) return false;
        if (pidfd >= 0) {
            pollfd ready{pidfd, POLLIN, 0};
            poll(&ready, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
        } else {
            std::this_thread::sleep_for(std::min(left, std::chrono::milliseconds(2)));
        }
    }
}

/// gdb's backtrace of every thread of `pid`, then what `script` (Python) prints, bounded
/// in time itself.
std::string capture_stacks(pid_t pid, const std::string& script, unsigned uid, unsigned gid) {
    Fd out = anonymous_file();
    // gdb reads a script from a file: a private one, gone when we are done.
    char script_path[] = "/tmp/course-gdb-XXXXXX.py";
    const int script_fd = script.empty() ? -1 : mkstemps(script_path, 3);
    if (script_fd >= 0) {
        write_all(script_fd, script.data(), script.size());
        fchmod(script_fd, 0644);  // the debugger may run as the program's user; nothing in it is secret
        close(script_fd);
    }
    // The program's file through /proc, and its libraries from our file system (a sandbox binds
    // the same ones read-only): the debugger's user may not reach the program's own path, nor
    // its sandbox's root.
    const std::string target = std::to_string(pid);
    std::vector<std::string> words{"gdb", "-q", "-nx", "-batch", "-iex", "set auto-load off", "-iex", "set sysroot /",
                                   "/proc/" + target + "/exe", target, "-ex", "set print frame-arguments none",
                                   "-ex", "thread apply all bt"};
    if (script_fd >= 0) words.insert(words.end(), {"-x", script_path});
    std::vector<char*> args;
    for (std::string& word : words) args.push_back(word.data());
    args.push_back(nullptr);
    const pid_t gdb = fork();
    if (gdb < 0) return "";
    if (gdb == 0) {
        setpgid(0, 0);
        const int null_fd = open("/dev/null", O_RDONLY);
        dup2(null_fd, 0);
        dup2(out.get(), 1);
        dup2(out.get(), 2);
        // As the program's own user, never as root: the debugger reads a binary and a memory
        // that the graded code made, and that user may trace its own processes, sandboxed or not.
        if (uid != 0 && (setgroups(0, nullptr) != 0 || setgid(gid) != 0 || setuid(uid) != 0)) _exit(127);
        execvp(args[0], args.data());
        _exit(127);
    }
    int status = 0;
    rusage usage{};
    if (!wait_until(gdb, platform::process_handle(gdb), Clock::now() + std::chrono::seconds(20), status, usage)) {
        kill(-gdb, SIGKILL);
        waitpid(gdb, &status, 0);
    }
    if (script_fd >= 0) unlink(script_path);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) return "";
    return read_back(out.get(), 256 * 1024);
}

/// Writes where each thread of the timed-out program `pid` (or, inside a sandbox, of the
/// program a level or two below that wrapper) is stuck to `stacks_fd`.
void record_stacks(const Launch& launch, pid_t pid, int stacks_fd) {
    const pid_t stuck = launch.wrapper.empty() ? pid : platform::wrapped_program(pid, launch.argv.front());
    if (stuck <= 0) return;
    const std::string stacks = capture_stacks(stuck, launch.stacks_script, launch.run_as_uid, launch.run_as_gid);
    write_all(stacks_fd, stacks.data(), stacks.size());
}

/// What the shepherd tells the tool when it is done.
struct ShepherdReport {
    int ending;
    int exit_code;
    int signal;
    double seconds;
    int stray;
    int start_errno;
};

volatile std::sig_atomic_t g_interrupted = 0;
volatile std::sig_atomic_t g_cancelled = 0;

/// The shepherd: a child subreaper (where the platform has one) that starts the program,
/// watches it and sweeps up.
[[noreturn]] void shepherd(const Launch& launch, const Limits& limits, ChildFds fds, int stacks_fd, int result_fd) {
    platform::adopt_orphans();
    struct sigaction on_signal {};
    on_signal.sa_handler = [](int) { g_interrupted = 1; };
    sigaction(SIGINT, &on_signal, nullptr);
    sigaction(SIGTERM, &on_signal, nullptr);
    sigaction(SIGHUP, &on_signal, nullptr);
    struct sigaction on_cancel {};
    on_cancel.sa_handler = [](int) { g_cancelled = 1; };
    sigaction(SIGUSR1, &on_cancel, nullptr);
    // Watched::start() blocked it around fork(): a cancel sent before now is delivered here.
    sigset_t cancel_signal;
    sigemptyset(&cancel_signal);
    sigaddset(&cancel_signal, SIGUSR1);
    sigprocmask(SIG_UNBLOCK, &cancel_signal, nullptr);

    ShepherdReport report{static_cast<int>(Ending::not_started), 0, 0, 0, 0, 0};
    int error_pipe[2];
    if (platform::open_pipe(error_pipe) != 0) {
        report.start_errno = errno;
        write_all(result_fd, &report, sizeof report);
        _exit(0);
    }
    const auto started = Clock::now();
    const pid_t pid = fork();
    if (pid < 0) {
        report.start_errno = errno;
        write_all(result_fd, &report, sizeof report);
        _exit(0);
    }
    if (pid == 0) become_program(launch, limits, fds, error_pipe[1]);
    // The key is the program's alone: the shepherd keeps no copy of its pipe.
    if (fds.key >= 0) close(fds.key);
    setpgid(pid, pid);  // also here, so the group exists before we might signal it
    close(error_pipe[1]);
    int start_errno = 0;
    if (read(error_pipe[0], &start_errno, sizeof start_errno) == sizeof start_errno) {
        waitpid(pid, nullptr, 0);
        report.start_errno = start_errno;
        write_all(result_fd, &report, sizeof report);
        _exit(0);
    }

    const Fd pidfd(platform::process_handle(pid));
    int status = 0;
    rusage usage{};
    const auto deadline = started + limits.wall;
    bool ended = false;
    while (!ended && !g_interrupted && !g_cancelled) {
        ended = wait_until(pid, pidfd.get(), std::min(deadline, Clock::now() + std::chrono::milliseconds(200)),
                           status, usage);
        if (!ended && Clock::now() >= deadline) break;
    }
    report.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    if (!ended && g_cancelled && !g_interrupted) {
        // Asked first, so that a build tool can remove what it was half-way through writing.
        kill(-pid, SIGTERM);
        if (!wait_until(pid, pidfd.get(), Clock::now() + std::chrono::seconds(3), status, usage)) {
            kill(-pid, SIGKILL);
            wait4(pid, &status, 0, &usage);
        }
        report.ending = static_cast<int>(Ending::cancelled);
    } else if (!ended) {
        if (launch.stacks_on_timeout && !g_interrupted) record_stacks(launch, pid, stacks_fd);
        kill(-pid, SIGKILL);
        wait4(pid, &status, 0, &usage);
        report.ending = static_cast<int>(Ending::timed_out);
    } else if (WIFSIGNALED(status)) {
        report.signal = WTERMSIG(status);
        const double cpu = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec);
        if (report.signal == SIGXFSZ) {
            report.ending = static_cast<int>(Ending::output_limit);
        } else if (report.signal == SIGXCPU ||
                   (report.signal == SIGKILL && limits.cpu.count() > 0 &&
                    cpu >= static_cast<double>(limits.cpu.count()))) {
            report.ending = static_cast<int>(Ending::cpu_limit);
        } else {
            report.ending = static_cast<int>(Ending::signaled);
        }
    } else {
        report.ending = static_cast<int>(Ending::exited);
        report.exit_code = WEXITSTATUS(status);
    }
    // A wrapper such as bubblewrap reports its program's death by signal N as exit status
    // 128 + N, the shell's convention: read it as the signal it stands for.
    if (!launch.wrapper.empty() && report.ending == static_cast<int>(Ending::exited) && report.exit_code > 128 &&
        report.exit_code < 128 + NSIG) {
        report.signal = report.exit_code - 128;
        report.ending = static_cast<int>(report.signal == SIGXFSZ   ? Ending::output_limit
                                         : report.signal == SIGXCPU ? Ending::cpu_limit
                                                                    : Ending::signaled);
        report.exit_code = 0;
    }
    report.stray = platform::sweep_processes(pid);
    write_all(result_fd, &report, sizeof report);
    _exit(g_interrupted ? 130 : 0);
}

}  // namespace

struct Watched::State {
    Launch launch;
    Limits limits;
    Fd output;
    Fd report;
    Fd sanitizer;
    Fd stacks;
    Fd result;
    pid_t shepherd = -1;
    Clock::time_point started;
    ShepherdReport got{};
    std::size_t have = 0;
    bool done = false;  // the shepherd's report is read (or will never come) and it is reaped
};

Watched Watched::start(const Launch& launch, const Limits& limits) {
    if (launch.argv.empty()) throw std::invalid_argument("run_watched: nothing to run");
    Watched run;
    run.state_ = std::make_unique<State>();
    State& s = *run.state_;
    s.launch = launch;
    s.limits = limits;
    s.output = anonymous_file();
    s.report = anonymous_file();
    s.stacks = anonymous_file();
    if (launch.sanitizer_reports) s.sanitizer = anonymous_file();
    // The key travels in a pipe that only the program reads: written now, whole (it is
    // far smaller than a pipe's buffer), and read by the program before its own code runs.
    Fd key;
    if (!launch.report_key.empty()) {
        int key_pipe[2];
        if (platform::open_pipe(key_pipe) != 0) fail("pipe");
        key.reset(key_pipe[0]);
        const Fd key_write(key_pipe[1]);
        write_all(key_write.get(), launch.report_key.data(), launch.report_key.size());
    }
    int result_pipe[2];
    if (platform::open_pipe(result_pipe) != 0) fail("pipe");
    s.result.reset(result_pipe[0]);
    Fd result_write(result_pipe[1]);
    s.started = Clock::now();
    // Cancelling is SIGUSR1 to the shepherd: it must not arrive before its handler is set.
    sigset_t cancel_signal;
    sigset_t before;
    sigemptyset(&cancel_signal);
    sigaddset(&cancel_signal, SIGUSR1);
    sigprocmask(SIG_BLOCK, &cancel_signal, &before);
    s.shepherd = fork();
    if (s.shepherd != 0) sigprocmask(SIG_SETMASK, &before, nullptr);
    if (s.shepherd < 0) fail("fork");
    if (s.shepherd == 0) {
        s.result.reset();
        shepherd(launch, limits, {s.output.get(), s.report.get(), s.sanitizer.get(), key.get()}, s.stacks.get(),
                 result_write.get());
    }
    return run;
}

Watched::Watched(Watched&& other) noexcept : state_(std::move(other.state_)) {}

Watched::~Watched() {
    if (!state_ || state_->done) return;
    cancel();
    wait();
}

bool Watched::ended(std::chrono::milliseconds patience) {
    State& s = *state_;
    if (s.done) return true;
    const auto deadline = Clock::now() + patience;
    while (s.have < sizeof s.got) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        pollfd ready{s.result.get(), POLLIN, 0};
        const int n = poll(&ready, 1, static_cast<int>(std::max<long long>(0, left.count())));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        const ssize_t got = read(s.result.get(), reinterpret_cast<char*>(&s.got) + s.have, sizeof s.got - s.have);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;  // the shepherd died without a report
        s.have += static_cast<std::size_t>(got);
    }
    int shepherd_status = 0;
    while (waitpid(s.shepherd, &shepherd_status, 0) < 0 && errno == EINTR) {
    }
    s.done = true;
    if (WIFEXITED(shepherd_status) && WEXITSTATUS(shepherd_status) == 130) {
        // Interrupted (Ctrl-C): the run is swept; stop here as the user asked.
        std::_Exit(130);
    }
    return true;
}

Outcome Watched::wait(const Tick& tick) {
    State& s = *state_;
    while (!ended(std::chrono::milliseconds(tick ? 100 : 60'000))) {
        if (tick) tick(seconds());
    }
    Outcome outcome;
    if (s.have != sizeof s.got) {
        outcome.start_error = "the watchdog process died";
        return outcome;
    }
    const ShepherdReport& got = s.got;
    outcome.ending = static_cast<Ending>(got.ending);
    outcome.exit_code = got.exit_code;
    outcome.signal = got.signal;
    outcome.seconds = got.seconds;
    outcome.stray_processes = got.stray;
    if (got.start_errno != 0) {
        outcome.start_error = "cannot run " + s.launch.argv.front() + ": " + std::strerror(got.start_errno);
    }
    outcome.output = read_back(s.output.get(), s.limits.output_bytes, &outcome.output_truncated);
    outcome.report = read_back(s.report.get(), 16 << 20);
    if (s.sanitizer.get() >= 0) outcome.sanitizer_reports = read_back(s.sanitizer.get(), 4 << 20);
    outcome.stacks = read_back(s.stacks.get(), 256 * 1024);
    return outcome;
}

std::string Watched::output_so_far(std::uint64_t limit) const { return read_back(state_->output.get(), limit); }

void Watched::cancel() {
    if (state_ && !state_->done) kill(state_->shepherd, SIGUSR1);
}

double Watched::seconds() const { return std::chrono::duration<double>(Clock::now() - state_->started).count(); }

Outcome run_watched(const Launch& launch, const Limits& limits, const Tick& tick) {
    Watched run = Watched::start(launch, limits);
    return run.wait(tick);
}

std::string signal_name(int signal) {
    const std::string abbrev = platform::signal_abbreviation(signal);
    return !abbrev.empty() ? "SIG" + abbrev : "signal " + std::to_string(signal);
}

std::string signal_meaning(int signal) {
    switch (signal) {
        case SIGSEGV: return "a segmentation fault: memory that is not yours was read or written "
                             "(a dangling pointer or reference, an index out of range, a null pointer)";
        case SIGABRT: return "abort(): often std::terminate, called when an exception escapes a thread "
                             "or a noexcept function, or when a std::thread is destroyed while still joinable";
        case SIGBUS: return "a bus error: a bad memory access, e.g. past the end of a mapped file";
        case SIGFPE: return "an arithmetic error, such as an integer division by zero";
        case SIGILL: return "an illegal instruction, often reaching the end of a function that must return a value";
        case SIGKILL: return "killed from outside (SIGKILL)";
        case SIGPIPE: return "a write to a pipe or socket whose reading end is closed";
        case SIGTERM: return "asked to terminate (SIGTERM)";
        default: return std::string("signal ") + std::to_string(signal);
    }
}

}  // namespace course
