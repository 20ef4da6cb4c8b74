// student_cli.cpp: the student's commands on the command line: map, run, check, watch, hint, reset.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <memory>
#include <string>

#include "commands.hpp"
#include "student_commands.hpp"

namespace course {

namespace {

/// Runs a command's body and turns its status into CLI11's way of ending with it.
void finish(int status) {
    if (status != 0) throw CLI::RuntimeError(status);
}

void add_check_options(CLI::App* cmd, CheckOptions& options) {
    cmd->add_flag_function(
        "--no-tsan", [&options](std::int64_t) { options.races = RaceCheck::skip; },
        "Skip the race check: a pass is then \"passed, not checked for races\"");
    cmd->add_flag_function(
        "--tsan", [&options](std::int64_t) { options.races = RaceCheck::only; },
        "Run only the ThreadSanitizer build (data races and lock-order inversions)");
    cmd->add_option("--time-limit", options.time_limit,
                    "Seconds each test case may take (default: the exercise's own limit; longer under ThreadSanitizer)")
        ->check(CLI::Range(1, 3600));
    cmd->add_flag("-v,--verbose", options.verbose,
                  "Show passing test cases, everything the tests printed and the compiler's full messages");
}

}  // namespace

void add_student_commands(CLI::App& app) {
    app.callback([&app] {
        if (app.get_subcommands().empty()) show_course_map();
    });

    auto spec = std::make_shared<std::string>();
    auto options = std::make_shared<CheckOptions>();
    auto yes = std::make_shared<bool>(false);
    auto write = std::make_shared<bool>(false);

    CLI::App* map = app.add_subcommand("map", "Show the course map: every exercise passed, failing or not started (the default)");
    map->callback([] { show_course_map(); });

    CLI::App* run = app.add_subcommand("run", "Build and run a chapter's example programs, or one of them");
    run->add_option("what", *spec, "A chapter (02) or one example (02/03, or 02/shared_memory)")->required();
    run->callback([spec] { finish(run_chapter_examples(*spec)); });
    run->footer(
        "Examples:\n  ./course run 01      every program of chapter 01, in order\n  ./course run 01/05   only 05_exit_status\n"
        "The status is 1 when a program crashed or ended with a status it does not mean to.");

    CLI::App* check_cmd = app.add_subcommand(
        "check", "Build exercises and run their tests, then check them for data races, with a verdict for every test case");
    check_cmd->add_option("what", *spec, "An exercise (01/exit_code or exit_code) or a chapter (01); default: the next unsolved exercise");
    add_check_options(check_cmd, *options);
    check_cmd->callback([spec, options] { finish(check_command(*spec, *options)); });
    check_cmd->footer(
        "Races are checked by default: when every test case passes, the same tests run again under\n"
        "ThreadSanitizer, and only then is the exercise passed. A race stays on the map until a\n"
        "clean ThreadSanitizer run of the same files.\n"
        "Verdicts: PASS, FAIL (the failed check and its values), TIMEOUT (probably a deadlock: who\n"
        "holds which lock and who waits), CRASH (the signal, and your line where it happened), RACE\n"
        "(ThreadSanitizer's report, trimmed), NO RESULT (the program ended before the test did),\n"
        "BUILD (the first compiler error, your line first; -v for everything).");

    CLI::App* watch_cmd = app.add_subcommand("watch", "Check the current exercise again every time you save it");
    watch_cmd->add_option("what", *spec, "An exercise to watch; default: the next unsolved one, then the next...");
    add_check_options(watch_cmd, *options);
    watch_cmd->callback([spec, options] { finish(watch_command(*spec, *options)); });

    CLI::App* hint_cmd = app.add_subcommand("hint", "Show the next hint for an exercise (one more each time)");
    hint_cmd->add_option("what", *spec, "An exercise (01/exit_code); default: the next unsolved one");
    hint_cmd->callback([spec] { finish(hint_command(*spec)); });

    CLI::App* reset_cmd = app.add_subcommand("reset", "Put an exercise's original stub back (your version is kept in .course/backups/)");
    reset_cmd->add_option("what", *spec, "An exercise (01/exit_code) or a chapter (01)")->required();
    reset_cmd->add_flag("-y,--yes", *yes, "Do not ask for confirmation");
    reset_cmd->callback([spec, yes] { finish(reset_command(*spec, *yes)); });

    CLI::App* stubs_cmd = app.add_subcommand("stubs", "Check (or --write) exercises/stubs.json, the stubs' git blob ids");
    stubs_cmd->group("");  // for the course's maintainers, not listed in --help
    stubs_cmd->add_flag("--write", *write, "Write it for the exercise files as they are now");
    stubs_cmd->callback([write] { finish(stubs_command(*write)); });
}

}  // namespace course
