// test_run.hpp: run a doctest binary's test cases under the watchdog and give each a verdict.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "frames.hpp"
#include "isolation.hpp"
#include "style.hpp"
#include "watchdog.hpp"

namespace course {

/// A test case's verdict. The order is the order of severity used to summarise repeats.
enum class Status { passed, failed, timeout, crashed, race, flaky, no_result, build_error, tampered };

std::string to_string(Status status);
/// The status as a column of a table for people, coloured: "PASS     ", "RACE     "...
std::string status_label(const Style& style, Status status);
/// The status a word names ("passed", ...); no_result for anything else.
Status status_from_string(const std::string& word);

/// The most severe status of `items` (by the enum's order), `status_of` giving each one's:
/// passed only when every one passed, or there are none.
template <class Items, class StatusOf>
Status worst_of(const Items& items, StatusOf status_of) {
    Status worst = Status::passed;
    for (const auto& item : items) worst = std::max(worst, status_of(item));
    return worst;
}

/// One failed assertion, as the test binary reported it.
struct Failure {
    std::string file;
    int line = 0;
    std::string message;
    std::string context;  ///< INFO() / CAPTURE() text active at the failure
};

/// What happened to one test case.
struct CaseResult {
    std::string name;
    Status status = Status::no_result;
    std::vector<Failure> failures;
    std::string explanation;  ///< a sentence or two for people: what happened, what it suggests
    std::string location;     ///< where it happened in the student's code ("parallel_sum.hpp:126"), if known
    std::string details;      ///< trimmed ThreadSanitizer report, blocked threads, crash stack
    std::string output;       ///< what the program printed while running this case
    double seconds = 0;
    int stray_processes = 0;  ///< processes it left running, killed by the watchdog
    int runs = 0;             ///< how many times it ran (with --repeat)
    int passes = 0;           ///< how many of those passed
    bool skipped = false;     ///< this build leaves the case out on purpose (a skip decorator)
};

/// CaseResult to and from JSON, for worker processes and the json report.
void to_json(nlohmann::json& json, const Failure& failure);
void from_json(const nlohmann::json& json, Failure& failure);
void to_json(nlohmann::json& json, const CaseResult& result);
void from_json(const nlohmann::json& json, CaseResult& result);

/// How to run test binaries.
struct RunOptions {
    Limits limits;
    bool tsan = false;               ///< the binary is a ThreadSanitizer build: collect its reports
    bool stop_at_first_race = false; ///< with tsan: end the program at its first report (a mutant
                                     ///< check needs one; a student or a grade needs them all)
    bool stacks_on_timeout = false;  ///< show where each thread was when a case timed out
    std::filesystem::path scratch;   ///< a writable folder for the run's files (created if missing)
    Isolation isolation;             ///< the sandbox and user the binary runs as
    platform::ResourceGroup group;   ///< the cgroup that bounds the run's memory and tasks, if any
    bool clean_environment = false;  ///< a minimal environment instead of ours (grading)
    CodeOwners owners;               ///< which files are the student's, to point at their lines
    Tick tick;                       ///< called about every 100 ms while a binary runs
    bool sign_stream = true;         ///< hand the binary a key and accept only signed events
};

/// The names of a binary's test cases, in order, or an error saying why there are none.
struct Listing {
    std::vector<std::string> names;
    std::string error;
};
Listing list_cases(const std::filesystem::path& binary, const RunOptions& options);

/// Runs one test case in its own process.
CaseResult run_case(const std::filesystem::path& binary, const std::string& name,
                    const RunOptions& options);

/// Runs the cases `names` (every case of the binary, in its order) in one process, and
/// gives each its own verdict, ThreadSanitizer's reports included (the test main says
/// which case each report came in). Faster than a process per case, which is what it
/// falls back to for every case when the run was anything but clean (a crash, a hang,
/// an early exit, a report it cannot place). `options.limits` are per case: the run as a
/// whole gets as many times them as it has cases.
std::vector<CaseResult> run_cases_together(const std::filesystem::path& binary, const std::vector<std::string>& names,
                                           const RunOptions& options);

/// Runs every test case of the binary in one process (fast, but one crash ends the run).
/// Cases it never reached are missing from the result.
std::vector<CaseResult> run_all(const std::filesystem::path& binary, const RunOptions& options);

/// Folds repeated runs of the same case into one result: passed, flaky, or the failure.
CaseResult combine_runs(const std::vector<CaseResult>& runs);

/// The doctest filter that selects exactly the case called `name`.
std::string exact_case_filter(const std::string& name);

}  // namespace course
