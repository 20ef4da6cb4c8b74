// grading.cpp: stage a submission, build each exercise on its own, run each case in isolation, score.
#include "grading.hpp"

#include "screening.hpp"
#include "text.hpp"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <grp.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "build.hpp"
#include "sha1.hpp"
#include "text.hpp"
#include "compiler_errors.hpp"
#include "parallel.hpp"
#include "platform_calls.hpp"

namespace course {
namespace fs = std::filesystem;

namespace {

constexpr std::uintmax_t max_submitted_file = 1 << 20;
/// The binary cache's size: test binaries of about a hundred submissions' own files.
constexpr std::uintmax_t max_cache_bytes = std::uintmax_t{4} << 30;
/// Unprivileged users for graded code when we are root, one per parallel worker: far above
/// any real account (and free of /etc/passwd entries, which nothing here needs).
constexpr unsigned grading_uid_base = 2'000'000'000;
constexpr unsigned grading_uid_ranges = 500'000;  // ranges of 256 users each, above the base
// bubblewrap writes the user namespace's uid map with printf's %d: a uid above INT_MAX comes
// out negative and the sandbox fails to start ("setting up uid map: Invalid argument").
static_assert(grading_uid_base + std::uint64_t{grading_uid_ranges} * 256 <= std::numeric_limits<int>::max(),
              "every grading user must be a positive int");

using Clock = std::chrono::steady_clock;

/// One test binary of an exercise, as the build's manifest names it.
struct Target {
    TestBuild build;
    bool hidden = false;  // a teacher's hidden tests
    TestBuild tsan;       // its ThreadSanitizer build, when there is one
};

/// Everything grade() needs to know about one exercise while it works.
struct Work {
    GradedExercise graded;
    std::vector<Target> targets;  // the public tests, then the hidden ones
    fs::path cached;              // the binary cache's folder for exactly these files
    bool from_cache = false;      // its binaries came from there: nothing to compile
};

/// One run of one test case.
struct Job {
    std::size_t work;
    std::size_t target;
    std::string name;
    bool tsan;
};

/// The control groups of one grading: for each worker, one for its plain runs and one for its
/// ThreadSanitizer runs (whose shadow memory needs more). Removed with the grading; a worker
/// process, which ends with _exit(), leaves them to the grading.
struct ResourceGroups {
    std::vector<platform::ResourceGroup> plain;
    std::vector<platform::ResourceGroup> tsan;
    std::uint64_t plain_bytes = 0;
    std::uint64_t tsan_bytes = 0;

    ResourceGroups() = default;
    ResourceGroups(const ResourceGroups&) = delete;
    ResourceGroups& operator=(const ResourceGroups&) = delete;
    ~ResourceGroups() { clear(); }

    void clear() {
        for (auto* list : {&plain, &tsan}) {
            for (const platform::ResourceGroup& group : *list) platform::remove_resource_group(group);
            list->clear();
        }
    }
};

/// A grading run's state, from staging to score: what each stage below reads and adds to.
struct Grading {
    const Context& context;
    const GradeOptions& options;
    GradeReport report;
    fs::path submission;
    fs::path work;      // the grading build tree's folder (options.work_dir)
    fs::path staged;    // the submission's exercise files, as the build reads them
    fs::path build;     // the build tree
    fs::path scratch;   // binaries and run folders that graded code may reach
    std::vector<Work> works;
    std::string build_log;
    RunOptions run;
    int jobs = 1;
    ResourceGroups groups;
    unsigned compile_uid = 0;  // who compiles the submission (0: the grader's own user)

