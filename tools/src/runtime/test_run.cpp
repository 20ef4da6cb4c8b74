// test_run.cpp: run doctest binaries case by case and judge each case from its report stream.
#include "test_run.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <csignal>
#include <optional>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <sstream>

#include "diagnosis.hpp"
#include "report_stream.hpp"
#include "report_mac.hpp"
#include "symbolize.hpp"
#include "text.hpp"

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
        case Status::tampered: return "tampered";
    }
    return "no_result";
}

std::string status_label(const Style& style, Status status) {
    switch (status) {
        case Status::passed: return style.green("PASS     ");
        case Status::failed: return style.red("FAIL     ");
        case Status::timeout: return style.magenta("TIMEOUT  ");
        case Status::crashed: return style.red("CRASH    ");
        case Status::race: return style.magenta("RACE     ");
        case Status::flaky: return style.yellow("FLAKY    ");
        case Status::no_result: return style.red("NO RESULT");
        case Status::build_error: return style.red("BUILD    ");
        case Status::tampered: return style.red("TAMPERED ");
    }
    return "?";
}

Status status_from_string(const std::string& word) {
    for (const Status s : {Status::passed, Status::failed, Status::timeout, Status::crashed, Status::race,
                           Status::flaky, Status::no_result, Status::build_error, Status::tampered}) {
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
            {"explanation", r.explanation}, {"location", r.location},    {"details", r.details},
            {"output", r.output},
            {"seconds", r.seconds},     {"stray_processes", r.stray_processes},
            {"runs", r.runs},           {"passes", r.passes},           {"skipped", r.skipped}};
}

