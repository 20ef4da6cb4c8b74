// test_run.cpp: run doctest binaries case by case and judge each case from its report stream.
#include "test_run.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <random>
#include <sstream>

#include "diagnosis.hpp"

namespace course {
namespace fs = std::filesystem;

std::string to_string(Status status) {
    switch (status) {
        case Status::passed: return "passed";
        case Status::failed: return "failed";
        case Status::timeout: return "timeout";
        case Status::crashed: return "crashed";
        case Status::race: return "race";
        case Status::flaky: return "flaky";
        case Status::no_result: return "no_result";
        case Status::build_error: return "build_error";
    }
    return "no_result";
}

Status status_from_string(const std::string& word) {
    for (const Status s : {Status::passed, Status::failed, Status::timeout, Status::crashed, Status::race,
                           Status::flaky, Status::no_result, Status::build_error}) {
        if (to_string(s) == word) return s;
    }
    return Status::no_result;
}

void to_json(nlohmann::json& json, const Failure& failure) {
    json = {{"file", failure.file}, {"line", failure.line}, {"message", failure.message}, {"context", failure.context}};
}

void from_json(const nlohmann::json& json, Failure& failure) {
    failure.file = json.value("file", "");
    failure.line = json.value("line", 0);
    failure.message = json.value("message", "");
    failure.context = json.value("context", "");
}

void to_json(nlohmann::json& json, const CaseResult& r) {
    json = {{"name", r.name},           {"status", to_string(r.status)}, {"failures", r.failures},
            {"explanation", r.explanation}, {"details", r.details},       {"output", r.output},
            {"seconds", r.seconds},     {"stray_processes", r.stray_processes},
            {"runs", r.runs},           {"passes", r.passes}};
}

void from_json(const nlohmann::json& json, CaseResult& r) {
    r.name = json.value("name", "");
    r.status = status_from_string(json.value("status", ""));
    r.failures = json.value("failures", std::vector<Failure>{});
    r.explanation = json.value("explanation", "");
    r.details = json.value("details", "");
    r.output = json.value("output", "");
    r.seconds = json.value("seconds", 0.0);
    r.stray_processes = json.value("stray_processes", 0);
    r.runs = json.value("runs", 0);
    r.passes = json.value("passes", 0);
}

std::string exact_case_filter(const std::string& name) {
    // doctest splits filters at commas and reads a backslash as an escape.
    std::string escaped;
    for (const char c : name) {
        if (c == ',' || c == '\\') escaped += '\\';
        escaped += c;
    }
    return escaped;
}

namespace {

/// The report stream of one run, case by case.
struct Report {
    std::vector<std::string> listed;
    std::vector<CaseResult> cases;  // in the order they started
    bool finished_case = false;     // the last case that started also ended
    bool done = false;              // the run reached its end
};

Report parse_report(const std::string& text) {
    Report report;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        const auto event = nlohmann::json::parse(line, nullptr, false);
        if (event.is_discarded() || !event.is_object()) continue;  // not ours: ignore
        const std::string kind = event.value("event", "");
        if (kind == "case") {
            report.listed.push_back(event.value("name", ""));
        } else if (kind == "start") {
            CaseResult result;
            result.name = event.value("name", "");
            report.cases.push_back(result);
            report.finished_case = false;
        } else if (kind == "failure" && !report.cases.empty()) {
            report.cases.back().failures.push_back(
                {event.value("file", ""), event.value("line", 0), event.value("message", ""),
                 event.value("context", "")});
        } else if (kind == "exception" && !report.cases.empty()) {
            if (!event.value("crash", false)) {
                report.cases.back().failures.push_back(
                    {"", 0, "an exception escaped the test: " + event.value("message", ""), ""});
            }
        } else if (kind == "end" && !report.cases.empty()) {
            CaseResult& result = report.cases.back();
            result.status = event.value("passed", false) ? Status::passed : Status::failed;
            result.seconds = event.value("seconds", 0.0);
            report.finished_case = true;
        } else if (kind == "done") {
            report.done = true;
        }
    }
    return report;
}

/// A fresh folder for one run's files (ThreadSanitizer's logs), removed when done.
class RunFolder {
public:
    explicit RunFolder(const fs::path& scratch) {
        fs::create_directories(scratch);
        static std::mt19937_64 random{std::random_device{}()};
        do {
            path_ = scratch / ("run-" + std::to_string(random() % 1'000'000'000));
        } while (!fs::create_directory(path_));
        fs::permissions(path_, fs::perms::all);  // a sandboxed run may be another user
    }
    RunFolder(const RunFolder&) = delete;
    RunFolder& operator=(const RunFolder&) = delete;
    ~RunFolder() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    const fs::path& path() const { return path_; }

    /// Everything ThreadSanitizer wrote, from every process of the run.
    std::string tsan_logs() const {
        std::string text;
        for (const auto& entry : fs::directory_iterator(path_)) {
            if (entry.path().filename().string().rfind("tsan", 0) != 0) continue;
            std::ifstream file(entry.path());
            text += std::string(std::istreambuf_iterator<char>(file), {});
        }
        return text;
    }

private:
    fs::path path_;
};

Outcome run_binary(const fs::path& binary, std::vector<std::string> arguments,
                   const RunOptions& options, const RunFolder& folder) {
    Launch launch;
    launch.argv.push_back(fs::absolute(binary).string());
    // The "quiet" reporter keeps doctest's own console report out of the output, which is
    // then only what the code under test printed. Results travel on the report stream.
    launch.argv.push_back("--reporters=quiet");
    launch.argv.insert(launch.argv.end(), arguments.begin(), arguments.end());
    launch.report_stream = true;
    launch.stacks_on_timeout = options.stacks_on_timeout;
    launch.wrapper = options.isolation.wrapper(folder.path());
    launch.workdir = folder.path();
    launch.run_as_uid = options.isolation.uid;
    launch.run_as_gid = options.isolation.gid;
    launch.clean_environment = options.clean_environment;
    if (options.tsan) {
        launch.env.push_back("TSAN_OPTIONS=log_path=" + (folder.path() / "tsan").string() +
                             ":halt_on_error=0:exitcode=66:second_deadlock_stack=1:history_size=4");
    }
    return run_watched(launch, options.limits);
}

std::string seconds_text(std::chrono::milliseconds limit) {
    std::ostringstream s;
    s << static_cast<double>(limit.count()) / 1000.0 << " s";
    return s.str();
}

/// The verdict for a case that started but did not report its end, from how the run ended.
void judge_unfinished(CaseResult& result, const Outcome& outcome, const RunOptions& options,
                      const std::string& tsan_log) {
    switch (outcome.ending) {
        case Ending::timed_out:
            result.status = Status::timeout;
            result.explanation = "did not finish within " + seconds_text(options.limits.wall) +
                                 ": probably a deadlock (or an endless loop).";
            if (!outcome.stacks.empty()) {
                result.details = "Where each thread was when it was stopped:\n" +
                                 summarise_stacks(outcome.stacks);
            }
            break;
        case Ending::cpu_limit:
            result.status = Status::timeout;
            result.explanation = "used up its CPU time limit (" +
                                 std::to_string(options.limits.cpu.count()) +
                                 " s): an endless loop, or threads spinning instead of waiting?";
            break;
        case Ending::output_limit:
            result.status = Status::failed;
            result.explanation = "tried to write more than " +
                                 std::to_string(options.limits.file_bytes >> 20) +
                                 " MiB of output or file data, and was stopped.";
            break;
        case Ending::signaled:
            result.status = Status::crashed;
            result.explanation = "crashed with " + signal_name(outcome.signal) + ": " +
                                 signal_meaning(outcome.signal) + ".";
            break;
        case Ending::exited:
            if (options.tsan && outcome.exit_code == 66 && !tsan_log.empty()) {
                result.status = Status::race;
            } else {
                result.status = Status::no_result;
                result.explanation = "the program exited (status " + std::to_string(outcome.exit_code) +
                                     ") before the test case finished: does the code under test "
                                     "call exit() or quick_exit()?";
            }
            break;
        case Ending::not_started:
            result.status = Status::no_result;
            result.explanation = outcome.start_error;
            break;
    }
}

/// ThreadSanitizer's findings override a pass: a race that gave the right answer by luck
/// is still a race.
void judge_tsan(CaseResult& result, const std::string& tsan_log) {
    if (tsan_log.empty() || tsan_report_kind(tsan_log).empty()) return;
    if (result.status == Status::passed || result.status == Status::failed ||
        result.status == Status::race || result.status == Status::no_result) {
        result.status = Status::race;
        result.explanation = "ThreadSanitizer found a " + tsan_report_kind(tsan_log) + ".";
        result.details = trim_tsan_report(tsan_log);
    }
}

void describe_failures(CaseResult& result) {
    if (result.status != Status::failed || !result.explanation.empty()) return;
    result.explanation = std::to_string(result.failures.size()) + " check" +
                         (result.failures.size() == 1 ? "" : "s") + " failed.";
}

}  // namespace

Listing list_cases(const fs::path& binary, const RunOptions& options) {
    Listing listing;
    if (!fs::exists(binary)) {
        listing.error = "no test binary at " + binary.string();
        return listing;
    }
    RunFolder folder(options.scratch);
    RunOptions quick = options;
    quick.stacks_on_timeout = false;
    const Outcome outcome = run_binary(binary, {"--list-test-cases"}, quick, folder);
    listing.names = parse_report(outcome.report).listed;
    if (outcome.ending != Ending::exited || outcome.exit_code != 0) {
        listing.error = "listing the test cases failed (" +
                        (outcome.ending == Ending::signaled ? signal_name(outcome.signal)
                                                            : "status " + std::to_string(outcome.exit_code)) +
                        ")";
        if (!outcome.start_error.empty()) listing.error = outcome.start_error;
    } else if (listing.names.empty()) {
        listing.error = "the test binary lists no test case (is it linked with the course's doctest main?)";
    }
    for (const std::string& name : listing.names) {
        if (name.find('*') != std::string::npos || name.find('?') != std::string::npos) {
            listing.error = "test case name '" + name + "' has a '*' or '?', which doctest's filters read as wildcards";
        }
    }
    return listing;
}

CaseResult run_case(const fs::path& binary, const std::string& name, const RunOptions& options) {
    RunFolder folder(options.scratch);
    const Outcome outcome = run_binary(binary, {"--test-case=" + exact_case_filter(name)}, options, folder);
    const std::string tsan_log = options.tsan ? folder.tsan_logs() : "";
    const Report report = parse_report(outcome.report);

    CaseResult result;
    result.name = name;
    result.output = outcome.output;
    result.stray_processes = outcome.stray_processes;
    result.runs = 1;
    const auto it = std::find_if(report.cases.begin(), report.cases.end(),
                                 [&](const CaseResult& c) { return c.name == name; });
    if (it == report.cases.end()) {
        judge_unfinished(result, outcome, options, tsan_log);
        if (result.status == Status::no_result && outcome.ending == Ending::exited) {
            result.explanation = "the program ended (status " + std::to_string(outcome.exit_code) +
                                 ") before this test case started: a crash or exit() while starting up?";
        }
    } else {
        result.failures = it->failures;
        result.status = it->status;
        result.seconds = it->seconds;
        if (result.status == Status::no_result) {  // started, never ended
            judge_unfinished(result, outcome, options, tsan_log);
        } else if (outcome.ending == Ending::signaled) {
            // The checks ran, then the process died: at exit, or in a thread left running.
            result.status = Status::crashed;
            result.explanation = "its checks " + std::string(it->status == Status::passed ? "passed" : "ran") +
                                 ", then the program crashed with " + signal_name(outcome.signal) + ": " +
                                 signal_meaning(outcome.signal) + ".";
        } else if (outcome.ending == Ending::timed_out) {
            result.status = Status::timeout;
            result.explanation = "its checks ran, but the program did not exit within " +
                                 seconds_text(options.limits.wall) +
                                 ": a thread still running or waiting at exit?";
            if (!outcome.stacks.empty()) result.details = summarise_stacks(outcome.stacks);
        }
    }
    if (options.tsan) judge_tsan(result, tsan_log);
    describe_failures(result);
    if (result.status == Status::passed) result.passes = 1;
    return result;
}

std::vector<CaseResult> run_all(const fs::path& binary, const RunOptions& options) {
    RunFolder folder(options.scratch);
    const Outcome outcome = run_binary(binary, {}, options, folder);
    const std::string tsan_log = options.tsan ? folder.tsan_logs() : "";
    Report report = parse_report(outcome.report);
    std::vector<CaseResult> results = std::move(report.cases);
    for (CaseResult& result : results) {
        result.output = outcome.output;
        result.runs = 1;
        result.passes = result.status == Status::passed ? 1 : 0;
        describe_failures(result);
    }
    if (!results.empty() && !report.finished_case) judge_unfinished(results.back(), outcome, options, tsan_log);
    if (options.tsan && !tsan_report_kind(tsan_log).empty()) {
        // The log does not say which case raced: the run as a whole did.
        CaseResult whole;
        whole.name = "(the whole run)";
        whole.status = Status::race;
        whole.runs = 1;
        judge_tsan(whole, tsan_log);
        results.push_back(whole);
    } else if (report.finished_case && !report.done) {
        CaseResult whole;
        whole.name = "(the whole run)";
        whole.runs = 1;
        judge_unfinished(whole, outcome, options, tsan_log);
        if (whole.status == Status::no_result && outcome.ending == Ending::exited) {
            whole.explanation = "the program exited (status " + std::to_string(outcome.exit_code) +
                                ") between two test cases.";
        }
        results.push_back(whole);
    } else if (results.empty()) {
        CaseResult whole;
        whole.name = "(the whole run)";
        whole.runs = 1;
        judge_unfinished(whole, outcome, options, tsan_log);
        results.push_back(whole);
    }
    return results;
}

CaseResult combine_runs(const std::vector<CaseResult>& runs) {
    if (runs.empty()) return {};
    CaseResult combined;
    int passes = 0;
    const CaseResult* first_failure = nullptr;
    for (const CaseResult& run : runs) {
        if (run.status == Status::passed) {
            ++passes;
        } else if (first_failure == nullptr) {
            first_failure = &run;
        }
    }
    combined = first_failure != nullptr ? *first_failure : runs.front();
    combined.runs = static_cast<int>(runs.size());
    combined.passes = passes;
    if (passes > 0 && passes < combined.runs) {
        combined.status = Status::flaky;
        combined.explanation = "passed " + std::to_string(passes) + " of " + std::to_string(combined.runs) +
                               " runs; a failing run said: " + first_failure->explanation +
                               " A result that depends on timing is the sign of a race or a missing wait.";
    }
    return combined;
}

}  // namespace course
