// checking.cpp: the verdicts of `course check` and `course watch`: the plain build first, then the race check.
#include "checking.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <iostream>
#include <sstream>
#include <thread>

#include "activity.hpp"
#include "build.hpp"
#include "compiler_errors.hpp"
#include "parallel.hpp"
#include "text.hpp"

namespace course {
namespace fs = std::filesystem;

bool ExerciseCheck::passed() const {
    if (!built || cases.empty() || known_race) return false;
    const auto all_pass = [](const std::vector<CaseResult>& results) {
        return std::all_of(results.begin(), results.end(), [](const CaseResult& c) { return c.status == Status::passed; });
    };
    return all_pass(cases) && all_pass(tsan_cases);
}

namespace {

const std::string pad = "      ";

/// At most `count` lines of `text`, and how many more there were: a failed comparison of
/// two long strings prints both whole.
std::string first_lines(const std::string& text, std::size_t count) {
    std::size_t end = 0;
    for (std::size_t seen = 0; seen < count && end != std::string::npos; ++seen) {
        end = text.find('\n', end == 0 && seen == 0 ? 0 : end + 1);
    }
    if (end == std::string::npos || end + 1 >= text.size()) return text;
    const auto more = static_cast<std::size_t>(std::count(text.begin() + static_cast<std::ptrdiff_t>(end) + 1, text.end(), '\n')) + 1;
    return text.substr(0, end) + "\n... (" + std::to_string(more) + " more lines; -v shows them all)";
}

/// Prints `text` wrapped to the output width, each line after `prefix`.
void say(const std::string& text, const std::string& prefix) { std::cout << wrap_indented(text, output_width(), prefix); }

void print_case(const Style& style, const CaseResult& result, bool verbose, const CaseResult* previous) {
    if (result.status == Status::passed && !verbose) return;
    std::cout << wrap("  " + status_label(style, result.status) + " " + result.name, output_width(), "", "            ");
    if (result.status == Status::passed) return;
    // The same crash or race in case after case: told once.
    if (previous != nullptr && previous->status == result.status && previous->explanation == result.explanation &&
        previous->details == result.details && result.failures.empty() && !result.details.empty()) {
        say("the same as above", pad);
        return;
    }
    // An unwritten exercise throws its TODO message from every check: once is enough.
    const auto todo = std::find_if(result.failures.begin(), result.failures.end(), [](const Failure& f) {
        return f.message.find("\"TODO: ") != std::string::npos || f.message.find(": TODO: ") != std::string::npos;
    });
    if (todo != result.failures.end()) {
        const std::string& m = todo->message;
        const auto start = m.find("TODO: ");
        say("not written yet: " + m.substr(start, m.find('"', start) - start), pad);
        return;
    }
    std::size_t shown = 0;
    for (const Failure& f : result.failures) {
        if (shown++ == 3) {
            say("... and " + std::to_string(result.failures.size() - 3) + " more failed checks", pad);
            break;
        }
        const std::string where = f.file.empty() ? "" : basename_of(f.file) + ":" + std::to_string(f.line) + ": ";
        say(verbose ? where + f.message : first_lines(where + f.message, 12), pad);
        if (!f.context.empty()) say(f.context, pad + "  ");
    }
    if (result.failures.empty() || result.status != Status::failed) {
        if (!result.explanation.empty()) say(result.explanation, pad);
    }
    if (!result.details.empty()) say(result.details, pad + "  ");
    if (result.stray_processes > 0) {
        std::cout << pad
                  << style.yellow("left " + std::to_string(result.stray_processes) +
                                  " process(es) running, which the checker killed")
                  << '\n';
    }
    if (!result.output.empty()) {
        std::cout << pad << style.dim("what it printed:") << '\n'
                  << style.dim(wrap_indented(verbose ? result.output : last_lines(result.output, 12), output_width(), pad + "| "));
    }
}

/// The run options of one build: its time limit, the student's files, the progress line.
RunOptions run_options(const Context& context, const Exercise& e, const TestBuild& build, bool tsan,
                       const CheckOptions& options, const Manifest& manifest) {
    RunOptions run;
    const int seconds = options.time_limit ? *options.time_limit * (tsan ? manifest.tsan_time_factor : 1) : build.time_limit;
    run.limits.wall = std::chrono::seconds(seconds);
    run.limits.cpu = std::chrono::seconds(seconds * 2 + 1);
    run.tsan = tsan;
    run.stacks_on_timeout = true;
    run.scratch = context.build_dir / "course-runs";
    run.owners.student_files = e.files;
    return run;
}

/// The last result before `index` that did not pass, for print_case to say "same as above".
const CaseResult* previous_failure(const std::vector<CaseResult>& results, std::size_t index) {
    for (std::size_t j = index; j-- > 0;) {
        if (results[j].status != Status::passed) return &results[j];
    }
    return nullptr;
}

/// The result of a case whose worker process died before it sent one.
CaseResult no_verdict(const std::string& name) {
    CaseResult result;
    result.name = name;
    result.status = Status::no_result;
    result.explanation = "the course tool's process that ran this case ended without a verdict";
    return result;
}

/// Runs every case of a binary, one process each, as many at a time as there are cores
/// (each case is still alone in its process, so one case's leftovers cannot touch another's
/// verdict), printing the verdicts in the binary's order as they come.
/// Returns an empty list, after printing why, when the cases cannot be listed.
std::vector<CaseResult> run_cases(const Context& context, const TestBuild& build, RunOptions run,
                                  const CheckOptions& options, const std::string& kind) {
    Activity activity(context.style);
    const Listing listing = list_cases(build.binary, run);
    if (!listing.error.empty()) {
        activity.stop();
        say(status_label(context.style, Status::no_result) + " " + listing.error, "  ");
        return {};
    }
    const std::vector<std::string>& names = listing.names;
    const int limit = static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(run.limits.wall).count());
    std::vector<CaseResult> results(names.size());
    std::vector<bool> arrived(names.size(), false);
    std::size_t printed = 0;
    const auto show_next = [&] {
        if (printed < names.size()) {
            activity.start(kind + "case " + std::to_string(printed + 1) + " of " + std::to_string(names.size()) + ": " +
                               names[printed],
                           limit);
        }
    };
    show_next();
    run.tick = {};  // the workers draw nothing: this process shows the case the output waits for
    const auto cores = std::max(1U, std::thread::hardware_concurrency());
    parallel_map(
        names.size(), static_cast<int>(cores),
        [&](std::size_t i, int) { return nlohmann::json(run_case(build.binary, names[i], run)).dump(); },
        [&](std::size_t i, const std::string& text) {
            const auto json = nlohmann::json::parse(text, nullptr, false);
            if (json.is_object()) results[i] = json.get<CaseResult>();
            else results[i] = no_verdict(names[i]);
            arrived[i] = true;
            bool moved = false;
            for (; printed < names.size() && arrived[printed]; ++printed, moved = true) {
                activity.stop();
                print_case(context.style, results[printed], options.verbose, previous_failure(results, printed));
            }
            if (moved) show_next();
        },
        [&] {
            if (printed < names.size()) activity.tick();
        });
    activity.stop();
    // A worker that died sends nothing for its remaining cases: they have no verdict either.
    for (; printed < names.size(); ++printed) {
        results[printed] = no_verdict(names[printed]);
        print_case(context.style, results[printed], options.verbose, previous_failure(results, printed));
    }
    return results;
}

/// The race check: every case in one ThreadSanitizer process (its start-up is slow), each
/// with its own verdict; a run that is not clean is run again case by case.
std::vector<CaseResult> race_check_cases(const Context& context, const TestBuild& build, RunOptions run,
                                         const CheckOptions& options) {
    Activity activity(context.style);
    const Listing listing = list_cases(build.binary, run);
    if (!listing.error.empty()) {
        say(status_label(context.style, Status::no_result) + " " + listing.error, "  ");
        return {};
    }
    const auto cases = static_cast<int>(listing.names.size());
    activity.start("race check: " + std::to_string(cases) + " test cases under ThreadSanitizer");
    run.tick = [&activity](double seconds) { activity.tick(seconds); };
    std::vector<CaseResult> results = run_cases_together(build.binary, listing.names, run);
    activity.stop();
    for (std::size_t i = 0; i < results.size(); ++i)
        print_case(context.style, results[i], options.verbose, previous_failure(results, i));
    return results;
}

int count(const std::vector<CaseResult>& results, Status status) {
    return static_cast<int>(std::count_if(results.begin(), results.end(), [&](const CaseResult& c) { return c.status == status; }));
}

Status worst(const std::vector<CaseResult>& cases) {
    return worst_of(cases, [](const CaseResult& c) { return c.status; });
}

/// Shows why a build failed: the first error from the student's side (everything with -v).
void print_build_error(const Context& context, const Exercise& e, const Build& build, const TestBuild& target,
                       const CheckOptions& options) {
    const std::string messages = compiler_output_for(build.output(), target.target);
    std::cout << "  " << status_label(context.style, Status::build_error) << " it does not compile:\n";
    if (options.verbose) {
        std::cout << indent(messages.empty() ? build.output() : messages, pad);
        return;
    }
    CodeOwners owners;
    owners.student_files = e.files;
    const std::string hint = context.command("check -v " + e.id()) + " shows the compiler's full messages.";
    say(first_compiler_error(messages.empty() ? build.output() : messages, owners, hint), pad);
}

/// Checks one exercise with the builds `build` is making.
ExerciseCheck check_one(const Context& context, Progress& progress, const Exercise& e, Build& build,
                        const CheckOptions& options) {
    const Style& style = context.style;
    const Manifest& manifest = context.manifest();
    const ExerciseBuilds& builds = manifest.of(e);
    ExerciseCheck check;
    check.exercise = &e;
    std::cout << style.bold(e.id()) << "  " << style.dim(e.title) << '\n';
    ExerciseState& state = progress[e.name];
    const ExerciseState previous = state;
    const std::string hash = progress.files_hash(e);  // what is checked: the files as they are now
    const bool tsan_only = options.races == RaceCheck::only;
    const TestBuild& first = tsan_only ? builds.tsan : builds.plain;
    if (!first.exists()) throw UserError("this build has no " + std::string(tsan_only ? "ThreadSanitizer" : "plain") + " test binary for " + e.id());

    Activity activity(style);
    activity.start("building the tests of " + e.id());
    build.wait_for(first.binary, [&](double s) { activity.tick(s); });
    if (build.failed(first.target)) build.finish([&](double s) { activity.tick(s); });
    activity.stop();
    if (build.failed(first.target) || !fs::exists(first.binary)) {
        print_build_error(context, e, build, first, options);
        state = ExerciseState{"build_error", 0, 0, false, hash, state.hints_seen};
        progress.save();
        return check;
    }
    check.built = true;

    // The plain run (or, with --tsan, the ThreadSanitizer run alone).
    check.cases = run_cases(context, first, run_options(context, e, first, tsan_only, options, manifest), options,
                            tsan_only ? "ThreadSanitizer " : "");
    const int passes = count(check.cases, Status::passed);
    const int total = static_cast<int>(check.cases.size());
    const std::string tally = std::to_string(passes) + " of " + std::to_string(total) + " test cases pass" +
                              (tsan_only ? " under ThreadSanitizer" : "");
    const bool plain_passed = total > 0 && passes == total;
    state.files_hash = hash;
    state.cases_passed = passes;
    state.cases_total = total;
    state.last_status = total == 0 ? "no_result" : to_string(worst(check.cases));
    state.race_checked = tsan_only && plain_passed;
    check.race_checked = state.race_checked;

    const bool race_check = options.races == RaceCheck::after_pass && builds.tsan.exists();
    if (!plain_passed || !race_check) {
        std::cout << "  " << (plain_passed ? style.green(tally) : tally);
        if (plain_passed && !tsan_only && previous.files_hash == hash && previous.last_status == "race") {
            // A plain run cannot clear what ThreadSanitizer found in these same files.
            std::cout << ",\n" << wrap(style.magenta("but ThreadSanitizer found a race in these same files") +
                                          ": the race check decides, and it runs without --no-tsan",
                                      output_width(), "  ", "  ");
            state.last_status = "race";
            check.known_race = true;
        } else if (plain_passed && !tsan_only) {
            std::cout << style.yellow(", not checked for races (--no-tsan)");
        }
        std::cout << "\n\n";
        progress.save();
        return check;
    }

    // The race check: the same cases under ThreadSanitizer, before anything is called passed.
    std::cout << "  " << style.green(tally) << '\n' << "  Checking for data races with ThreadSanitizer...\n";
    activity.start("building the ThreadSanitizer version of the tests");
    build.wait_for(builds.tsan.binary, [&](double s) { activity.tick(s); });
    if (build.failed(builds.tsan.target)) build.finish([&](double s) { activity.tick(s); });
    activity.stop();
    if (build.failed(builds.tsan.target) || !fs::exists(builds.tsan.binary)) {
        print_build_error(context, e, build, builds.tsan, options);
        state.last_status = "build_error";
        progress.save();
        return check;
    }
    check.tsan_cases = race_check_cases(context, builds.tsan, run_options(context, e, builds.tsan, true, options, manifest),
                                        options);
    const int clean = count(check.tsan_cases, Status::passed);
    const int races = count(check.tsan_cases, Status::race);
    const int checked = static_cast<int>(check.tsan_cases.size());
    check.race_checked = checked > 0;
    if (checked > 0 && clean == checked) {
        std::cout << "  " << style.green("ThreadSanitizer found no data race in " + std::to_string(checked) + " test cases") << "\n\n";
        state.last_status = "passed";
        state.race_checked = true;
    } else {
        std::string text = races > 0 ? "ThreadSanitizer found a problem in " + std::to_string(races) + " of " +
                                           std::to_string(checked) + " test cases: not passed yet, a race is a bug "
                                           "even when the answer comes out right"
                                     : std::to_string(checked - clean) + " of " + std::to_string(checked) +
                                           " test cases fail under ThreadSanitizer";
        std::cout << wrap(text, output_width(), "  ", "  ") << '\n';
        state.last_status = checked == 0 ? "no_result" : to_string(worst(check.tsan_cases));
        state.race_checked = false;
    }
    progress.save();
    return check;
}

}  // namespace