void from_json(const nlohmann::json& json, CaseResult& r) {
    r.name = json.value("name", "");
    r.status = status_from_string(json.value("status", ""));
    r.failures = json.value("failures", std::vector<Failure>{});
    r.explanation = json.value("explanation", "");
    r.location = json.value("location", "");
    r.details = json.value("details", "");
    r.output = json.value("output", "");
    r.seconds = json.value("seconds", 0.0);
    r.stray_processes = json.value("stray_processes", 0);
    r.runs = json.value("runs", 0);
    r.passes = json.value("passes", 0);
    r.skipped = json.value("skipped", false);
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

/// A fatal signal the test process reported before it died.
struct Crash {
    int signal = 0;
    std::string address;
    bool sent = false;  ///< sent by kill()/raise()/abort() rather than caused by a fault
    std::string access;  ///< "write" or "read" for a memory fault, where known
    std::string pc;
    std::vector<std::string> frames;
};

/// One case as the stream tells it.
struct ReportedCase {
    CaseResult result;
    std::optional<Crash> crash;
    bool ended = false;
};

/// The report stream of one run, case by case.
struct Report {
    std::optional<int> version;        // from the "stream" event; missing: not a course test main
    std::vector<std::string> listed;
    std::map<std::string, std::string> skipped;  // cases a skip decorator leaves out: name, reason
    std::vector<ReportedCase> cases;   // in the order they started
    std::optional<Crash> crash_outside;  // a crash while no case ran
    std::vector<int> sanitizer_reports;  // for each TSan report, in order: the number of the case it came in
    bool done = false;                 // the run reached its end
    std::vector<std::string> unreadable;  // lines that are not events: shown, never dropped
    std::vector<std::string> forged;      // events whose signature is missing or wrong
    bool finished_case() const { return !cases.empty() && cases.back().ended; }
};

/// Checks an event's signature and returns the event as it was signed, without its
/// ',"seq":N,"mac":"..."' (see report_stream.hpp); nothing when the signature is missing
/// or wrong. `sequences` collects the numbers seen.
std::optional<std::string> verified(const std::string& line, const std::string& key, std::vector<std::uint64_t>& sequences) {
    static const std::regex signature(R"re(,"seq":(\d{1,19}),"mac":"([0-9a-f]{40})"\}$)re");
    std::smatch m;
    if (!std::regex_search(line, m, signature)) return std::nullopt;
    const std::string event = line.substr(0, static_cast<std::size_t>(m.position(0))) + "}";
    const std::uint64_t sequence = std::stoull(m[1].str());
    char mac[40];
    report::sign_event(key, sequence, event, mac);
    if (std::string(mac, sizeof mac) != m[2].str()) return std::nullopt;
    sequences.push_back(sequence);
    return event;
}

/// Reads a run's report stream. With a `key`, every event must carry a good signature:
/// those that do not are set aside as forged, and so is the whole stream when an event
/// number is missing or repeated.
Report parse_report(const std::string& text, const std::string& key) {
    Report report;
    std::istringstream in(text);
    std::string raw;
    std::vector<std::uint64_t> sequences;
    while (std::getline(in, raw)) {
        if (raw.empty()) continue;
        std::string line = raw;
        if (!key.empty()) {
            const auto checked = verified(raw, key, sequences);
            if (!checked) {
                // Not an event at all is unreadable; an event without a good signature is forged.
                const auto shape = nlohmann::json::parse(raw, nullptr, false);
                (shape.is_object() && shape.contains("event") ? report.forged : report.unreadable).push_back(raw);
                continue;
            }
            line = *checked;
        }
        const auto event = nlohmann::json::parse(line, nullptr, false);
        if (event.is_discarded() || !event.is_object() || !event.contains("event")) {
            report.unreadable.push_back(line);
            continue;
        }
        try {
            const std::string kind = event.at("event").get<std::string>();
            ReportedCase* current = report.cases.empty() || report.cases.back().ended ? nullptr : &report.cases.back();
            if (kind == report::event::stream) {
                report.version = event.at("version").get<int>();
            } else if (kind == report::event::listed) {
                report.listed.push_back(event.at("name").get<std::string>());
            } else if (kind == report::event::skipped) {
                report.skipped[event.at("name").get<std::string>()] = event.value("reason", "");
            } else if (kind == report::event::start) {
                ReportedCase started;
                started.result.name = event.at("name").get<std::string>();
                report.cases.push_back(started);
            } else if (kind == report::event::failure && current != nullptr) {
                current->result.failures.push_back({event.value("file", ""), event.value("line", 0),
                                                    event.value("message", ""), event.value("context", "")});
            } else if (kind == report::event::exception && current != nullptr) {
                current->result.failures.push_back(
                    {"", 0, "an exception escaped the test: " + event.value("message", ""), ""});
            } else if (kind == report::event::crash) {
                Crash crash;
                crash.signal = event.at("signal").get<int>();
                crash.address = event.value("address", "");
                crash.sent = event.value("sent", false);
                crash.access = event.value("access", "");
                crash.pc = event.value("pc", "");
                crash.frames = event.value("frames", std::vector<std::string>{});
                (current != nullptr ? current->crash : report.crash_outside) = crash;
            } else if (kind == report::event::end && current != nullptr) {
                current->result.status = event.at("passed").get<bool>() ? Status::passed : Status::failed;
                current->result.seconds = event.value("seconds", 0.0);
                current->ended = true;
            } else if (kind == report::event::done) {
                report.done = true;
            } else if (kind == report::event::sanitizer_report) {
                report.sanitizer_reports.push_back(event.at("case").get<int>());
            } else if (kind != report::event::schedule) {
                report.unreadable.push_back(line);
            }
        } catch (const nlohmann::json::exception&) {
            report.unreadable.push_back(line);  // an event with a field of the wrong type
        }
    }
    std::sort(sequences.begin(), sequences.end());
    for (std::size_t i = 0; i < sequences.size(); ++i) {
        if (sequences[i] != i) {
            report.forged.push_back("(events missing, repeated or out of their numbering: event number " +
                                    std::to_string(i) + " is not there once)");
            break;
        }
    }
    return report;
}

/// A fresh folder for one run to work in (its current folder), removed when done. The tool
/// never reads what the code under test leaves in it.
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

private:
    fs::path path_;
};

/// A fresh key for one run's report stream: 32 random hex digits.
std::string fresh_key() {
    static std::random_device source;
    static constexpr char digits[] = "0123456789abcdef";
    std::string key;
    for (int i = 0; i < 32; ++i) key += digits[source() % 16];
    return key;
}

/// One run of a test binary: how it ended, what it reported, what ThreadSanitizer said.
struct Run {
    Outcome outcome;
    Report report;
    std::string tsan_log;
};

