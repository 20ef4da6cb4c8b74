// class_grading.cpp: a class graded submission by submission, several at once, each result kept as
// it ends.
#include "class_grading.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include "parallel.hpp"
#include "reports.hpp"
#include "sha1.hpp"
#include "text.hpp"

namespace course {
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

/// One submission of the class, before it is graded.
struct Entry {
    std::string name;  // its folder's name
    std::string file;  // its results' file name in OUT, without ".json"
    fs::path dir;
    std::string inputs;                     // the hash of everything its result depends on
    std::map<std::string, bool> attempted;  // by exercise id: its files differ from the stubs
};

/// A class run's state: what the workers read, and where results go.
struct ClassRun {
    const Context& context;
    const ClassOptions& options;
    fs::path out;
    fs::path records;  // OUT/.results: each finished submission's row, with its inputs' hash
    std::vector<Entry> entries;
    int workers = 1;
    int jobs_each = 1;
};

/// Every regular file below `folder`, by relative path, with its content, for a fingerprint.
std::string everything_under(const fs::path& folder) {
    std::map<std::string, std::string> files;
    std::error_code error;
    for (auto it = fs::recursive_directory_iterator(folder, error);
         !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
        if (it->is_regular_file())
            files[it->path().lexically_relative(folder).string()] = read_file(it->path());
    }
    std::string all;
    for (const auto& [name, text] : files)
        all += name + '\0' + std::to_string(text.size()) + '\0' + text;
    return all;
}

/// What every submission's result depends on besides its own files: the options that change
/// a grade, the course's metadata, the chapters' tests and their support, the hidden tests.
std::string settings_fingerprint(const Context& context, const GradeOptions& o) {
    std::string all = "tsan=" + std::to_string(o.tsan) + " repeat=" + std::to_string(o.repeat) +
                      " time_limit=" + std::to_string(o.time_limit) + " isolation=" + o.isolation +
                      " only=";
    for (const std::string& spec : o.only)
        all += spec + ",";
    all += read_file(context.root / "exercises" / "info.json") +
           everything_under(context.root / "tests" / "support");
    for (const Chapter& chapter : context.course.chapters) {
        all += chapter.dir + '\0' + everything_under(context.root / "tests" / chapter.dir);
    }
    if (!o.hidden_tests.empty()) all += "hidden:" + everything_under(o.hidden_tests);
    return sha1_hex(all);
}

/// The submissions: every subfolder of the class folder (hidden ones aside), by name.
std::vector<Entry> list_submissions(const fs::path& class_dir) {
    if (!fs::is_directory(class_dir))
        throw UserError("there is no class folder " + class_dir.string());
    std::vector<Entry> entries;
    for (const auto& entry : fs::directory_iterator(class_dir)) {
        const std::string name = entry.path().filename().string();
        if (!entry.is_directory() || name.empty() || name[0] == '.') continue;
        entries.push_back({name, result_file_name(name), fs::absolute(entry.path()), {}, {}});
    }
    std::sort(entries.begin(), entries.end(),
              [](const Entry& a, const Entry& b) { return a.name < b.name; });
    if (entries.empty())
        throw UserError("the class folder " + class_dir.string() + " has no submission folders");
    // Two names that differ only in replaced characters still get files of their own.
    std::set<std::string> taken{"gradebook", "summary"};
    for (Entry& e : entries) {
        std::string file = e.file;
        for (int n = 2; !taken.insert(file).second; ++n)
            file = e.file + "-" + std::to_string(n);
        e.file = file;
    }
    return entries;
}

/// The inputs' hash of each submission, and which exercises it attempted.
void fingerprint(ClassRun& run) {
    const std::string settings = settings_fingerprint(run.context, run.options.grading);
    const std::vector<const Exercise*> graded =
        exercises_to_grade(run.context.course, run.options.grading.only);
    for (Entry& entry : run.entries) {
        std::string all = settings;
        std::map<std::string, std::string> submitted;
        for (const auto& [file, path] : locate_submission_files(run.context.course, entry.dir)) {
            submitted[file] = read_file(path);
            all += '\0' + file + '\0' + std::to_string(submitted[file].size()) + '\0' +
                   submitted[file];
        }
        entry.inputs = sha1_hex(all);
        for (const Exercise* e : graded) {
            bool changed = false;
            for (const std::string& file : e->files) {
                const auto it = submitted.find(file);
                changed = changed || (it != submitted.end() &&
                                      it->second != read_file(run.context.exercise_file(*e, file)));
            }
            entry.attempted[e->id()] = changed;
        }
    }
}

/// Writes beside the place and renames into it: a run stopped half-way leaves no half file.
void write_atomically(const fs::path& path, const std::string& text) {
    const fs::path partial = path.string() + ".partial-" + std::to_string(getpid());
    {
        std::ofstream file(partial, std::ios::binary);
        file << text;
        if (!file) throw UserError("cannot write " + partial.string());
    }
    fs::rename(partial, path);
}

/// The row a submission finished with before, when its inputs are the same now.
std::optional<SubmissionRow> finished_before(const ClassRun& run, const Entry& entry) {
    const fs::path record = run.records / (entry.file + ".json");
    if (!fs::exists(record) || !fs::exists(run.out / (entry.file + ".json"))) return std::nullopt;
    const auto json = nlohmann::json::parse(read_file(record), nullptr, false);
    if (!json.is_object()) return std::nullopt;
    try {
        SubmissionRow row = json.get<SubmissionRow>();
        if (row.inputs == entry.inputs && row.name == entry.name) return row;
    } catch (const nlohmann::json::exception&) {
    }
    return std::nullopt;
}

/// A Gradescope result for a submission that could not be graded: every exercise is there
/// with its points, at zero, saying why.
GradeReport not_graded_report(const ClassRun& run, const Entry& entry, const std::string& why) {
    GradeReport report;
    report.course = run.context.course.title;
    report.submission = entry.dir.string();
    report.tsan = run.options.grading.tsan;
    for (const Exercise* e : exercises_to_grade(run.context.course, run.options.grading.only)) {
        GradedExercise graded;
        graded.exercise = e;
        graded.status = Status::build_error;
        graded.problem = "the submission could not be graded: " + why;
        graded.max_score = e->points;
        report.max_score += e->points;
        report.exercises.push_back(graded);
    }
    return report;
}

/// Grades one submission in a worker process, writes its files, and returns its row as JSON.
std::string grade_one(const ClassRun& run, const Entry& entry) {
    GradeOptions options = run.options.grading;
    options.submission = entry.dir;
    options.quiet = true;
    options.reuse_configuration = true;
    options.jobs = run.jobs_each;
    // Each grading picks a free range of users of its own at random (see grading.cpp).
    SubmissionRow row;
    std::string results;
    try {
        const GradeReport report = grade(run.context, options);
        row = summarize(entry.name, report);
        results = format_gradescope(report);
    } catch (const std::exception& e) {
        const GradeReport report = not_graded_report(run, entry, e.what());
        row = summarize(entry.name, report);
        row.problem = e.what();
        results = format_gradescope(report);
    }
    row.inputs = entry.inputs;
    for (ExerciseRow& e : row.exercises) {
        const auto it = entry.attempted.find(e.id);
        e.attempted = it != entry.attempted.end() && it->second;
    }
    write_atomically(run.out / (entry.file + ".json"), results);
    // Only a graded submission is taken as finished: a failure of the grader is retried.
    if (row.problem.empty())
        write_atomically(run.records / (entry.file + ".json"), nlohmann::json(row).dump());
    return nlohmann::json(row).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string clock_text(double seconds) {
    const long s = std::lround(seconds);
    return std::to_string(s / 60) + ":" + (s % 60 < 10 ? "0" : "") + std::to_string(s % 60);
}

}  // namespace

std::string result_file_name(const std::string& submission) {
    std::string file;
    for (const char c : submission) {
        file += std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_'
                    ? c
                    : '_';
    }
    if (file.empty() || file[0] == '.') file.insert(0, "_");
    return file;
}

ClassResult grade_class(const Context& context, const ClassOptions& options) {
    const auto started = Clock::now();
    ClassRun run{
        context, options, fs::absolute(options.output_dir), {}, list_submissions(options.class_dir),
        1,       1};
    run.records = run.out / ".results";
    fs::create_directories(run.records);
    fingerprint(run);
    ClassResult result;
    result.rows.resize(run.entries.size());
    std::vector<std::size_t> to_grade;
    for (std::size_t i = 0; i < run.entries.size(); ++i) {
        if (auto row = finished_before(run, run.entries[i])) {
            result.rows[i] = std::move(*row);
            ++result.reused;
        } else {
            to_grade.push_back(i);
        }
    }
    const int jobs = options.grading.jobs > 0
                         ? options.grading.jobs
                         : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    run.workers = std::max(1, std::min(jobs, static_cast<int>(to_grade.size())));
    run.jobs_each = std::max(1, jobs / run.workers);
    const auto say = [&](const std::string& text) {
        if (!options.grading.quiet) std::cerr << text << std::endl;
    };
    say("grading " + std::to_string(to_grade.size()) + " of " + std::to_string(run.entries.size()) +
        " submission(s), " + std::to_string(run.workers) + " at a time" +
        (result.reused > 0
             ? " (" + std::to_string(result.reused) + " finished before, with the same files)"
             : ""));
    if (!to_grade.empty()) configure_grading_build(context, options.grading);
    std::size_t finished = 0;
    const auto done = [&](std::size_t k, const std::string& text) {
        ++finished;
        const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
        const double left = elapsed / static_cast<double>(finished) *
                            static_cast<double>(to_grade.size() - finished);
        const auto json = nlohmann::json::parse(text, nullptr, false);
        const std::string& name = run.entries[to_grade[k]].name;
        std::string score = "could not be graded";
        if (json.is_object() && json.value("problem", std::string()).empty()) {
            score = std::to_string(std::lround(json.value("score", 0.0))) + " / " +
                    std::to_string(std::lround(json.value("max_score", 0.0)));
        }
        say("[" + std::to_string(finished + static_cast<std::size_t>(result.reused)) + "/" +
            std::to_string(run.entries.size()) + "] " + name + ": " + score + "   elapsed " +
            clock_text(elapsed) +
            (finished < to_grade.size() ? ", about " + clock_text(left) + " left" : ""));
    };
    const std::vector<std::string> rows = parallel_map(
        to_grade.size(), run.workers,
        [&](std::size_t k, int) { return grade_one(run, run.entries[to_grade[k]]); },
        done);
    for (std::size_t k = 0; k < to_grade.size(); ++k) {
        const Entry& entry = run.entries[to_grade[k]];
        const auto json = nlohmann::json::parse(rows[k], nullptr, false);
        SubmissionRow row;
        if (json.is_object()) {
            row = json.get<SubmissionRow>();
        } else {
            // The worker died grading it: the row says so, the others stand.
            const std::string why = "the grader's worker process died while grading it";
            row = summarize(entry.name, not_graded_report(run, entry, why));
            row.problem = why;
            write_atomically(run.out / (entry.file + ".json"),
                             format_gradescope(not_graded_report(run, entry, why)));
        }
        result.rows[to_grade[k]] = std::move(row);
        ++result.graded;
    }
    for (const SubmissionRow& row : result.rows)
        result.not_graded += row.problem.empty() ? 0 : 1;
    write_atomically(run.out / "gradebook.csv", format_gradebook(context.course, result.rows));
    write_atomically(run.out / "summary.html", format_class_summary(context.course, result.rows));
    result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    return result;
}

}  // namespace course
