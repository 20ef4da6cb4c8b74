// grade_cli.cpp: the teacher's commands on the command line: grade and export.
#include <CLI/CLI.hpp>

#include <memory>
#include <string>

#include "commands.hpp"
#include "grade_commands.hpp"

namespace course {

void add_grade_commands(CLI::App& app) {
    auto args = std::make_shared<GradeArgs>();
    CLI::App* grade_cmd = app.add_subcommand("grade", "Grade a submission: every exercise built and tested in isolation, with a score");
    grade_cmd->add_option("--submission", args->options.submission,
                          "A student's repository, its exercises/ folder, or a folder of submitted files "
                          "(default: this repository's exercises)");
    CLI::Option* class_opt = grade_cmd->add_option(
        "--class", args->class_dir,
        "A folder of submissions, one subfolder each: writes a gradebook, Gradescope results and a summary page");
    class_opt->excludes("--submission");
    grade_cmd->add_option("--output-dir", args->output_dir,
                          "With --class: where gradebook.csv, <submission>.json and summary.html go")
        ->needs(class_opt);
    grade_cmd->add_option("--format", args->format, "table, gradescope (results.json), junit or json")
        ->check(CLI::IsMember({"table", "gradescope", "junit", "json"}));
    grade_cmd->add_option("-o,--output", args->output, "Write the report to this file instead of the screen");
    grade_cmd->add_flag("--tsan,!--no-tsan", args->tsan,
                        "Also run every passing test case under ThreadSanitizer (the default), or not");
    grade_cmd->add_option("--repeat", args->options.repeat, "Run each test case N times; a mixed result is 'flaky'")
        ->check(CLI::Range(1, 1000));
    grade_cmd->add_option("--hidden-tests", args->options.hidden_tests, "A folder of extra tests: NN_topic/test_NAME.cpp");
    grade_cmd->add_option("--only", args->options.only, "Grade only these exercises or chapters (01/exit_code, 02)");
    grade_cmd->add_option("--time-limit", args->options.time_limit,
                          "Seconds each test case may take, instead of each exercise's own limit")
        ->check(CLI::Range(1, 3600));
    grade_cmd->add_option("--jobs", args->options.jobs, "Test cases run at once (default: one per CPU)")->check(CLI::Range(1, 256));
    grade_cmd->add_option("--isolation", args->options.isolation, "auto (bubblewrap when it works), bwrap, or none")
        ->check(CLI::IsMember({"auto", "bwrap", "none"}));
    grade_cmd->add_option("--work-dir", args->options.work_dir, "The grading build tree (default: build/grade)");
    grade_cmd->add_option("--fail-under", args->fail_under, "Exit with status 1 when the score is below this percentage")
        ->check(CLI::Range(0.0, 100.0));
    grade_cmd->add_flag("-q,--quiet", args->options.quiet, "No progress messages");
    grade_cmd->footer(
        "Statuses: passed, failed, timeout, crashed, race, flaky, no_result, build_error, tampered.\n"
        "Examples:\n"
        "  ./course grade --submission ~/submissions/alice\n"
        "  ./course grade --class ~/submissions --output-dir ~/grades\n"
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