Run run_binary(const fs::path& binary, std::vector<std::string> arguments, const RunOptions& options) {
    const RunFolder folder(options.scratch);
    Launch launch;
    launch.argv.push_back(fs::absolute(binary).string());
    // The "quiet" reporter keeps doctest's own console report out of the output, which is
    // then only what the code under test printed. Results travel on the report stream.
    launch.argv.push_back("--reporters=quiet");
    launch.argv.insert(launch.argv.end(), arguments.begin(), arguments.end());
    launch.report_stream = true;
    const std::string key = options.sign_stream ? fresh_key() : "";
    launch.report_key = key;
    launch.stacks_on_timeout = options.stacks_on_timeout;
    if (options.stacks_on_timeout) launch.stacks_script = gdb_lock_script();
    launch.wrapper = options.isolation.wrapper(folder.path());
    launch.workdir = folder.path();
    launch.group = options.group;
    launch.run_as_uid = options.isolation.uid;
    launch.run_as_gid = options.isolation.gid;
    launch.clean_environment = options.clean_environment;
    if (options.tsan) {
        // Reports go to a descriptor of ours (COURSE_SANITIZER_FD), never to a file.
        launch.sanitizer_reports = true;
        launch.env.push_back(std::string("TSAN_OPTIONS=halt_on_error=") + (options.stop_at_first_race ? "1" : "0") +
                             ":exitcode=66:second_deadlock_stack=1:history_size=4");
    }
    Run run;
    run.outcome = run_watched(launch, options.limits, options.tick);
    run.report = parse_report(run.outcome.report, key);
    run.tsan_log = run.outcome.sanitizer_reports;
    return run;
}

std::string seconds_text(std::chrono::milliseconds limit) {
    std::ostringstream s;
    s << static_cast<double>(limit.count()) / 1000.0 << " s";
    return s.str();
}

/// "a segmentation fault ... (a null pointer)": what the signal means, and what the
/// faulting address adds.
std::string crash_meaning(int signal, const std::string& address, const std::string& access) {
    if (signal == SIGSEGV || signal == SIGBUS) {
        const unsigned long long at = address.empty() ? 1ULL << 40 : std::stoull(address, nullptr, 16);
        const std::string verb = access == "WRITE" ? "wrote to" : access == "READ" ? "read" : "used";
        if (at < 4096) return "a null pointer was used (it " + verb + " address " + (at == 0 ? "0" : address) + ")";
    }
    return signal_meaning(signal);
}

/// A crash's verdict: the signal, what it means, and where in the student's code.
void judge_crash(CaseResult& result, int signal, const std::string& address, const std::vector<Frame>& frames,
                 const RunOptions& options, const std::string& prefix, const std::string& access = "") {
    result.status = Status::crashed;
    std::string where;
    if (const Frame* own = innermost_own_frame(frames, options.owners); own != nullptr) {
        result.location = place(*own);
        where = " in " + short_function_name(own->function) + " at " + result.location;
    }
    result.explanation = prefix + "crashed with " + signal_name(signal) + where + ": " + crash_meaning(signal, address, access) + ".";
    result.details = describe_stack(frames, options.owners);
}