std::vector<ExerciseCheck> check_exercises(const Context& context, Progress& progress,
                                           const std::vector<const Exercise*>& exercises,
                                           const CheckOptions& options) {
    const Manifest& manifest = context.manifest();
    // One build for everything the check may need, in the background: each exercise's
    // plain binary runs as soon as it is linked, while the rest still compiles.
    std::vector<std::string> targets;
    for (const Exercise* e : exercises) {
        const ExerciseBuilds& builds = manifest.of(*e);
        if (options.races != RaceCheck::only) targets.push_back(builds.plain.target);
        if (options.races != RaceCheck::skip && builds.tsan.exists()) targets.push_back(builds.tsan.target);
    }
    Build build(context, targets);
    std::vector<ExerciseCheck> checks;
    for (const Exercise* e : exercises) checks.push_back(check_one(context, progress, *e, build, options));
    // A build that nothing needs any more is stopped, never left running into the next check.
    build.cancel();
    build.finish({});
    return checks;
}

void print_next_step(const Context& context, const Progress& progress, const std::vector<ExerciseCheck>& checks,
                     const CheckOptions& options) {
    const Style& style = context.style;
    const std::size_t width = output_width();
    for (const ExerciseCheck& check : checks) {
        if (check.passed() && (check.race_checked || options.races == RaceCheck::skip)) continue;
        const Exercise& e = *check.exercise;
        const std::string file = context.shown(context.exercise_file(e, e.files.front()));
        std::string text;
        if (!check.tsan_cases.empty() && !check.passed()) {
            text = "Your tests pass, but not under ThreadSanitizer: fix " + file + " (the report above says where) and run " +
                   style.bold(context.command("check " + e.id())) + " again.";
        } else if (check.passed()) {
            continue;
        } else {
            text = "Edit " + style.bold(file) + " and run " + style.bold(context.command("check " + e.id())) + " again.";
        }
        if (!e.hints.empty()) text += " Stuck? " + style.bold(context.command("hint " + e.id()));
        std::cout << wrap(text, width);
        return;
    }
    if (options.races == RaceCheck::skip) {
        std::cout << wrap(style.yellow("Passed, not checked for races.") + " Without --no-tsan, the check also runs " +
                              "ThreadSanitizer, and only then calls an exercise passed: " +
                              style.bold(context.command("check " + checks.front().exercise->id())),
                          width);
        return;
    }
    if (const Exercise* next = progress.next_unsolved()) {
        std::cout << wrap(style.green("Well done.") + " Next: " + style.bold(next->id()) + " (" + next->title + "): " +
                              style.bold(context.command("check " + next->id())),
                          width);
    } else {
        std::cout << style.green("Every exercise of the course passes. Congratulations!") << '\n';
    }
}

}  // namespace course
