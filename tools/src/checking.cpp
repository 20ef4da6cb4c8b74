// checking.cpp: the verdicts of `course check` and `course watch`.
#include "checking.hpp"

#include <algorithm>
#include <iostream>
#include <sstream>

namespace course {
namespace fs = std::filesystem;

bool ExerciseCheck::passed() const {
    if (!built || cases.empty()) return false;
    for (const CaseResult& c : cases) {
        if (c.status != Status::passed) return false;
    }
    return true;
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
    }
    return "?";
}

namespace {

std::string basename_of(const std::string& path) { return fs::path(path).filename().string(); }

std::string indent(const std::string& text, const std::string& prefix) {
    std::istringstream in(text);
    std::string line;
    std::string out;
    while (std::getline(in, line)) out += prefix + line + "\n";
    return out;
}

std::string last_lines(const std::string& text, std::size_t count) {
    std::size_t pos = text.size();
    if (pos > 0 && text[pos - 1] == '\n') --pos;
    for (std::size_t seen = 0; pos > 0; --pos) {
        if (text[pos - 1] == '\n' && ++seen == count) break;
    }
    return (pos > 0 ? "...\n" : "") + text.substr(pos);
}

void print_case(const Style& style, const CaseResult& result, bool verbose) {
    if (result.status == Status::passed && !verbose) return;
    std::cout << "  " << status_label(style, result.status) << " " << result.name << '\n';
    if (result.status == Status::passed) return;
    const std::string pad = "      ";
    // An unwritten exercise throws its TODO message from every check: once is enough.
    const auto todo = std::find_if(result.failures.begin(), result.failures.end(),
                                   [](const Failure& f) { return f.message.find("\"TODO: ") != std::string::npos ||
                                                                 f.message.find(": TODO: ") != std::string::npos; });
    if (todo != result.failures.end()) {
        const std::string& m = todo->message;
        const auto start = m.find("TODO: ");
        std::cout << pad << "not written yet: " << m.substr(start, m.find('"', start) - start) << '\n';
        return;
    }
    std::size_t shown = 0;
    for (const Failure& f : result.failures) {
        if (shown++ == 3) {
            std::cout << pad << "... and " << (result.failures.size() - 3) << " more failed checks\n";
            break;
        }
        std::string where = f.file.empty() ? "" : basename_of(f.file) + ":" + std::to_string(f.line) + ": ";
        std::cout << indent(where + f.message, pad);
        if (!f.context.empty()) std::cout << indent(f.context, pad + "  ");
    }
    if (result.failures.empty() || result.status != Status::failed) {
        if (!result.explanation.empty()) std::cout << indent(result.explanation, pad);
    }
    if (!result.details.empty()) std::cout << indent(result.details, pad + "  ");
    if (result.stray_processes > 0) {
        std::cout << pad << style.yellow("left " + std::to_string(result.stray_processes) +
                                         " process(es) running, which the checker killed")
                  << '\n';
    }
    if (!result.output.empty()) {
        std::cout << pad << style.dim("what it printed:") << '\n'
                  << style.dim(indent(verbose ? result.output : last_lines(result.output, 12), pad + "| "));
    }
}

Status worst(const std::vector<CaseResult>& cases) {
    Status worst = Status::passed;
    for (const CaseResult& c : cases) {
        if (c.status != Status::passed && (worst == Status::passed || c.status > worst)) worst = c.status;
    }
    return worst;
}

}  // namespace

