// grade_commands.cpp: the teacher's commands: grade a submission, export a student kit or a Gradescope autograder.
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "commands.hpp"
#include "grading.hpp"
#include "reports.hpp"

namespace course {
namespace fs = std::filesystem;

namespace {

struct GradeArgs {
    GradeOptions options;
    std::string format = "table";
    std::string output;
    bool tsan = true;
    double fail_under = -1;
};

int run_grade(const GradeArgs& args) {
    const Context context = Context::discover();
    GradeOptions options = args.options;
    options.tsan = args.tsan;
    const GradeReport report = grade(context, options);
    std::string text;
    if (args.format == "table") text = format_table(report, args.output.empty() ? context.style : Style{});
    else if (args.format == "gradescope") text = format_gradescope(report);
    else if (args.format == "junit") text = format_junit(report);
    else text = format_json(report);
    if (args.output.empty() || args.output == "-") {
        std::cout << text;
    } else {
        const fs::path path = args.output;
        if (path.has_parent_path()) fs::create_directories(path.parent_path());
        std::ofstream file(path);
        file << text;
        if (!file) throw UserError("cannot write " + path.string());
        std::cerr << "wrote " << path.string() << " (score " << report.score << " / " << report.max_score << ")\n";
    }
    const double percent = report.max_score > 0 ? 100.0 * report.score / report.max_score : 0;
    return args.fail_under >= 0 && percent + 1e-9 < args.fail_under ? 1 : 0;
}

/// The files of the repository that belong in a student's kit: no solutions, no mutants,
/// none of the course's own checks that need them, no build or progress.
bool belongs_in_kit(const fs::path& relative) {
    const std::string first = relative.begin()->string();
    if (first == "build" || first == ".course" || first == ".git" || first == "solutions" || first == ".ci") return false;
    const std::string text = relative.generic_string();
    for (const char* excluded : {"tests/mutants", "tests/tools", "tests/grading"}) {
        if (text == excluded || text.rfind(std::string(excluded) + "/", 0) == 0) return false;
    }
    return true;
}

std::string read_text(const fs::path& path) {
    std::ifstream file(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(file), {}};
}

/// The GitHub Classroom workflow of a kit: one graded step per exercise, worth its points.
std::string classroom_workflow(const Course& course) {
    std::ostringstream out;
    out << "# GitHub Classroom autograding: each exercise is one test, worth its points when all its\n"
           "# test cases pass (under ThreadSanitizer too). Made by ./course export.\n"
           "name: Autograding\n"
           "on: [push, repository_dispatch, workflow_dispatch]\n"
           "permissions:\n  checks: write\n  actions: read\n  contents: read\n"
           "jobs:\n  grade:\n    runs-on: ubuntu-24.04\n    timeout-minutes: 30\n    steps:\n"
           "      - uses: actions/checkout@v4\n"
           "      - name: Install the course's tools\n"
           "        run: sudo apt-get update && sudo apt-get install -y g++ cmake ninja-build doctest-dev "
           "nlohmann-json3-dev libcli11-dev gdb bubblewrap\n"
           "      - name: Build the course tool\n        run: ./course --help >/dev/null\n";
    std::string runners;
    std::string env;
    for (const Exercise* e : course.exercises()) {
        const std::string id = "ex-" + e->chapter_number + "-" + e->name;
        std::string upper = id;
        for (char& c : upper) c = c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        out << "      - name: " << e->id() << "\n        id: " << id
            << "\n        uses: classroom-resources/autograding-command-grader@v1\n        with:\n"
            << "          test-name: " << e->id() << "\n          command: ./course grade --only " << e->id()
            << " --fail-under 100\n          timeout: 15\n          max-score: " << e->points << '\n';
        runners += (runners.empty() ? "" : ",") + id;
        env += "          " + upper + "_RESULTS: \"${{ steps." + id + ".outputs.result }}\"\n";
    }
    out << "      - name: Report\n        uses: classroom-resources/autograding-grading-reporter@v1\n        env:\n"
        << env << "        with:\n          runners: " << runners << '\n';
    return out.str();
}

int run_export(const std::string& destination, bool force, const std::string& gradescope_zip,
               const std::string& hidden_tests) {
    const Context context = Context::discover();
    if (!gradescope_zip.empty()) {
        // Gradescope unpacks the zip into /autograder/source and runs setup.sh once, then
        // run_autograder for every submission.
        const fs::path zip = fs::absolute(gradescope_zip);
        const fs::path stage = fs::temp_directory_path() / ("course-autograder-" + std::to_string(getpid()));
        fs::remove_all(stage);
        for (const auto& entry : fs::recursive_directory_iterator(context.root)) {
            const fs::path relative = fs::relative(entry.path(), context.root);
            const std::string first = relative.begin()->string();
            if (first == "build" || first == ".course" || first == ".git") continue;
            if (entry.is_directory()) continue;
            fs::create_directories((stage / relative).parent_path());
            fs::copy_file(entry.path(), stage / relative);
        }
        if (!hidden_tests.empty()) fs::copy(hidden_tests, stage / "hidden_tests", fs::copy_options::recursive);
        for (const char* file : {"setup.sh", "run_autograder"}) {
            fs::copy_file(context.root / "tools" / "gradescope" / file, stage / file);
            fs::permissions(stage / file, fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read |
                                              fs::perms::group_exec | fs::perms::others_exec);
        }
        fs::remove(zip);
        std::vector<std::string> argv{"cmake", "-E", "tar", "cf", zip.string(), "--format=zip"};
        for (const auto& entry : fs::directory_iterator(stage)) argv.push_back(entry.path().filename().string());
        Limits limits;
        limits.wall = std::chrono::minutes(5);
        limits.file_bytes = 0;
        const Outcome zipped = run_command(stage, argv, limits);
        fs::remove_all(stage);
        if (zipped.ending != Ending::exited || zipped.exit_code != 0) throw UserError("making the zip failed:\n" + zipped.output);
        std::cout << "wrote " << zip.string() << ": upload it as the autograder of a Gradescope programming assignment\n";
        return 0;
    }

    const fs::path kit = fs::absolute(destination);
    if (fs::exists(kit) && !fs::is_empty(kit) && !force) {
        throw UserError(kit.string() + " is not empty; choose a new folder or add --force");
    }
    if (kit == context.root || kit.string().rfind(context.root.string() + "/", 0) == 0) {
        throw UserError("export into a folder outside the repository");
    }
    // A kit must hand out stubs: an exercise file that equals its solution is a mistake.
    for (const Exercise* e : context.course.exercises()) {
        for (const std::string& file : e->files) {
            const fs::path solution = context.root / "solutions" / e->chapter_dir / file;
            if (fs::exists(solution) && read_text(solution) == read_text(context.exercise_file(*e, file))) {
                throw UserError("exercises/" + e->chapter_dir + "/" + file +
                                " is the solution: restore the stub (./course reset " + e->id() + ") before exporting");
            }
        }
    }
    int copied = 0;
    for (auto it = fs::recursive_directory_iterator(context.root); it != fs::recursive_directory_iterator(); ++it) {
        const fs::path relative = fs::relative(it->path(), context.root);
        if (!belongs_in_kit(relative)) {
            if (it->is_directory()) it.disable_recursion_pending();
            continue;
        }
        if (it->is_directory()) continue;
        fs::create_directories((kit / relative).parent_path());
        fs::copy_file(it->path(), kit / relative, fs::copy_options::overwrite_existing | fs::copy_options::copy_symlinks);
        ++copied;
    }
    fs::create_directories(kit / ".github" / "workflows");
    std::ofstream(kit / ".github" / "workflows" / "classroom.yml") << classroom_workflow(context.course);
    std::cout << "wrote a student kit of " << copied << " files to " << kit.string()
              << "\n  without solutions/, tests/mutants/ and the course's own checks;"
                 "\n  with .github/workflows/classroom.yml for GitHub Classroom autograding.\n";
    return 0;
}

}  // namespace

void add_grade_commands(CLI::App& app) {
    auto args = std::make_shared<GradeArgs>();
    CLI::App* grade_cmd = app.add_subcommand("grade", "Grade a submission: every exercise built and tested in isolation, with a score");
    grade_cmd->add_option("--submission", args->options.submission,
                          "A student's repository, its exercises/ folder, or a folder of submitted files "
                          "(default: this repository's exercises)");
    grade_cmd->add_option("--format", args->format, "table, gradescope (results.json), junit or json")
        ->check(CLI::IsMember({"table", "gradescope", "junit", "json"}));
    grade_cmd->add_option("-o,--output", args->output, "Write the report to this file instead of the screen");
    grade_cmd->add_flag("--tsan,!--no-tsan", args->tsan,
                        "Also run every passing test case under ThreadSanitizer (the default), or not");
    grade_cmd->add_option("--repeat", args->options.repeat, "Run each test case N times; a mixed result is 'flaky'")
        ->check(CLI::Range(1, 1000));
    grade_cmd->add_option("--hidden-tests", args->options.hidden_tests, "A folder of extra tests: NN_topic/test_NAME.cpp");
    grade_cmd->add_option("--only", args->options.only, "Grade only these exercises or chapters (01/exit_code, 02)");
    grade_cmd->add_option("--jobs", args->options.jobs, "Test cases run at once (default: one per CPU)")->check(CLI::Range(1, 256));
    grade_cmd->add_option("--isolation", args->options.isolation, "auto (bubblewrap when it works), bwrap, or none")
        ->check(CLI::IsMember({"auto", "bwrap", "none"}));
    grade_cmd->add_option("--work-dir", args->options.work_dir, "The grading build tree (default: build/grade)");
    grade_cmd->add_option("--fail-under", args->fail_under, "Exit with status 1 when the score is below this percentage")
        ->check(CLI::Range(0.0, 100.0));
    grade_cmd->add_flag("-q,--quiet", args->options.quiet, "No progress messages");
    grade_cmd->footer(
        "Statuses: passed, failed, timeout, crashed, race, flaky, no_result, build_error.\n"
        "Examples:\n"
        "  ./course grade --submission ~/submissions/alice\n"
        "  ./course grade --submission /autograder/submission --format gradescope -o /autograder/results/results.json");
    grade_cmd->callback([args] {
        if (const int status = run_grade(*args); status != 0) throw CLI::RuntimeError(status);
    });

    auto destination = std::make_shared<std::string>();
    auto force = std::make_shared<bool>(false);
    auto zip = std::make_shared<std::string>();
    auto hidden = std::make_shared<std::string>();
    CLI::App* export_cmd = app.add_subcommand("export", "Write a student kit (no solutions, no mutants), or a Gradescope autograder zip");
    export_cmd->add_option("folder", *destination, "Where to write the student kit");
    export_cmd->add_flag("--force", *force, "Write into a folder that is not empty");
    export_cmd->add_option("--gradescope", *zip, "Write a Gradescope autograder zip (setup.sh, run_autograder, the course) instead");
    export_cmd->add_option("--hidden-tests", *hidden, "With --gradescope: hidden tests to grade with");
    export_cmd->callback([destination, force, zip, hidden] {
        if (destination->empty() && zip->empty()) throw CLI::ValidationError("export", "give a folder, or --gradescope FILE.zip");
        run_export(*destination, *force, *zip, *hidden);
    });
}

}  // namespace course