    void say(const std::string& message) const {
        if (!options.quiet) std::cerr << message << std::endl;
    }
};

/// Holds the grading build tree for one grading at a time: gradings side by side (a class)
/// take turns to stage, build and copy their binaries out, and run their cases together.
class BuildLock {
public:
    explicit BuildLock(const fs::path& work) {
        fs::create_directories(work);
        fd_ = open((work / "build.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd_ < 0) throw UserError("cannot open " + (work / "build.lock").string());
        while (flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
        }
    }
    BuildLock(const BuildLock&) = delete;
    BuildLock& operator=(const BuildLock&) = delete;
    ~BuildLock() { close(fd_); }

private:
    int fd_ = -1;
};

fs::path work_dir_of(const Context& context, const GradeOptions& options) {
    return options.work_dir.empty() ? context.root / "build" / "grade" : fs::absolute(options.work_dir);
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

/// The points of each case, in whole hundredths so that they add up to the exercise's points
/// exactly: named cases get what info.json gives them, the rest share what is left, the
/// first of them taking the hundredths that do not divide evenly.
void assign_points(GradedExercise& graded) {
    const Exercise& e = *graded.exercise;
    const auto hundredths = [](double points) { return static_cast<long>(std::llround(points * 100)); };
    graded.max_score = e.points;
    long named = 0;
    long unnamed = 0;
    for (const GradedCase& c : graded.cases) {
        const auto it = e.test_points.find(c.result.name);
        if (it != e.test_points.end()) named += hundredths(it->second);
        else ++unnamed;
    }
    const long left = std::max(0L, hundredths(e.points) - named);
    const long share = unnamed > 0 ? left / unnamed : 0;
    long remainder = unnamed > 0 ? left % unnamed : 0;
    graded.score = 0;
    for (GradedCase& c : graded.cases) {
        const auto it = e.test_points.find(c.result.name);
        long points = share;
        if (it != e.test_points.end()) points = hundredths(it->second);
        else if (remainder > 0) ++points, --remainder;
        c.max_points = static_cast<double>(points) / 100.0;
        // Concurrent code that passes only sometimes is not correct: flaky earns nothing.
        c.points = c.result.status == Status::passed ? c.max_points : 0;
        graded.score += c.points;
    }
}

}  // namespace

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

void configure_grading_build(const Context& context, const GradeOptions& options) {
    const fs::path work = work_dir_of(context, options);
    const BuildLock lock(work);
    // The build reads the exercise files as it configures: the course's stubs stand in.
    const fs::path staged = work / "submission" / "exercises";
    std::error_code ignored;
    fs::remove_all(work / "submission", ignored);
    for (const Exercise* e : context.course.exercises()) {
        for (const std::string& file : e->files) {
            fs::create_directories((staged / e->chapter_dir / file).parent_path());
            fs::copy_file(context.exercise_file(*e, file), staged / e->chapter_dir / file);
        }
    }
    configure(context, work / "build", staged, options.hidden_tests.empty() ? fs::path() : fs::absolute(options.hidden_tests));
}

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

namespace {

/// 1. Stage: only the exercise files come from the submission; tests, build files and
///    metadata are ours. A missing or oversized file costs its exercise only.
void stage_submission(Grading& g) {
    std::error_code ignored;
    fs::remove_all(g.work / "submission", ignored);
    std::map<std::string, fs::path> located;
    for (const auto& [file, path] : locate_submission_files(g.context.course, g.submission)) located[file] = path;
    for (const Exercise* e : exercises_to_grade(g.context.course, g.options.only)) {
        Work w;
        w.graded.exercise = e;
        w.graded.max_score = e->points;
        for (const std::string& file : e->files) {
            const fs::path target = g.staged / e->chapter_dir / file;
            fs::create_directories(target.parent_path());
            const auto it = located.find(file);
            if (it == located.end()) {
                w.graded.problem += file + " is not in the submission. ";
                continue;
            }
            // Read without following links, regular files only: the grader may be root,
            // and the submission must not make it read anything else.
            const SubmittedFile read =
                read_submitted_file(g.submission, it->second.lexically_relative(g.submission), max_submitted_file);
            if (!read.problem.empty()) {
                w.graded.problem += read.problem + ". ";
            } else {
                write_file(target, read.content);
            }
        }
        g.works.push_back(std::move(w));
    }
    // A missing file, and every exercise outside --only, gets the original stub, so that
    // the build files exist; such an exercise scores zero either way.
    for (const Exercise* e : g.context.course.exercises()) {
        for (const std::string& file : e->files) {
            const fs::path target = g.staged / e->chapter_dir / file;
            if (fs::exists(target)) continue;
            fs::create_directories(target.parent_path());
            fs::copy_file(g.context.exercise_file(*e, file), target);
        }
    }
}

/// The names the tests of `builds` use, with those of every header the tests include
/// besides the exercise's: a submission may not redefine any of them.
std::set<std::string> names_the_tests_use(const Manifest& manifest, const ExerciseBuilds& builds) {
    std::set<std::string> names;
    const auto add = [&names](const fs::path& file) {
        std::error_code error;
        if (!fs::is_regular_file(file, error)) return;
        const std::set<std::string> found = identifiers_in(read_file(file));
        names.insert(found.begin(), found.end());
    };
    for (const fs::path& dirs : manifest.test_header_dirs) {
        for (const std::string& dir : split(dirs.string(), ';')) {
            std::error_code error;
            if (fs::is_regular_file(fs::path(dir) / "doctest" / "doctest.h", error)) {
                add(fs::path(dir) / "doctest" / "doctest.h");
                continue;
            }
            for (const auto& entry : fs::directory_iterator(dir, error)) add(entry.path());
        }
    }
    for (const TestBuild* b : {&builds.plain, &builds.hidden}) {
        if (b->exists()) add(b->source);
    }
    return names;
}

/// 2a. Screen the staged files: a submission may not redefine what the tests use, include
///     files from outside its folder or the solutions, or pull files in by other means.
void screen_submission(Grading& g, const Manifest& manifest) {
    for (Work& w : g.works) {
        if (!w.graded.problem.empty()) continue;
        const Exercise& e = *w.graded.exercise;
        const std::set<std::string> names = names_the_tests_use(manifest, manifest.of(e));
        for (const std::string& file : e.files) {
            const std::string problems = screen_source(read_file(g.staged / e.chapter_dir / file), names);
            if (problems.empty()) continue;
            w.graded.problem += file + " is refused:\n";
            for (const std::string& line : split(problems, '\n')) {
                if (!line.empty()) w.graded.problem += "  - " + line + "\n";
            }
        }
        // The refused file is never compiled; the build files still need one there.
        if (!w.graded.problem.empty()) {
            for (const std::string& file : e.files) {
                fs::copy_file(g.context.exercise_file(e, file), g.staged / e.chapter_dir / file,
                              fs::copy_options::overwrite_existing);
            }
        }
    }
}

/// What the compiler's own death says, in words, when it was killed rather than finding an
/// error: out of memory (a template recursion without end, a huge constant), or killed.
std::string compiler_gave_up(const std::string& output) {
    for (const char* sign : {"virtual memory exhausted", "out of memory", "std::bad_alloc", "Cannot allocate memory"}) {
        if (output.find(sign) != std::string::npos) {
            return "the compiler ran out of memory (it may use 4 GiB) compiling this submission: a template "
                   "that instantiates itself without end, or an enormous constant?\n";
        }
    }
    if (output.find("Killed signal terminated program") != std::string::npos ||
        output.find("terminated by signal") != std::string::npos) {
        return "the compiler was killed before it finished (out of memory or time).\n";
    }
    return "";
}

/// The test binaries of each exercise still in the running, from the build's manifest.
void choose_targets(Grading& g, const Manifest& manifest) {
    for (Work& w : g.works) {
        if (!w.graded.problem.empty()) continue;
        const ExerciseBuilds& builds = manifest.of(*w.graded.exercise);
        w.targets.push_back({builds.plain, false, g.options.tsan ? builds.tsan : TestBuild{}});
        if (builds.hidden.exists()) {
            w.targets.push_back({builds.hidden, true, g.options.tsan ? builds.hidden_tsan : TestBuild{}});
        }
    }
}

std::vector<std::string> target_names(const Work& w) {
    std::vector<std::string> names;
    for (const Target& t : w.targets) {
        names.push_back(t.build.target);
        if (t.tsan.exists()) names.push_back(t.tsan.target);
    }
    return names;
}

/// The content of every file directly in `folder`, by name, for a fingerprint.
std::string contents_of(const fs::path& folder) {
    std::map<std::string, std::string> files;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(folder, error)) {
        if (entry.is_regular_file()) files[entry.path().filename().string()] = read_file(entry.path());
    }
    std::string all;
    for (const auto& [name, text] : files) all += name + '\0' + std::to_string(text.size()) + '\0' + text;
    return all;
}

/// What a test binary is made of besides the student's files: the course's metadata, the
/// chapter's tests and the test support, the hidden tests, the build's settings (compiler,
/// flags) and what the compiler could see (a submission may ask whether a file exists). A
/// binary is reused only when all of them are unchanged.
std::string grading_fingerprint(const Grading& g, const Exercise& e) {
    std::string all = read_file(g.context.root / "exercises" / "info.json") + read_file(g.build / "CMakeCache.txt") +
                      contents_of(g.context.root / "tests" / e.chapter_dir) + contents_of(g.context.root / "tests" / "support") +
                      "compiled in: " + g.run.isolation.kind + (g.compile_uid != 0 ? " as an unprivileged user" : "");
    if (!g.options.hidden_tests.empty()) all += contents_of(g.options.hidden_tests / e.chapter_dir);
    return sha1_hex(all);
}

/// The binary cache: test binaries are kept in <work>/cache/<key>/, the key being the hash of
/// the exercise's submitted files and of what else they are built from. An exercise whose
/// files were built before (an untouched stub, a file two students share) is not compiled again.
void look_up_cache(Grading& g) {
    std::map<std::string, std::string> fingerprints;  // by chapter
    for (Work& w : g.works) {
        if (w.targets.empty()) continue;
        const Exercise& e = *w.graded.exercise;
        auto [it, fresh] = fingerprints.try_emplace(e.chapter_dir);
        if (fresh) it->second = grading_fingerprint(g, e);
        std::string key = e.id() + '\0' + it->second;
        for (const std::string& name : target_names(w)) key += '\0' + name;
        for (const std::string& file : e.files) key += '\0' + file + '\0' + read_file(g.staged / e.chapter_dir / file);
        w.cached = g.work / "cache" / sha1_hex(key);
        bool complete = fs::is_directory(w.cached);
        for (const Target& t : w.targets) {
            complete = complete && fs::exists(w.cached / t.build.target) &&
                       (!t.tsan.exists() || fs::exists(w.cached / t.tsan.target));
        }
        if (!complete) continue;
        w.from_cache = true;
        std::error_code ignored;  // its time says when it was used last, for pruning
        fs::last_write_time(w.cached, fs::file_time_type::clock::now(), ignored);
        for (Target& t : w.targets) {
            t.build.binary = w.cached / t.build.target;
            if (t.tsan.exists()) t.tsan.binary = w.cached / t.tsan.target;
        }
    }
}

/// Keeps every binary an exercise built in the cache; one that failed to build is not kept.
void fill_cache(const Grading& g) {
    for (const Work& w : g.works) {
        if (w.from_cache || w.targets.empty() || !w.graded.problem.empty() || fs::exists(w.cached)) continue;
        std::vector<const TestBuild*> builds;
        for (const Target& t : w.targets) {
            builds.push_back(&t.build);
            if (t.tsan.exists()) builds.push_back(&t.tsan);
        }
        if (!std::all_of(builds.begin(), builds.end(), [](const TestBuild* b) { return fs::exists(b->binary); })) continue;
        // Filled beside its place and renamed into it, so that a half-copied entry never counts.
        const fs::path partial = w.cached.string() + ".partial-" + std::to_string(getpid());
        std::error_code error;
        fs::create_directories(partial, error);
        for (const TestBuild* b : builds) {
            if (!error) fs::copy_file(b->binary, partial / b->target, fs::copy_options::overwrite_existing, error);
        }
        if (!error) fs::rename(partial, w.cached, error);
        if (error) fs::remove_all(partial, error);
    }
}

/// Keeps the binary cache below `limit` bytes, the entries used longest ago going first
/// (never one this grading uses), and removes what an interrupted grading left half-filled.
void prune_cache(const Grading& g, std::uintmax_t limit) {
    std::set<fs::path> in_use;
    for (const Work& w : g.works) in_use.insert(w.cached);
    std::vector<std::pair<fs::file_time_type, fs::path>> entries;
    std::map<fs::path, std::uintmax_t> sizes;
    std::uintmax_t total = 0;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(g.work / "cache", error)) {
        if (entry.path().filename().string().find(".partial-") != std::string::npos) {
            fs::remove_all(entry.path(), error);
            continue;
        }
        for (const auto& file : fs::directory_iterator(entry.path(), error)) sizes[entry.path()] += file.file_size(error);
        total += sizes[entry.path()];
        if (in_use.count(entry.path()) == 0) entries.emplace_back(fs::last_write_time(entry.path(), error), entry.path());
    }
    if (total <= limit) return;
    std::sort(entries.begin(), entries.end());
    for (const auto& [time, path] : entries) {
        if (total <= limit / 4 * 3) break;
        fs::remove_all(path, error);
        total -= sizes[path];
    }
}

/// The targets of every exercise whose binaries are not in the cache.
std::vector<std::string> targets_to_build(const Grading& g) {
    std::vector<std::string> all;
    for (const Work& w : g.works) {
        if (w.from_cache) continue;
        for (const std::string& name : target_names(w)) all.push_back(name);
    }
    return all;
}

/// After a failed build: why each exercise that has no binary could not be tested.
void explain_build_errors(Grading& g) {
    for (Work& w : g.works) {
        if (!w.graded.problem.empty() || w.targets.empty() || fs::exists(w.targets.front().build.binary)) continue;
        CodeOwners owners;
        owners.student_files = w.graded.exercise->files;
        const std::string output = compiler_output_for(g.build_log, w.targets.front().build.target);
        w.graded.problem = "it does not compile:\n" + compiler_gave_up(output) + first_compiler_error(output, owners, "");
    }
}

/// The first of `count` unprivileged users that no process runs as: a range picked at random
/// for this grading, so that two graders on one machine never share a process limit.
unsigned free_users(unsigned count) {
    std::random_device random;
    for (int attempt = 0; attempt < 50; ++attempt) {
        const unsigned first = grading_uid_base + (random() % grading_uid_ranges) * 256;
        bool free = true;
        for (unsigned uid = first; free && uid < first + count; ++uid) free = platform::processes_of_user(uid) <= 0;
        if (free) return first;
    }
    throw UserError("no free range of unprivileged users to grade as: is the machine full of graders?");
}

/// Whether `uid` may read and enter each of `folders` (a repository in root's home is out of
/// an unprivileged user's reach).
bool user_reaches(unsigned uid, unsigned gid, const std::vector<fs::path>& folders) {
    const pid_t child = fork();
    if (child < 0) return false;
    if (child == 0) {
        if (setgroups(0, nullptr) != 0 || setgid(gid) != 0 || setuid(uid) != 0) _exit(1);
        for (const fs::path& folder : folders) {
            if (access(folder.c_str(), R_OK | X_OK) != 0) _exit(1);
        }
        _exit(0);
    }
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/// 2a. The fence, decided before any of the submission is compiled: the sandbox and the
///     unprivileged users (one per parallel worker) that the build and the cases run as.
void choose_fence(Grading& g) {
    g.scratch = fs::temp_directory_path() / ("course-grade-" + std::to_string(getpid()));
    fs::create_directories(g.scratch / "bin");
    fs::permissions(g.scratch, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                   fs::perms::others_read | fs::perms::others_exec);
    Isolation isolation = choose_isolation(g.options.isolation, g.scratch / "probe");
    isolation.read_only.push_back(g.scratch / "bin");
    g.jobs = g.options.jobs > 0 ? g.options.jobs : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    if (isolation.uid != 0) {
        isolation.uid = free_users(static_cast<unsigned>(g.jobs));
        isolation.users = static_cast<unsigned>(g.jobs);
    }
    g.run.isolation = isolation;
    g.report.isolation = isolation;
    const std::vector<fs::path> reached{g.context.root, g.work};
    if (isolation.kind == "bubblewrap" && isolation.uid != 0 && user_reaches(isolation.uid, isolation.gid, reached)) {
        g.compile_uid = isolation.uid;
    }
}

/// Gives the grading's folder (build tree and staged submission) to `uid`, who compiles in it.
void hand_over(const fs::path& folder, unsigned uid, unsigned gid) {
    std::error_code error;
    (void)lchown(folder.c_str(), uid, gid);
    for (auto it = fs::recursive_directory_iterator(folder, fs::directory_options::skip_permission_denied, error);
         !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
        (void)lchown(it->path().c_str(), uid, gid);
    }
}

/// Runs Ninja on the grading build. The submission's code is compiled like it is run: inside
/// the sandbox where there is one, which shows the compiler the course's sources and tests,
/// the submission, the build tree, and the system's headers and libraries, read-only but for
/// the build tree; never the solutions, the repository's history or other builds, nor any
/// other file of the machine's. There, it compiles as the grading's first unprivileged user
/// when that user can reach the repository (`g.compile_uid`).
Outcome ninja(const Grading& g, const std::vector<std::string>& targets, std::chrono::seconds wall) {
    Launch launch;
    launch.argv = {"ninja", "-C", g.build.string(), "-k", "0"};
    launch.argv.insert(launch.argv.end(), targets.begin(), targets.end());
    launch.workdir = g.build;
    const Isolation& fence = g.run.isolation;
    if (g.compile_uid != 0) {
        hand_over(g.work, g.compile_uid, fence.gid);
        launch.run_as_uid = g.compile_uid;
        launch.run_as_gid = fence.gid;
    }
    const fs::path root = g.context.root;
    std::vector<fs::path> readable{root};
    if (!g.options.hidden_tests.empty()) readable.push_back(fs::absolute(g.options.hidden_tests));
    launch.wrapper = fence.build_wrapper(readable, {root / "solutions", root / ".git", root / "build"}, {g.work});
    return run_watched(launch, command_limits(wall));
}

/// 2. Configure and build: one Ninja run for everything not in the cache, so both cores stay
///    busy; a compile error costs only its own targets.
void build_submission(Grading& g) {
    if (!g.options.reuse_configuration || !fs::exists(Manifest::path_in(g.build))) {
        g.say("configuring the grading build in " + g.build.string() + " ...");
        configure(g.context, g.build, g.staged,
                  g.options.hidden_tests.empty() ? fs::path() : fs::absolute(g.options.hidden_tests));
    }
    const Manifest manifest = Manifest::load(g.build);
    screen_submission(g, manifest);
    const Outcome support = ninja(g, manifest.support_targets, std::chrono::minutes(10));
    if (support.ending != Ending::exited || support.exit_code != 0) {
        throw UserError("building the test support failed:\n" + support.output);
    }
    choose_targets(g, manifest);
    look_up_cache(g);
    const std::vector<std::string> all = targets_to_build(g);
    if (all.empty()) return;  // nothing to build: never let Ninja build the whole course
    g.say("building " + std::to_string(all.size()) + " test binaries ...");
    // Old binaries must not pass for new ones if a build fails.
    std::error_code ignored;
    for (const Work& w : g.works) {
        for (const Target& t : w.targets) {
            if (w.from_cache) continue;
            fs::remove(t.build.binary, ignored);
            if (t.tsan.exists()) fs::remove(t.tsan.binary, ignored);
        }
    }
    const Outcome built = ninja(g, all, std::chrono::minutes(20));
    g.build_log = built.output;
    if (built.ending == Ending::timed_out || built.ending == Ending::output_limit) {
        // Something in one submission file stalls the compiler: build one exercise at a
        // time, each with its own limit, so only that exercise pays.
        g.say("the build did not finish; building the exercises one at a time ...");
        g.build_log.clear();
        for (Work& w : g.works) {
            if (w.targets.empty() || w.from_cache) continue;
            const Outcome one = ninja(g, target_names(w), std::chrono::minutes(3));
            g.build_log += one.output;
            if (one.ending == Ending::timed_out) w.graded.problem = "compiling it did not finish within 3 minutes. ";
        }
    }
    explain_build_errors(g);
    fill_cache(g);
    prune_cache(g, max_cache_bytes);
}


/// Per-process limits leave holes: shared memory and files in memory count against no
/// RLIMIT_DATA, ThreadSanitizer runs with none, and RLIMIT_NPROC counts per user. Where the
/// kernel lets us, each worker's cases also run in a control group that bounds the memory
/// and the tasks of everything a case starts, together.
void make_resource_groups(Grading& g) {
    ResourceGroups& groups = g.groups;
    groups.plain_bytes = g.run.limits.memory_bytes;
    groups.tsan_bytes = 2 * g.run.limits.memory_bytes;  // ThreadSanitizer's shadow memory on top
    constexpr long tasks = 512;                          // threads count: thread-heavy tests stay well below
    std::string why;
    for (int worker = 0; worker < g.jobs && why.empty(); ++worker) {
        const std::string name = "course-grade-" + std::to_string(getpid()) + "-" + std::to_string(worker);
        groups.plain.push_back(platform::make_resource_group(name, groups.plain_bytes, tasks, why));
        if (why.empty()) groups.tsan.push_back(platform::make_resource_group(name + "-tsan", groups.tsan_bytes, tasks, why));
    }
    const auto mib = [](std::uint64_t bytes) { return std::to_string(bytes >> 20) + " MiB"; };
    if (!why.empty()) {
        groups.clear();
        g.run.isolation.resource_groups = "no cgroup (" + why + "): each process's own limits only";
        return;
    }
    g.run.isolation.resource_groups = "each case in a cgroup: " + mib(groups.plain_bytes) + " of memory (" +
                                      mib(groups.tsan_bytes) + " under ThreadSanitizer) for all its processes, " +
                                      "shared memory included, and " + std::to_string(tasks) + " tasks";
}

/// 3. Isolation, and binaries where the unprivileged user can reach them.
void prepare_runs(Grading& g) {
    const auto readable = fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                          fs::perms::others_read | fs::perms::others_exec;
    for (Work& w : g.works) {
        for (Target& t : w.targets) {
            for (TestBuild* b : {&t.build, &t.tsan}) {
                if (!b->exists() || !fs::exists(b->binary)) continue;
                const fs::path copy = g.scratch / "bin" / b->target;
                fs::copy_file(b->binary, copy, fs::copy_options::overwrite_existing);
                fs::permissions(copy, readable);
                b->binary = copy;
            }
        }
    }
    RunOptions& run = g.run;
    run.scratch = g.scratch / "runs";
    fs::create_directories(run.scratch);
    fs::permissions(run.scratch, fs::perms::all);
    run.clean_environment = true;
    run.limits.memory_bytes = std::uint64_t{2} << 30;  // a runaway allocation fails instead of swapping
    run.limits.file_bytes = 64 << 20;
    run.limits.output_bytes = 64 << 10;
    // A fork loop runs into this; thread-heavy tests stay well below it. The graders' own
    // users have no other process; a teacher grading as themselves keeps a margin (RLIMIT_NPROC
    // counts all their processes), or their own limit where their processes cannot be counted.
    const long processes_now = geteuid() == 0 ? 0 : platform::processes_of_user(geteuid());
    run.limits.max_processes = processes_now >= 0 ? processes_now + 512 : 0;
    run.stacks_on_timeout = true;
    make_resource_groups(g);
    g.report.isolation = run.isolation;
    g.say("isolation: " + run.isolation.describe());
}

/// 4. Every test case of every exercise that built, each `repeat` times.
std::vector<Job> list_jobs(Grading& g) {
    std::vector<Job> jobs;
    for (std::size_t wi = 0; wi < g.works.size(); ++wi) {
        Work& w = g.works[wi];
        if (!w.graded.problem.empty()) continue;
        for (std::size_t ti = 0; ti < w.targets.size(); ++ti) {
            const Target& t = w.targets[ti];
            RunOptions listing_options = g.run;
            listing_options.limits.wall = std::chrono::seconds(30);
            GradedCase failed;
            failed.hidden = t.hidden;
            if (!fs::exists(t.build.binary)) {
                if (!t.hidden) continue;  // the public tests' build error is the exercise's problem
                CodeOwners owners;
                owners.student_files = w.graded.exercise->files;
                failed.result.name = "hidden tests";
                failed.result.status = Status::build_error;
                failed.result.explanation = "the hidden tests do not compile against this submission:\n" +
                                            first_compiler_error(compiler_output_for(g.build_log, t.build.target), owners, "");
                w.graded.cases.push_back(failed);
                continue;
            }
            // The cases come from the test source, which the submission cannot change: a
            // case the binary fails to run or to report is failed, never left out. Only a
            // source whose names cannot be read is listed by the binary itself.
            std::optional<std::vector<std::string>> trusted;
            if (!t.build.source.empty()) trusted = test_cases_in(read_file(t.build.source));
            Listing listing;
            if (trusted && !trusted->empty()) listing.names = *trusted;
            else listing = list_cases(t.build.binary, listing_options);
            if (!listing.error.empty()) {
                failed.result.name = t.hidden ? "hidden tests" : "all tests";
                failed.result.status = Status::no_result;
                failed.result.explanation = listing.error;
                w.graded.cases.push_back(failed);
                continue;
            }
            for (const std::string& name : listing.names) {
                GradedCase c;
                c.hidden = t.hidden;
                c.result.name = name;
                w.graded.cases.push_back(c);
                for (int r = 0; r < g.report.repeat; ++r) jobs.push_back({wi, ti, name, false});
            }
        }
    }
    return jobs;
}

/// Whether a case never ran because the sandbox itself failed to start (bubblewrap says so
/// on the case's output before anything of the test program runs).
bool sandbox_failed(const CaseResult& result) {
    return result.status == Status::no_result && result.output.rfind("bwrap: ", 0) == 0;
}

/// Runs one case; a sandbox that fails to start (a namespace the kernel would not make at
/// that moment) is tried twice more, a moment apart, and then called the grader's fault.
CaseResult run_case_retrying_the_sandbox(const fs::path& binary, const std::string& name, const RunOptions& options) {
    CaseResult result;
    for (int attempt = 1; attempt <= 3; ++attempt) {
        result = run_case(binary, name, options);
        if (!sandbox_failed(result)) return result;
        // A back-off for the machine's sake, not a wait for anything of the test's.
        std::this_thread::sleep_for(std::chrono::milliseconds(250 * attempt));
    }
    result.explanation = "the grader's sandbox failed to start, three times (" +
                         result.output.substr(0, result.output.find('\n')) +
                         "): a fault of the grading machine, not of this code. Grade it again.";
    result.details = "grader error";
    return result;
}

/// Runs `batch`, `g.jobs` cases at a time, each in a worker process of its own; a worker
/// that dies leaves its result empty, which the callers read as no_result.
std::vector<CaseResult> run_jobs(const Grading& g, const std::vector<Job>& batch) {
    const auto results = parallel_map(batch.size(), g.jobs, [&](std::size_t i, int worker) {
        const Job& job = batch[i];
        const Work& w = g.works[job.work];
        const Target& target = w.targets[job.target];
        const TestBuild& build = job.tsan ? target.tsan : target.build;
        RunOptions options = g.run;
        // Each worker runs its cases as a user of its own: the process-count limit is
        // per user, so a fork loop in one case cannot starve a case running beside it.
        if (options.isolation.users > 1) options.isolation.uid += static_cast<unsigned>(worker);
        options.isolation.users = 1;
        const int seconds = g.options.time_limit > 0 ? g.options.time_limit * (job.tsan ? 4 : 1) : build.time_limit;
        options.limits.wall = std::chrono::seconds(seconds);
        options.limits.cpu = std::chrono::seconds(2 * seconds + 1);
        options.tsan = job.tsan;
        options.owners.student_files = w.graded.exercise->files;
        // ThreadSanitizer reserves terabytes of address space for its shadow memory.
        if (job.tsan) options.limits.memory_bytes = 0;
        const auto& groups = job.tsan ? g.groups.tsan : g.groups.plain;
        if (static_cast<std::size_t>(worker) < groups.size()) options.group = groups[static_cast<std::size_t>(worker)];
        // The worker's cases run one after another: a kill counted meanwhile is this case's.
        const long kills_before = platform::resource_group_memory_kills(options.group);
        CaseResult result = run_case_retrying_the_sandbox(build.binary, job.name, options);
        const long kills_after = platform::resource_group_memory_kills(options.group);
        if (kills_before >= 0 && kills_after > kills_before) {
            const std::uint64_t bytes = job.tsan ? g.groups.tsan_bytes : g.groups.plain_bytes;
            result.status = Status::crashed;
            result.explanation = "was killed for using more memory than its limit: " + std::to_string(bytes >> 20) +
                                 " MiB for all its processes together, shared memory and files in memory included";
        }
        // Student output may be any bytes: invalid UTF-8 is replaced, never fatal.
        return nlohmann::json(result).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    });
    std::vector<CaseResult> parsed;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        const auto json = nlohmann::json::parse(results[i], nullptr, false);
        CaseResult result;
        if (json.is_object()) {
            result = json.get<CaseResult>();
        } else {
            result.name = batch[i].name;
            result.status = Status::no_result;
            result.explanation = "the grader's worker process died while running this case";
        }
        parsed.push_back(result);
    }
    return parsed;
}

GradedCase* graded_case(Grading& g, const Job& job) {
    const bool hidden = g.works[job.work].targets[job.target].hidden;
    for (GradedCase& c : g.works[job.work].graded.cases) {
        if (c.result.name == job.name && c.hidden == hidden) return &c;
    }
    return nullptr;
}

/// The plain pass: each case's repeats folded into one result. Returns the cases that
/// passed, for the ThreadSanitizer pass.
std::vector<Job> run_plain_pass(Grading& g, const std::vector<Job>& jobs) {
    g.say("running " + std::to_string(jobs.size()) + " test case run(s), " + std::to_string(g.jobs) + " at a time ...");
    const std::vector<CaseResult> results = run_jobs(g, jobs);
    std::map<GradedCase*, std::vector<CaseResult>> runs_of;
    std::vector<GradedCase*> order;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        GradedCase* c = graded_case(g, jobs[i]);
        if (c == nullptr) continue;
        if (runs_of[c].empty()) order.push_back(c);
        runs_of[c].push_back(results[i]);
    }
    std::vector<Job> passed;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        GradedCase* c = graded_case(g, jobs[i]);
        if (c == nullptr || runs_of.find(c) == runs_of.end()) continue;
        c->result = combine_runs(runs_of[c]);
        runs_of.erase(c);
        const Target& target = g.works[jobs[i].work].targets[jobs[i].target];
        if (c->result.status == Status::passed && target.tsan.exists() && fs::exists(target.tsan.binary)) {
            passed.push_back({jobs[i].work, jobs[i].target, jobs[i].name, true});
        }
    }
    return passed;
}

/// 5. The ThreadSanitizer pass, for what passed: a race that gave the right answer by luck
///    is still a race. Every verdict there counts: a timeout under ThreadSanitizer (four
///    times the limit) is a hang, and a worker that died is no result, never a pass.
void run_tsan_pass(Grading& g, const std::vector<Job>& jobs) {
    if (jobs.empty()) return;
    g.say("running " + std::to_string(jobs.size()) + " test case(s) under ThreadSanitizer ...");
    const std::vector<CaseResult> results = run_jobs(g, jobs);
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        const CaseResult& tsan = results[i];
        GradedCase* c = graded_case(g, jobs[i]);
        // A case the ThreadSanitizer build leaves out (one its own runtime cannot survive)
        // keeps its plain verdict.
        if (c == nullptr || tsan.status == Status::passed || tsan.skipped) continue;
        c->result.status = tsan.status;
        c->result.failures = tsan.failures;
        c->result.explanation = "under ThreadSanitizer: " + tsan.explanation;
        c->result.location = tsan.location;
        c->result.details = tsan.details;
        c->result.output = tsan.output;
        c->result.passes = 0;
    }
}

