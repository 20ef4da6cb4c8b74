// test_run.hpp: run a doctest binary's test cases under the watchdog and give each a verdict.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "watchdog.hpp"

namespace course {

/// A test case's verdict. The order is the order of severity used to summarise repeats.
enum class Status { passed, failed, timeout, crashed, race, flaky, no_result, build_error };

std::string to_string(Status status);

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
    std::string details;      ///< trimmed ThreadSanitizer report, blocked threads, or output excerpt
    std::string output;       ///< what the program printed while running this case
    double seconds = 0;
    int stray_processes = 0;  ///< processes it left running, killed by the watchdog
    int runs = 0;             ///< how many times it ran (with --repeat)
    int passes = 0;           ///< how many of those passed
};

/// How to run test binaries.
struct RunOptions {
    Limits limits;
    bool tsan = false;               ///< the binary is a ThreadSanitizer build: collect its reports
    bool stacks_on_timeout = false;  ///< show where each thread was when a case timed out
    std::filesystem::path scratch;   ///< a writable folder for the run's files (created if missing)
    std::vector<std::string> wrapper;  ///< sandbox command the binary runs inside, or empty
    unsigned run_as_uid = 0;
    unsigned run_as_gid = 0;
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

/// Runs every test case of the binary in one process (fast, but one crash ends the run).
/// Cases it never reached are missing from the result.
std::vector<CaseResult> run_all(const std::filesystem::path& binary, const RunOptions& options);

/// Folds repeated runs of the same case into one result: passed, flaky, or the failure.
CaseResult combine_runs(const std::vector<CaseResult>& runs);

/// The doctest filter that selects exactly the case called `name`.
std::string exact_case_filter(const std::string& name);

}  // namespace course
