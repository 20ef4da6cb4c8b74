// grading.cpp: stage a submission, build each exercise on its own, run each case in isolation, score.
#include "grading.hpp"

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include "build.hpp"
#include "compiler_errors.hpp"
#include "parallel.hpp"

namespace course {
namespace fs = std::filesystem;

namespace {

constexpr std::uintmax_t max_submitted_file = 1 << 20;
/// Unprivileged users for graded code when we are root, one per parallel worker: far above
/// any real account (and free of /etc/passwd entries, which nothing here needs).
constexpr unsigned grading_uid_base = 2'000'000'000;

using Clock = std::chrono::steady_clock;

struct Target {
    std::string name;       // exercise.01.exit_code[.hidden][.tsan]
    fs::path binary;
};

/// Everything grade() needs to know about one exercise while it works.
struct Work {
    GradedExercise graded;
    std::vector<Target> plain;  // the public tests, then the hidden ones
    std::vector<Target> tsan;
    std::vector<bool> hidden;   // per entry of plain / tsan
};

std::vector<const Exercise*> exercises_to_grade(const Course& course, const std::vector<std::string>& only) {
    if (only.empty()) return course.exercises();
    std::vector<const Exercise*> chosen;
    for (const std::string& spec : only) {
        for (const Exercise* e : course.select(spec)) {
            if (std::find(chosen.begin(), chosen.end(), e) == chosen.end()) chosen.push_back(e);
        }
    }
    return chosen;
}

Limits command_limits(std::chrono::seconds wall) {
    Limits limits;
    limits.wall = wall;
    limits.output_bytes = 8 << 20;
    limits.file_bytes = 0;
    // A compiler fed an endless include gives up here instead of eating the machine.
    limits.memory_bytes = std::uint64_t{4} << 30;
    return limits;
}

void configure(const Context& context, const fs::path& build, const fs::path& staged, const fs::path& hidden) {
    const Outcome outcome = run_command(
        context.root,
        {"cmake", "-S", context.root.string(), "-B", build.string(), "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Debug",
         "-DCOURSE_EXERCISES_DIR=" + staged.string(), "-DCOURSE_HIDDEN_TESTS_DIR=" + hidden.string(),
         "-DCOURSE_BUILD_TOOLS=OFF", "-DCOURSE_SELFCHECK=OFF", "-DCOURSE_SANITIZER=", "-DCOURSE_WARNINGS_AS_ERRORS=OFF"},
        command_limits(std::chrono::minutes(5)));
    if (outcome.ending != Ending::exited || outcome.exit_code != 0) {
        throw UserError("configuring the grading build in " + build.string() + " failed:\n" + outcome.output);
    }
}

Outcome ninja(const fs::path& build, const std::vector<std::string>& targets, std::chrono::seconds wall) {
    std::vector<std::string> argv{"ninja", "-C", build.string(), "-k", "0"};
    argv.insert(argv.end(), targets.begin(), targets.end());
    return run_command(build, argv, command_limits(wall));
}

/// The points of each case: named cases get what info.json gives them, the rest share
/// what is left of the exercise's points equally.
void assign_points(GradedExercise& graded) {
    const Exercise& e = *graded.exercise;
    graded.max_score = e.points;
    double named = 0;
    std::size_t unnamed = 0;
    for (const GradedCase& c : graded.cases) {
        const auto it = e.test_points.find(c.result.name);
        if (it != e.test_points.end()) named += it->second;
        else ++unnamed;
    }
    const double share = unnamed > 0 ? std::max(0.0, e.points - named) / static_cast<double>(unnamed) : 0;
    graded.score = 0;
    for (GradedCase& c : graded.cases) {
        const auto it = e.test_points.find(c.result.name);
        c.max_points = it != e.test_points.end() ? it->second : share;
        // Concurrent code that passes only sometimes is not correct: flaky earns nothing.
        c.points = c.result.status == Status::passed ? c.max_points : 0;
        graded.score += c.points;
    }
}

Status worst_status(const std::vector<GradedCase>& cases) {
    Status worst = Status::passed;
    for (const GradedCase& c : cases) {
        if (c.result.status != Status::passed && (worst == Status::passed || c.result.status > worst)) {
            worst = c.result.status;
        }
    }
    return worst;
}

/// How many processes the grading user has now: RLIMIT_NPROC counts them all.
long processes_of(unsigned uid) {
    long count = 0;
    for (const auto& entry : fs::directory_iterator("/proc")) {
        const std::string name = entry.path().filename().string();
        if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
        std::ifstream status(entry.path() / "status");
        std::string line;
        while (std::getline(status, line)) {
            if (line.rfind("Uid:", 0) == 0) {
                if (std::stoul(line.substr(4)) == uid) ++count;
                break;
            }
        }
    }
    return count;
}

}  // namespace

std::vector<std::pair<std::string, fs::path>> locate_submission_files(const Course& course, const fs::path& submission) {
    std::vector<std::pair<std::string, fs::path>> found;
    // Every regular file below the submission, by name, for flat uploads (Gradescope).
    std::multimap<std::string, fs::path> by_name;
    std::error_code error;
    for (auto it = fs::recursive_directory_iterator(submission, fs::directory_options::skip_permission_denied, error);
         it != fs::recursive_directory_iterator(); it.increment(error)) {
        if (error) break;
        const std::string name = it->path().filename().string();
        if (it->is_directory() && (name == ".git" || name == "build" || name == ".course")) {
            it.disable_recursion_pending();
            continue;
        }
        if (it->is_regular_file()) by_name.emplace(name, it->path());
    }
    for (const Exercise* e : course.exercises()) {
        for (const std::string& file : e->files) {
            for (const fs::path& candidate : {submission / "exercises" / e->chapter_dir / file, submission / e->chapter_dir / file}) {
                if (fs::is_regular_file(candidate)) {
                    found.push_back({file, candidate});
                    break;
                }
            }
            if (!found.empty() && found.back().first == file) continue;
            // Anywhere else, preferring a path that names the chapter.
            const auto [first, last] = by_name.equal_range(file);
            fs::path best;
            for (auto it = first; it != last; ++it) {
                if (best.empty() || it->second.string().find(e->chapter_dir) != std::string::npos) best = it->second;
            }
            if (!best.empty()) found.push_back({file, best});
        }
    }
    return found;
}

GradeReport grade(const Context& context, const GradeOptions& options) {
    const auto started = Clock::now();
    const auto say = [&](const std::string& message) {
        if (!options.quiet) std::cerr << message << std::endl;
    };
    GradeReport report;
    report.course = context.course.title;
    report.tsan = options.tsan;
    report.repeat = std::max(1, options.repeat);
    const auto exercises = exercises_to_grade(context.course, options.only);

    const fs::path submission = options.submission.empty() ? context.root / "exercises" : fs::absolute(options.submission);
    if (!fs::is_directory(submission)) throw UserError("there is no submission folder " + submission.string());
    if (!options.hidden_tests.empty() && !fs::is_directory(options.hidden_tests)) {
        throw UserError("there is no hidden tests folder " + options.hidden_tests.string());
    }
    report.submission = submission.string();
    const fs::path work = options.work_dir.empty() ? context.root / "build" / "grade" : fs::absolute(options.work_dir);
    const fs::path staged = work / "submission" / "exercises";
    const fs::path build = work / "build";

    // 1. Stage: only the exercise files come from the submission; tests, build files and
    //    metadata are ours.
    std::error_code ignored;
    fs::remove_all(work / "submission", ignored);
    std::map<std::string, fs::path> located;
    for (const auto& [file, path] : locate_submission_files(context.course, submission)) located[file] = path;
    std::vector<Work> works;
    for (const Exercise* e : exercises) {
        Work w;
        w.graded.exercise = e;
        w.graded.max_score = e->points;
        for (const std::string& file : e->files) {
            const fs::path target = staged / e->chapter_dir / file;
            fs::create_directories(target.parent_path());
            const auto it = located.find(file);
            if (it == located.end()) {
                w.graded.problem += file + " is not in the submission. ";
            } else if (fs::file_size(it->second) > max_submitted_file) {
                w.graded.problem += file + " is larger than 1 MiB. ";
            } else {
                fs::copy_file(it->second, target, fs::copy_options::overwrite_existing);
            }
        }
        // A missing file is replaced by the original stub, so the build files still exist;
        // the exercise scores zero either way.
        for (const std::string& file : e->files) {
            const fs::path target = staged / e->chapter_dir / file;
            if (!fs::exists(target)) fs::copy_file(context.root / "exercises" / e->chapter_dir / file, target);
        }
        works.push_back(std::move(w));
    }
    // Untouched exercises outside --only still need their files for CMake.
    for (const Exercise* e : context.course.exercises()) {
        for (const std::string& file : e->files) {
            const fs::path target = staged / e->chapter_dir / file;
            if (fs::exists(target)) continue;
            fs::create_directories(target.parent_path());
            fs::copy_file(context.root / "exercises" / e->chapter_dir / file, target);
        }
    }

    // 2. Configure and build: one Ninja run for everything, so both cores stay busy; a
    //    compile error costs only its own targets.
    say("grading " + std::to_string(works.size()) + " exercise(s) of " + submission.string());
    say("configuring the grading build in " + build.string() + " ...");
    configure(context, build, staged, options.hidden_tests.empty() ? fs::path() : fs::absolute(options.hidden_tests));
    const Outcome support = ninja(build, {"course_test_main", "course_precompiled.student", "course_test_main.tsan",
                                          "course_precompiled.student.tsan"},
                                  std::chrono::minutes(10));
    if (support.ending != Ending::exited || support.exit_code != 0) {
        throw UserError("building the test support failed:\n" + support.output);
    }
    std::vector<std::string> all_targets;
    for (Work& w : works) {
        if (!w.graded.problem.empty()) continue;
        const Exercise& e = *w.graded.exercise;
        const std::string base = "exercise." + e.target_id();
        const bool has_hidden = !options.hidden_tests.empty() &&
                                fs::exists(options.hidden_tests / e.chapter_dir / ("test_" + e.name + ".cpp"));
        for (const std::string& variant : has_hidden ? std::vector<std::string>{"", ".hidden"} : std::vector<std::string>{""}) {
            w.plain.push_back({base + variant, build / "tests" / "bin" / (base + variant)});
            w.hidden.push_back(variant == ".hidden");
            if (options.tsan) w.tsan.push_back({base + variant + ".tsan", build / "tests" / "bin" / (base + variant + ".tsan")});
        }
        for (const Target& t : w.plain) all_targets.push_back(t.name);
        for (const Target& t : w.tsan) all_targets.push_back(t.name);
    }
    say("building " + std::to_string(all_targets.size()) + " test binaries ...");
    // Old binaries must not pass for new ones if a build fails.
    for (const std::string& t : all_targets) fs::remove(build / "tests" / "bin" / t, ignored);
    Outcome built = ninja(build, all_targets, std::chrono::minutes(20));
    std::string build_log = built.output;
    if (built.ending == Ending::timed_out || built.ending == Ending::output_limit) {
        // Something in one submission file stalls the compiler: build one exercise at a
        // time, each with its own limit, so only that exercise pays.
        say("the build did not finish; building the exercises one at a time ...");
        build_log.clear();
        for (Work& w : works) {
            std::vector<std::string> mine;
            for (const Target& t : w.plain) mine.push_back(t.name);
            for (const Target& t : w.tsan) mine.push_back(t.name);
            if (mine.empty()) continue;
            const Outcome one = ninja(build, mine, std::chrono::minutes(3));
            build_log += one.output;
            if (one.ending == Ending::timed_out) w.graded.problem = "compiling it did not finish within 3 minutes. ";
        }
    }
    for (Work& w : works) {
        if (!w.graded.problem.empty() || w.plain.empty()) continue;
        const std::string& main_target = w.plain.front().name;
        if (!fs::exists(w.plain.front().binary)) {
            CodeOwners owners;
            owners.student_files = w.graded.exercise->files;
            w.graded.problem = "it does not compile:\n" +
                               first_compiler_error(compiler_output_for(build_log, main_target), owners, "");
        }
    }

    // 3. Isolation, and binaries where the unprivileged user can reach them.
    const fs::path scratch = fs::temp_directory_path() / ("course-grade-" + std::to_string(getpid()));
    fs::create_directories(scratch / "bin");
    fs::permissions(scratch, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                 fs::perms::others_read | fs::perms::others_exec);
    Isolation isolation = choose_isolation(options.isolation, scratch / "probe");
    isolation.read_only.push_back(scratch / "bin");
    report.isolation = isolation;
    say("isolation: " + isolation.describe());
    for (Work& w : works) {
        for (std::vector<Target>* targets : {&w.plain, &w.tsan}) {
            for (Target& t : *targets) {
                if (!fs::exists(t.binary)) continue;
                const fs::path copy = scratch / "bin" / t.name;
                fs::copy_file(t.binary, copy, fs::copy_options::overwrite_existing);
                fs::permissions(copy, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                          fs::perms::others_read | fs::perms::others_exec);
                t.binary = copy;
            }
        }
    }

    RunOptions run;
    run.scratch = scratch / "runs";
    fs::create_directories(run.scratch);
    fs::permissions(run.scratch, fs::perms::all);
    run.isolation = isolation;
    run.clean_environment = true;
    run.limits.memory_bytes = std::uint64_t{2} << 30;  // a runaway allocation fails instead of swapping
    run.limits.file_bytes = 64 << 20;
    run.limits.output_bytes = 64 << 10;
    // A fork loop runs into this; thread-heavy tests stay well below it. The graders' own
    // users have no other process; a teacher grading as themselves keeps a margin.
    run.limits.max_processes = geteuid() == 0 ? 512 : processes_of(geteuid()) + 512;
    run.stacks_on_timeout = isolation.kind == "none";
    const int jobs = options.jobs > 0 ? options.jobs : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));

    // 4. List every test case, then run them all, plain first, `jobs` at a time.
    struct Job {
        std::size_t work;
        std::size_t target;
        std::string name;
        bool tsan;
    };
    std::vector<Job> jobs_plain;
    for (std::size_t wi = 0; wi < works.size(); ++wi) {
        Work& w = works[wi];
        if (!w.graded.problem.empty()) continue;
        for (std::size_t ti = 0; ti < w.plain.size(); ++ti) {
            RunOptions listing_options = run;
            listing_options.limits.wall = std::chrono::seconds(30);
            if (!fs::exists(w.plain[ti].binary)) {
                if (w.hidden[ti]) {
                    GradedCase c;
                    c.hidden = true;
                    c.result.name = "hidden tests";
                    c.result.status = Status::build_error;
                    CodeOwners owners;
                    owners.student_files = w.graded.exercise->files;
                    c.result.explanation = "the hidden tests do not compile against this submission:\n" +
                                           first_compiler_error(compiler_output_for(build_log, w.plain[ti].name), owners, "");
                    w.graded.cases.push_back(c);
                }
                continue;
            }
            const Listing listing = list_cases(w.plain[ti].binary, listing_options);
            if (!listing.error.empty()) {
                GradedCase c;
                c.hidden = w.hidden[ti];
                c.result.name = w.hidden[ti] ? "hidden tests" : "all tests";
                c.result.status = Status::no_result;
                c.result.explanation = listing.error;
                w.graded.cases.push_back(c);
                continue;
            }
            for (const std::string& name : listing.names) {
                GradedCase c;
                c.hidden = w.hidden[ti];
                c.result.name = name;
                w.graded.cases.push_back(c);
                for (int r = 0; r < report.repeat; ++r) jobs_plain.push_back({wi, ti, name, false});
            }
        }
    }
    const auto run_jobs = [&](const std::vector<Job>& batch) {
        return parallel_map(batch.size(), jobs, [&](std::size_t i, int worker) {
            const Job& job = batch[i];
            const Work& w = works[job.work];
            RunOptions options_for_case = run;
            // Each worker runs its cases as a user of its own: the process-count limit is
            // per user, so a fork loop in one case cannot starve a case running beside it.
            if (options_for_case.isolation.uid != 0) {
                options_for_case.isolation.uid = grading_uid_base + static_cast<unsigned>(worker);
            }
            const int limit = options.time_limit > 0 ? options.time_limit : w.graded.exercise->time_limit;
            const int seconds = limit * (job.tsan ? 4 : 1);
            options_for_case.limits.wall = std::chrono::seconds(seconds);
            options_for_case.limits.cpu = std::chrono::seconds(2 * seconds + 1);
            options_for_case.tsan = job.tsan;
            // ThreadSanitizer reserves terabytes of address space for its shadow memory.
            if (job.tsan) options_for_case.limits.memory_bytes = 0;
            const Target& target = job.tsan ? w.tsan[job.target] : w.plain[job.target];
            // Student output may be any bytes: invalid UTF-8 is replaced, never fatal.
            return nlohmann::json(run_case(target.binary, job.name, options_for_case))
                .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        });
    };
    say("running " + std::to_string(jobs_plain.size()) + " test case run(s), " + std::to_string(jobs) + " at a time ...");
    const auto plain_results = run_jobs(jobs_plain);

    // Fold the repeats of each case into one result.
    std::map<std::tuple<std::size_t, bool, std::string>, std::vector<CaseResult>> runs_of;
    for (std::size_t i = 0; i < jobs_plain.size(); ++i) {
        const Job& job = jobs_plain[i];
        CaseResult result;
        const auto json = nlohmann::json::parse(plain_results[i], nullptr, false);
        if (json.is_object()) {
            result = json.get<CaseResult>();
        } else {
            result.name = job.name;
            result.status = Status::no_result;
            result.explanation = "the grader's worker process died while running this case";
        }
        runs_of[{job.work, works[job.work].hidden[job.target], job.name}].push_back(result);
    }
    std::vector<Job> jobs_tsan;
    for (std::size_t wi = 0; wi < works.size(); ++wi) {
        for (GradedCase& c : works[wi].graded.cases) {
            const auto it = runs_of.find({wi, c.hidden, c.result.name});
            if (it == runs_of.end()) continue;
            c.result = combine_runs(it->second);
            if (options.tsan && c.result.status == Status::passed) {
                const std::size_t ti = c.hidden && works[wi].plain.size() > 1 ? 1 : 0;
                if (ti < works[wi].tsan.size() && fs::exists(works[wi].tsan[ti].binary)) {
                    jobs_tsan.push_back({wi, ti, c.result.name, true});
                }
            }
        }
    }

    // 5. The ThreadSanitizer pass, for what passed: a race that gave the right answer by
    //    luck is still a race.
    if (!jobs_tsan.empty()) {
        say("running " + std::to_string(jobs_tsan.size()) + " test case(s) under ThreadSanitizer ...");
        const auto tsan_results = run_jobs(jobs_tsan);
        for (std::size_t i = 0; i < jobs_tsan.size(); ++i) {
            const Job& job = jobs_tsan[i];
            const auto json = nlohmann::json::parse(tsan_results[i], nullptr, false);
            if (!json.is_object()) continue;
            const auto tsan = json.get<CaseResult>();
            for (GradedCase& c : works[job.work].graded.cases) {
                if (c.result.name != job.name || c.hidden != works[job.work].hidden[job.target]) continue;
                // Races, failures and crashes found under ThreadSanitizer count. A timeout
                // there may only be its slowness, so it is noted, not held against the code.
                if (tsan.status == Status::race || tsan.status == Status::failed || tsan.status == Status::crashed) {
                    c.result.status = tsan.status;
                    c.result.failures = tsan.failures;
                    c.result.explanation = "under ThreadSanitizer: " + tsan.explanation;
                    c.result.details = tsan.details;
                    c.result.output = tsan.output;
                } else if (tsan.status != Status::passed) {
                    c.result.explanation = "passed; under ThreadSanitizer: " + tsan.explanation;
                }
            }
        }
    }

    // 6. Score.
    for (Work& w : works) {
        GradedExercise& g = w.graded;
        if (!g.problem.empty()) {
            g.status = Status::build_error;
            g.score = 0;
            continue;
        }
        assign_points(g);
        g.status = worst_status(g.cases);
    }
    // Keep course order, build errors included.
    report.exercises.clear();
    for (Work& w : works) {
        report.score += w.graded.score;
        report.max_score += w.graded.max_score;
        report.exercises.push_back(std::move(w.graded));
    }
    fs::remove_all(scratch, ignored);
    report.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    return report;
}

}  // namespace course