/// 6. Score, in course order, build errors included.
void score(Grading& g) {
    for (Work& w : g.works) {
        GradedExercise& e = w.graded;
        if (!e.problem.empty()) {
            e.status = Status::build_error;
            e.score = 0;
        } else {
            assign_points(e);
            e.status = worst_of(e.cases, [](const GradedCase& c) { return c.result.status; });
            for (const GradedCase& c : e.cases) g.report.grader_errors += c.result.details == "grader error" ? 1 : 0;
        }
        g.report.score += e.score;
        g.report.max_score += e.max_score;
        g.report.exercises.push_back(std::move(e));
    }
}

}  // namespace

GradeReport grade(const Context& context, const GradeOptions& options) {
    const auto started = Clock::now();
    Grading g{context, options, {}, {}, {}, {}, {}, {}, {}, {}, {}, 1, {}, 0};
    g.report.course = context.course.title;
    g.report.tsan = options.tsan;
    g.report.repeat = std::max(1, options.repeat);
    g.submission = options.submission.empty() ? context.root / "exercises" : fs::absolute(options.submission);
    if (!fs::is_directory(g.submission)) throw UserError("there is no submission folder " + g.submission.string());
    if (!options.hidden_tests.empty() && !fs::is_directory(options.hidden_tests)) {
        throw UserError("there is no hidden tests folder " + options.hidden_tests.string());
    }
    g.report.submission = g.submission.string();
    g.work = work_dir_of(context, options);
    g.staged = g.work / "submission" / "exercises";
    g.build = g.work / "build";

    {
        const BuildLock lock(g.work);
        stage_submission(g);
        g.say("grading " + std::to_string(g.works.size()) + " exercise(s) of " + g.submission.string());
        choose_fence(g);
        build_submission(g);
        prepare_runs(g);
    }
    const std::vector<Job> passed = run_plain_pass(g, list_jobs(g));
    if (options.tsan) run_tsan_pass(g, passed);
    score(g);
    std::error_code ignored;
    fs::remove_all(g.scratch, ignored);
    g.report.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    return g.report;
}

}  // namespace course