/// The verdict for a case that started but did not report its end, from how the run ended.
void judge_unfinished(CaseResult& result, const Outcome& outcome, const RunOptions& options,
                      const std::optional<Crash>& crash, const fs::path& binary) {
    switch (outcome.ending) {
        case Ending::timed_out:
            result.status = Status::timeout;
            result.explanation = "did not finish within " + seconds_text(options.limits.wall) +
                                 ": probably a deadlock (or an endless loop).";
            if (!outcome.stacks.empty()) {
                const std::string summary = summarise_stacks(outcome.stacks, options.owners);
                if (summary.find("in a cycle") != std::string::npos) {
                    result.explanation = "did not finish within " + seconds_text(options.limits.wall) +
                                         ": a deadlock. The threads below wait for each other in a cycle.";
                }
                result.details = summary.find("Where each thread was") == std::string::npos
                                     ? "Where each thread was when it was stopped:\n" + summary
                                     : summary;
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
            if (crash && crash->signal == outcome.signal) {
                judge_crash(result, outcome.signal, crash->address, symbolize_crash(binary, crash->pc, crash->frames),
                            options, "", crash->access == "write" ? "WRITE" : crash->access == "read" ? "READ" : "");
            } else {
                // No frame was recorded (killed from outside, or a stack overflow in a
                // thread): the signal alone, said so rather than hidden.
                result.status = Status::crashed;
                result.explanation = "crashed with " + signal_name(outcome.signal) + ": " +
                                     signal_meaning(outcome.signal) + ". (No frame could be recorded.)";
            }
            break;
        case Ending::exited:
            result.status = Status::no_result;
            result.explanation = "the program exited (status " + std::to_string(outcome.exit_code) +
                                 ") before the test case finished: does the code under test "
                                 "call exit() or quick_exit()?";
            break;
        case Ending::not_started:
            result.status = Status::no_result;
            result.explanation = outcome.start_error;
            break;
        case Ending::cancelled:
            result.status = Status::no_result;
            result.explanation = "the check was stopped before this case finished.";
            break;
    }
}

/// ThreadSanitizer's findings. A fatal signal it reported is a crash, wherever the run had
/// got to; any other report overrides a pass: a race that gave the right answer by luck is
/// still a race.
void judge_tsan(CaseResult& result, const std::string& tsan_log, const RunOptions& options) {
    if (tsan_log.empty()) return;
    const TsanFindings findings = read_tsan_log(tsan_log, options.owners);
    if (findings.kind.empty()) return;
    if (findings.fatal_signal) {
        const int signal = findings.signal_name == "SEGV"  ? SIGSEGV
                           : findings.signal_name == "BUS" ? SIGBUS
                           : findings.signal_name == "FPE" ? SIGFPE
                           : findings.signal_name == "ILL" ? SIGILL
                                                           : SIGABRT;
        const auto at = findings.kind.find("address ");
        const std::string address = at == std::string::npos ? "" : findings.kind.substr(at + 8, findings.kind.find(' ', at + 8) - at - 8);
        const std::string access = findings.access.find("WRITE") != std::string::npos  ? "WRITE"
                                   : findings.access.find("READ") != std::string::npos ? "READ"
                                                                                        : "";
        judge_crash(result, signal, address, findings.crash_frames, options, "", access);
        // ThreadSanitizer's own banner for it is no output of the program's.
        const std::string banner = "ThreadSanitizer:DEADLYSIGNAL\n";
        for (auto found = result.output.find(banner); found != std::string::npos; found = result.output.find(banner)) {
            result.output.erase(found, banner.size());
        }
        return;
    }
    if (result.status == Status::passed || result.status == Status::failed || result.status == Status::race ||
        result.status == Status::no_result) {
        result.status = Status::race;
        result.explanation = "ThreadSanitizer found a " + findings.kind + ".";
        result.details = findings.trimmed;
    }
}

/// Lines of the report stream that were not events are never dropped: a case that passed
/// with them has no trustworthy result, and every verdict shows them.
void judge_unreadable(CaseResult& result, const Report& report) {
    if (report.unreadable.empty()) return;
    std::string raw;
    for (std::size_t i = 0; i < report.unreadable.size() && i < 5; ++i) raw += "| " + report.unreadable[i] + "\n";
    if (report.unreadable.size() > 5) raw += "| ... (" + std::to_string(report.unreadable.size() - 5) + " more)\n";
    if (result.status == Status::passed) {
        result.status = Status::no_result;
        result.explanation = "the test's report has lines the checker cannot read, so its pass cannot be trusted.";
    }
    result.details += (result.details.empty() ? "" : "\n") + std::string("Lines of the test's report the checker could not read:\n") + raw;
}

/// Events without a good signature were not written by the test main with the run's key:
/// something else wrote on the stream, and nothing it says can be believed.
void judge_forged(CaseResult& result, const Report& report) {
    if (report.forged.empty()) return;
    result.status = Status::tampered;
    result.explanation = "the test's report stream holds events that the test binary did not sign: something "
                         "else wrote on it, so its result cannot be trusted.";
    std::string raw;
    for (std::size_t i = 0; i < report.forged.size() && i < 5; ++i) raw += "| " + report.forged[i] + "\n";
    result.details = "Events without a good signature:\n" + raw;
}

void describe_failures(CaseResult& result) {
    if (result.status != Status::failed || !result.explanation.empty()) return;
    if (result.failures.empty()) {
        result.explanation = "the test case failed, but its report names no failed check.";
        return;
    }
    result.explanation = std::to_string(result.failures.size()) + " check" +
                         (result.failures.size() == 1 ? "" : "s") + " failed.";
}

/// A stream of another version (or none at all: not the course's test main) cannot be read.
bool judge_version(CaseResult& result, const Report& report) {
    if (report.version && *report.version == report::version) return true;
    result.status = Status::no_result;
    result.explanation = report.version
                             ? "the test binary reports in version " + std::to_string(*report.version) +
                                   " of the course's format, this checker reads version " +
                                   std::to_string(report::version) + ": rebuild it."
                             : "the test binary did not start the course's report (is it linked with the "
                               "course's test main?).";
    return false;
}

}  // namespace

