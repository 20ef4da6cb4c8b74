// watchdog.hpp: run one program, and everything it starts, under time, CPU, output and process limits.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "platform_calls.hpp"

namespace course {

/// What a watched run may use. Zero means "no limit" for every field but `wall`.
struct Limits {
    std::chrono::milliseconds wall{10'000};  ///< wall-clock time before the run is killed
    std::chrono::seconds cpu{0};             ///< CPU time of the whole process (RLIMIT_CPU)
    std::uint64_t output_bytes = 1 << 20;    ///< output kept for the report; the rest is dropped
    std::uint64_t file_bytes = 64 << 20;     ///< largest file it may write, output included (RLIMIT_FSIZE)
    std::uint64_t memory_bytes = 0;          ///< data segment size (RLIMIT_DATA); none under TSan
    long max_processes = 0;                  ///< RLIMIT_NPROC; counts per user, so useless for root
};

/// How to start the program.
struct Launch {
    std::vector<std::string> argv;           ///< program and arguments; argv[0] is searched in PATH
    std::vector<std::string> env;            ///< NAME=value entries added to the environment
    bool clean_environment = false;          ///< start from PATH, HOME, LANG only, not our environment
    std::filesystem::path workdir;           ///< where it runs; empty: the current folder
    bool report_stream = false;              ///< open descriptor 3 as the course report stream
    std::string report_key;                  ///< a key the program reads on descriptor 6 (COURSE_REPORT_KEY_FD)
    bool sanitizer_reports = false;          ///< descriptor 5 (COURSE_SANITIZER_FD) for ThreadSanitizer's reports
    bool stacks_on_timeout = false;          ///< on a timeout, record every thread's stack with gdb
    std::string stacks_script;               ///< a gdb Python script run after the stacks are printed
    std::vector<std::string> wrapper;        ///< a command the program runs inside (bwrap ...), or empty
    platform::ResourceGroup group;           ///< a cgroup the program joins (none: no join_files)
    unsigned run_as_uid = 0;                 ///< when the tool runs as root: the user to run as (0: stay)
    unsigned run_as_gid = 0;
};

/// How a watched run ended.
enum class Ending {
    exited,        ///< returned from main or called exit: see exit_code
    signaled,      ///< killed by a signal: see signal
    timed_out,     ///< still running at the wall-clock limit, killed
    cpu_limit,     ///< used up its CPU time, killed
    output_limit,  ///< tried to write a file or output larger than file_bytes, killed
    not_started,   ///< could not be started at all: see start_error
    cancelled,     ///< stopped by Watched::cancel() before it ended
};

/// What a watched run did.
struct Outcome {
    Ending ending = Ending::not_started;
    int exit_code = 0;
    int signal = 0;
    double seconds = 0;             ///< wall-clock time
    std::string output;             ///< stdout and stderr interleaved, at most output_bytes
    bool output_truncated = false;
    std::string report;             ///< what it wrote on the report stream
    std::string sanitizer_reports;  ///< what ThreadSanitizer wrote on its descriptor
    std::string stacks;             ///< gdb's backtrace of every thread, on a timeout
    int stray_processes = 0;        ///< processes still alive at the end of the run, killed
    std::string start_error;
};

/// Called now and then while a watched run goes on, with the seconds since it started.
using Tick = std::function<void(double seconds)>;

/// A watched run in progress. Started by Watched::start(), which returns at once; the run
/// goes on in the background, in its own process group, watched by a shepherd process that
/// is a child subreaper, so that when the run ends every process it started is killed and
/// reaped, including those that called setsid() or double-forked. Where the platform layer
/// has no subreaper (platform::sweeps_escaped_processes() is false: macOS), the sweep
/// reaches the run's process group only. stdin is /dev/null. The caller's process must be
/// single-threaded (it forks).
class Watched {
public:
    static Watched start(const Launch& launch, const Limits& limits);
    Watched(Watched&& other) noexcept;
    Watched& operator=(Watched&&) = delete;
    Watched(const Watched&) = delete;
    Watched& operator=(const Watched&) = delete;
    /// Cancels and reaps a run that nobody waited for.
    ~Watched();

    /// True once the run has ended; waits at most `patience` for it.
    bool ended(std::chrono::milliseconds patience = std::chrono::milliseconds(0));
    /// Waits for the end, calling `tick` about every 100 ms meanwhile.
    Outcome wait(const Tick& tick = {});
    /// What it has printed so far (stdout and stderr), at most `limit` bytes from the start.
    std::string output_so_far(std::uint64_t limit) const;
    /// Stops the run now: its processes are killed and swept; wait() then says `cancelled`.
    void cancel();
    double seconds() const;

private:
    Watched() = default;
    struct State;
    std::unique_ptr<State> state_;
};

/// Runs `launch` to completion under `limits` (see Watched), calling `tick` about every
/// 100 ms while it runs.
Outcome run_watched(const Launch& launch, const Limits& limits, const Tick& tick = {});

/// The name of a signal ("SIGSEGV") and what it usually means in a test, for people.
std::string signal_name(int signal);
std::string signal_meaning(int signal);

}  // namespace course