std::vector<ExerciseCheck> check_exercises(const Context& context, Progress& progress,
                                           const std::vector<const Exercise*>& exercises,
                                           const CheckOptions& options) {
    const Style& style = context.style;
    std::vector<std::string> targets;
    std::vector<std::string> hashes;
    for (const Exercise* e : exercises) {
        targets.push_back("exercise." + e->target_id() + (options.tsan ? ".tsan" : ""));
        hashes.push_back(progress.files_hash(*e));  // what is checked: the files as they are now
    }
    const BuildResult build = build_targets(context, targets);
    const std::vector<std::string> broken = failed_targets(build.output, targets);
    if (!build.ok && broken.empty()) {
        std::cout << build.output;
        throw UserError("the build failed before reaching the exercises (see Ninja's output above)");
    }

    std::vector<ExerciseCheck> checks;
    for (std::size_t i = 0; i < exercises.size(); ++i) {
        const Exercise& e = *exercises[i];
        ExerciseCheck check;
        check.exercise = &e;
        std::cout << style.bold(e.id()) << "  " << style.dim(e.title) << (options.tsan ? style.dim("  [ThreadSanitizer]") : "")
                  << '\n';
        ExerciseState& state = progress[e.name];
        state.files_hash = hashes[i];
        state.tsan_checked = options.tsan;
        if (std::find(broken.begin(), broken.end(), targets[i]) != broken.end()) {
            std::cout << "  " << status_label(style, Status::build_error) << " it does not compile:\n"
                      << indent(compiler_messages(build.output, targets[i]), "      ");
            state.last_status = "build_error";
            state.cases_passed = 0;
            checks.push_back(check);
            continue;
        }
        check.built = true;
        RunOptions run;
        const int seconds = options.time_limit.value_or(e.time_limit * (options.tsan ? 4 : 1));
        run.limits.wall = std::chrono::seconds(seconds);
        run.limits.cpu = std::chrono::seconds(seconds * 2 + 1);
        run.tsan = options.tsan;
        run.stacks_on_timeout = true;
        run.scratch = context.build_dir / "course-runs";
        const fs::path binary = context.test_binary(targets[i]);
        const Listing listing = list_cases(binary, run);
        if (!listing.error.empty()) {
            std::cout << "  " << status_label(style, Status::no_result) << " " << listing.error << '\n';
            state.last_status = "no_result";
            checks.push_back(check);
            continue;
        }
        for (const std::string& name : listing.names) {
            check.cases.push_back(run_case(binary, name, run));
            print_case(style, check.cases.back(), options.verbose);
        }
        int passes = 0;
        for (const CaseResult& c : check.cases) passes += c.status == Status::passed ? 1 : 0;
        state.cases_passed = passes;
        state.cases_total = static_cast<int>(check.cases.size());
        state.last_status = to_string(worst(check.cases));
        const std::string tally = std::to_string(passes) + " of " + std::to_string(check.cases.size()) +
                                  " test cases pass";
        std::cout << "  " << (check.passed() ? style.green(tally) : tally) << "\n\n";
        checks.push_back(check);
    }
    progress.save();
    return checks;
}

void print_next_step(const Context& context, const Progress& progress,
                     const std::vector<ExerciseCheck>& checks, const CheckOptions& options) {
    const Style& style = context.style;
    for (const ExerciseCheck& check : checks) {
        if (check.passed()) continue;
        const std::string id = check.exercise->id();
        std::cout << "Edit " << style.bold(("exercises/" + check.exercise->chapter_dir + "/" + check.exercise->files.front()))
                  << " and run " << style.bold("./course check " + id) << " again.";
        if (!check.exercise->hints.empty()) std::cout << " Stuck? " << style.bold("./course hint " + id);
        std::cout << '\n';
        return;
    }
    bool threads = false;
    for (const ExerciseCheck& check : checks) threads |= check.exercise->chapter_number != "01";
    if (!options.tsan && threads) {
        std::cout << style.green("All passing.") << " Now look for data races the tests could not see: "
                  << style.bold("./course check --tsan " + checks.front().exercise->id()) << '\n';
    }
    if (const Exercise* next = progress.next_unsolved()) {
        std::cout << style.green("Well done.") << " Next: " << style.bold(next->id()) << " (" << next->title
                  << "): " << style.bold("./course check " + next->id()) << '\n';
    } else {
        std::cout << style.green("Every exercise of the course passes. Congratulations!") << '\n';
    }
}

}  // namespace course