Listing list_cases(const fs::path& binary, const RunOptions& options) {
    Listing listing;
    if (!fs::exists(binary)) {
        listing.error = "no test binary at " + binary.string();
        return listing;
    }
    RunOptions quick = options;
    quick.stacks_on_timeout = false;
    const Run run = run_binary(binary, {"--list-test-cases"}, quick);
    const Outcome& outcome = run.outcome;
    const Report& report = run.report;
    listing.names = report.listed;
    if (!report.forged.empty()) {
        listing.error = "the test binary's listing of its cases is not signed: something else wrote it";
        return listing;
    }
    if (CaseResult check; !judge_version(check, report) && outcome.ending == Ending::exited && outcome.exit_code == 0) {
        listing.error = check.explanation;
    } else if (outcome.ending != Ending::exited || outcome.exit_code != 0) {
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
    const Run run = run_binary(binary, {"--test-case=" + exact_case_filter(name)}, options);
    const Outcome& outcome = run.outcome;
    const std::string& tsan_log = run.tsan_log;
    const Report& report = run.report;

    CaseResult result;
    result.name = name;
    result.output = outcome.output;
    result.stray_processes = outcome.stray_processes;
    result.seconds = outcome.seconds;
    result.runs = 1;
    const auto it = std::find_if(report.cases.begin(), report.cases.end(),
                                 [&](const ReportedCase& c) { return c.result.name == name; });
    const auto skipped = report.skipped.find(name);
    if (!judge_version(result, report) && outcome.ending == Ending::exited) {
        // Nothing it reported can be read; how it ended is all there is.
    } else if (it == report.cases.end() && report.done && skipped != report.skipped.end() &&
               outcome.ending == Ending::exited) {
        // Left out of this build on purpose: no verdict, and the caller knows why.
        const std::string& reason = skipped->second;
        result.skipped = true;
        result.explanation = "not run in this build" + (reason.empty() ? std::string(".") : ": " + reason + ".");
    } else if (it == report.cases.end()) {
        judge_unfinished(result, outcome, options, report.crash_outside, binary);
        if (result.status == Status::no_result && outcome.ending == Ending::exited) {
            result.explanation = "the program ended (status " + std::to_string(outcome.exit_code) +
                                 ") before this test case started: a crash or exit() while starting up?";
        }
    } else if (!it->ended) {
        result.failures = it->result.failures;
        judge_unfinished(result, outcome, options, it->crash, binary);
    } else {
        result.failures = it->result.failures;
        result.status = it->result.status;
        result.seconds = it->result.seconds;
        if (outcome.ending == Ending::signaled) {
            // The checks ran, then the process died: at exit, or in a thread left running.
            const std::optional<Crash>& crash = report.crash_outside;
            judge_unfinished(result, outcome, options, crash, binary);
            result.explanation = "its checks " + std::string(it->result.status == Status::passed ? "passed" : "ran") +
                                 ", then the program " + result.explanation;
            result.status = Status::crashed;
        } else if (outcome.ending == Ending::timed_out) {
            result.status = Status::timeout;
            result.explanation = "its checks ran, but the program did not exit within " +
                                 seconds_text(options.limits.wall) +
                                 ": a thread still running or waiting at exit?";
            if (!outcome.stacks.empty()) result.details = summarise_stacks(outcome.stacks, options.owners);
        }
    }
    if (options.tsan) judge_tsan(result, tsan_log, options);
    judge_unreadable(result, report);
    judge_forged(result, report);
    describe_failures(result);
    if (result.status == Status::passed) result.passes = 1;
    return result;
}

namespace {

/// The reports of a ThreadSanitizer log, one string each, in the order they were written.
std::vector<std::string> split_tsan_reports(const std::string& log) {
    std::vector<std::string> reports;
    std::istringstream in(log);
    std::string line;
    while (std::getline(in, line)) {
        const bool starts = line.rfind("WARNING: ThreadSanitizer:", 0) == 0 ||
                            (line.rfind("==", 0) == 0 && line.find("ERROR: ThreadSanitizer:") != std::string::npos);
        if (starts) reports.emplace_back();
        if (!reports.empty()) reports.back() += line + "\n";
    }
    return reports;
}

}  // namespace

std::vector<CaseResult> run_cases_together(const fs::path& binary, const std::vector<std::string>& names,
                                           const RunOptions& options) {
    // The run as a whole may take what its cases may take one by one.
    RunOptions together = options;
    const auto cases = static_cast<int>(std::max<std::size_t>(1, names.size()));
    together.limits.wall = options.limits.wall * cases;
    together.limits.cpu = options.limits.cpu * cases;
    const Run run = run_binary(binary, {}, together);
    const Outcome& outcome = run.outcome;
    const Report& report = run.report;
    const std::vector<std::string> tsan_reports = split_tsan_reports(run.tsan_log);
    // Only a clean run is trusted as it is; anything unusual, and every case runs alone.
    bool clean = outcome.ending == Ending::exited && report.done && report.version == report::version &&
                 report.unreadable.empty() && report.forged.empty() && !report.crash_outside &&
                 (outcome.exit_code == 0 || outcome.exit_code == 1 || outcome.exit_code == 66) &&
                 tsan_reports.size() == report.sanitizer_reports.size() && report.cases.size() == names.size();
    for (std::size_t k = 0; clean && k < report.cases.size(); ++k) {
        clean = report.cases[k].ended && !report.cases[k].crash && report.cases[k].result.name == names[k];
    }
    for (const int number : report.sanitizer_reports) clean = clean && number >= 1;
    std::vector<CaseResult> results;
    if (!clean) {
        for (const std::string& name : names) results.push_back(run_case(binary, name, options));
        return results;
    }
    for (std::size_t k = 0; k < names.size(); ++k) {
        CaseResult result = report.cases[k].result;
        result.runs = 1;
        // Its own reports, in the log's order.
        std::string log;
        for (std::size_t r = 0; r < tsan_reports.size(); ++r) {
            if (report.sanitizer_reports[r] == static_cast<int>(k) + 1) log += tsan_reports[r];
        }
        if (options.tsan) judge_tsan(result, log, options);
        describe_failures(result);
        if (result.status != Status::passed) result.output = outcome.output;
        result.passes = result.status == Status::passed ? 1 : 0;
        results.push_back(result);
    }
    return results;
}

std::vector<CaseResult> run_all(const fs::path& binary, const RunOptions& options) {
    const Run run = run_binary(binary, {}, options);
    const Outcome& outcome = run.outcome;
    const std::string& tsan_log = run.tsan_log;
    const Report& report = run.report;
    std::vector<CaseResult> results;
    const auto whole_run = [&] {
        CaseResult whole;
        whole.name = "(the whole run)";
        whole.runs = 1;
        whole.output = outcome.output;
        return whole;
    };
    if (CaseResult check = whole_run(); !judge_version(check, report)) return {check};
    for (const ReportedCase& c : report.cases) {
        CaseResult result = c.result;
        result.output = outcome.output;
        result.runs = 1;
        if (!c.ended) judge_unfinished(result, outcome, options, c.crash, binary);
        result.passes = result.status == Status::passed ? 1 : 0;
        describe_failures(result);
        results.push_back(result);
    }
    // ThreadSanitizer's log does not say which case raced: the run as a whole did.
    if (options.tsan && !read_tsan_log(tsan_log, options.owners).kind.empty()) {
        CaseResult whole = whole_run();
        whole.status = Status::passed;
        judge_tsan(whole, tsan_log, options);
        results.push_back(whole);
    } else if ((report.finished_case() && !report.done) || results.empty()) {
        CaseResult whole = whole_run();
        judge_unfinished(whole, outcome, options, report.crash_outside, binary);
        if (whole.status == Status::no_result && outcome.ending == Ending::exited) {
            whole.explanation = "the program exited (status " + std::to_string(outcome.exit_code) + ") " +
                                (results.empty() ? "before its first test case." : "between two test cases.");
        }
        results.push_back(whole);
    }
    if (!report.unreadable.empty() || !report.forged.empty()) {
        CaseResult whole = whole_run();
        whole.status = Status::passed;
        judge_unreadable(whole, report);
        judge_forged(whole, report);
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
