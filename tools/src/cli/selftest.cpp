// selftest.cpp: the course's self-check: every untouched stub fails fast, every mutant is caught,
// every run.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "build.hpp"
#include "commands.hpp"
#include "test_run.hpp"

namespace course {
namespace fs = std::filesystem;

namespace {

struct SelftestArgs {
    int time_limit = 10;
    std::string mistake_file;
    int runs = 1;
    std::string id;           ///< NN.exercise.mutant, for the results file
    std::string results_dir;  ///< where the mutant check writes its result (none if empty)
    std::vector<std::string> binaries;
    std::string build_dir;    ///< with tsan_target: where to build the ThreadSanitizer binary when first needed
    std::string tsan_target;
};

RunOptions options_for(int seconds, bool tsan) {
    RunOptions options;
    options.limits.wall = std::chrono::seconds(seconds);
    options.tsan = tsan;
    // One race is enough to catch a mutant: the rest of a ThreadSanitizer run (several
    // times slower than a plain one) would only repeat it.
    options.stop_at_first_race = tsan;
    options.scratch = fs::temp_directory_path() / "course-selftest";
    return options;
}

/// Line `number` (from 1) of a file, or "" when it has fewer lines.
std::string line_of(const std::string& path, int number) {
    std::ifstream file(path);
    std::string line;
    for (int i = 0; i < number; ++i) {
        if (!std::getline(file, line)) return "";
    }
    return line;
}

/// The catalogue id of a mutant's mistake: line 2 of mistake.txt, "kind: <id>".
std::string kind_of(const std::string& mistake_file) {
    const std::string line = line_of(mistake_file, 2);
    const std::string prefix = "kind:";
    if (line.rfind(prefix, 0) != 0) return "";
    const auto first = line.find_first_not_of(' ', prefix.size());
    return first == std::string::npos ? "" : line.substr(first);
}

/// A missing test binary proves nothing: a mutant that does not build would otherwise
/// count as caught. Throws so that the check fails with the reason.
void require_binaries(const std::vector<std::string>& binaries) {
    for (const auto& binary : binaries) {
        if (!fs::is_regular_file(binary)) {
            throw std::runtime_error("no test binary " + binary + " (was it built?)");
        }
    }
}

/// A stub passes the check when every one of its test cases fails, and fails by reporting
/// (an exception or a wrong value), not by hanging or crashing.
int check_stub(const SelftestArgs& args) {
    require_binaries(args.binaries);
    const fs::path binary = args.binaries.at(0);
    const RunOptions options = options_for(args.time_limit, false);
    const Listing listing = list_cases(binary, options);
    if (!listing.error.empty()) {
        std::cout << "FAIL: " << listing.error << '\n';
        return 1;
    }
    int wrong = 0;
    double slowest = 0;
    for (const std::string& name : listing.names) {
        const CaseResult result = run_case(binary, name, options);
        slowest = std::max(slowest, result.seconds);
        std::cout << "  " << to_string(result.status) << "  " << name << '\n';
        if (result.status == Status::failed) continue;
        ++wrong;
        if (result.status == Status::passed) {
            std::cout
                << "    the untouched stub passes this test case, so it cannot tell a solution "
                   "from a stub\n";
        } else {
            std::cout << "    a stub must fail fast, by throwing or returning a wrong value: "
                      << result.explanation << '\n';
        }
    }
    if (wrong > 0) {
        std::cout << "FAIL: " << wrong << " of " << listing.names.size()
                  << " test cases do not fail cleanly on the untouched stub\n";
        return 1;
    }
    std::cout << "PASS: the untouched stub fails all " << listing.names.size() << " test cases\n";
    return 0;
}

/// How one run of a mutant's tests ended.
struct MutantRun {
    int number = 0;
    std::string seed;  ///< the schedule perturbation's seed (COURSE_CHAOS_SEED)
    std::string pass;  ///< "plain" or "tsan" when caught, "" when not
    Status status = Status::passed;
    std::string case_name;
    std::string message;
};

/// One pass of a mutant's tests; the first test case that rejects it, if any.
bool caught(const fs::path& binary, const RunOptions& options, MutantRun& run) {
    std::vector<CaseResult> results = run_all(binary, options);
    // A race stops a ThreadSanitizer run in the middle of its case: the race, not the
    // unfinished case, is what caught the mutant.
    std::stable_partition(results.begin(), results.end(), [](const CaseResult& r) { return r.status == Status::race; });
    for (const CaseResult& result : results) {
        if (result.status == Status::passed) continue;
        run.status = result.status;
        run.case_name = result.name;
        if (!result.failures.empty())
            run.message = result.failures.front().message;
        else
            run.message = result.explanation;
        return true;
    }
    return false;
}

/// The seed for run `number`: COURSE_CHAOS_SEED when the caller set it (a replay, the same
/// for every run), otherwise a fresh one, which the test binaries read from the environment.
std::string choose_seed(const std::string& replayed, std::mt19937_64& random) {
    const std::string seed =
        replayed.empty() ? std::to_string(random() & ((std::uint64_t{1} << 48) - 1)) : replayed;
    setenv("COURSE_CHAOS_SEED", seed.c_str(), 1);
    return seed;
}

std::string pass_name(const std::string& pass) {
    return pass == "tsan" ? "ThreadSanitizer" : pass;
}

/// "failed (plain)": the verdict that caught a run and which build gave it.
std::string verdict_of(const MutantRun& run) {
    return to_string(run.status) + " (" + pass_name(run.pass) + ")";
}

void write_result(const SelftestArgs& args, const std::vector<MutantRun>& runs, double seconds) {
    if (args.results_dir.empty()) return;
    const auto first_dot = args.id.find('.');
    const auto second_dot = args.id.find('.', first_dot == std::string::npos ? 0 : first_dot + 1);
    if (second_dot == std::string::npos) {
        throw CLI::ValidationError("--id", "must be NN.exercise.mutant, not '" + args.id + "'");
    }
    nlohmann::json json;
    json["chapter"] = args.id.substr(0, first_dot);
    json["exercise"] = args.id.substr(first_dot + 1, second_dot - first_dot - 1);
    json["mutant"] = args.id.substr(second_dot + 1);
    json["kind"] = kind_of(args.mistake_file);
    json["mistake"] = line_of(args.mistake_file, 1);
    json["runs"] = runs.size();
    nlohmann::json list = nlohmann::json::array();
    std::map<std::string, int> verdicts;
    int caught_runs = 0;
    for (const MutantRun& run : runs) {
        list.push_back({{"run", run.number},
                        {"seed", run.seed},
                        {"caught_by", run.pass},
                        {"status", run.pass.empty() ? "passed" : to_string(run.status)},
                        {"case", run.case_name}});
        if (run.pass.empty()) continue;
        ++caught_runs;
        ++verdicts[verdict_of(run)];
    }
    json["caught"] = caught_runs;
    json["verdicts"] = verdicts;
    json["seconds"] = seconds;
    json["each_run"] = list;
    fs::create_directories(args.results_dir);
    const fs::path path = fs::path(args.results_dir) / (args.id + ".json");
    const fs::path partial = path.string() + ".partial";
    std::ofstream(partial) << json.dump(2) << '\n';
    fs::rename(partial, path);
}

/// Builds the ThreadSanitizer binary of a mutant the first time a run needs it: most mutants
/// are caught by the plain run, and never need theirs. Builds of one tree take turns (a lock
/// file beside it): the self-check runs several mutant checks at once, and two Ninja runs
/// must never share a build folder.
void build_when_needed(const SelftestArgs& args, const fs::path& binary) {
    if (fs::is_regular_file(binary) || args.tsan_target.empty()) return;
    const std::string lock_path = (fs::path(args.build_dir) / ".course-mutant-build.lock").string();
    const int lock = open(lock_path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    if (lock < 0 || flock(lock, LOCK_EX) != 0) throw std::runtime_error("cannot lock " + lock_path);
    Limits limits;  // a compiler's limits, not a test's: precompiled headers are large files
    limits.wall = std::chrono::minutes(15);
    limits.output_bytes = 1 << 20;
    limits.file_bytes = 0;
    limits.memory_bytes = 0;
    limits.max_processes = 0;
    const Outcome built = run_command(args.build_dir, {"cmake", "--build", args.build_dir, "--target", args.tsan_target}, limits);
    close(lock);
    if (built.ending != Ending::exited || built.exit_code != 0 || !fs::is_regular_file(binary)) {
        throw std::runtime_error("building " + args.tsan_target + " failed:\n" + built.output);
    }
}

/// A mutant passes the check when the exercise's tests reject it in every one of `runs`
/// runs: in the plain run or, for a race that happens to give the right answer, in the
/// ThreadSanitizer run that follows a plain run that passed.
int check_mutant(const SelftestArgs& args) {
    if (args.binaries.size() != 2)
        throw CLI::ValidationError("mutant", "needs the plain and the tsan binary");
    require_binaries({args.binaries[0]});
    if (args.tsan_target.empty()) require_binaries({args.binaries[1]});
    const auto started = std::chrono::steady_clock::now();
    std::cout << "mutant: " << line_of(args.mistake_file, 1) << '\n';
    const char* replay = std::getenv("COURSE_CHAOS_SEED");
    const std::string replayed = replay != nullptr ? replay : "";
    std::mt19937_64 random{std::random_device{}()};
    std::vector<MutantRun> runs;
    int by_plain = 0;
    int by_tsan = 0;
    for (int number = 1; number <= args.runs; ++number) {
        MutantRun run;
        run.number = number;
        run.seed = choose_seed(replayed, random);
        if (caught(args.binaries[0], options_for(args.time_limit, false), run)) {
            run.pass = "plain";
            ++by_plain;
        } else if (build_when_needed(args, args.binaries[1]), caught(args.binaries[1], options_for(args.time_limit * 4, true), run)) {
            run.pass = "tsan";
            ++by_tsan;
        }
        const std::string label = args.runs == 1 ? "  " : "  run " + std::to_string(number) + ", ";
        if (run.pass.empty()) {
            std::cout
                << label << "seed " << run.seed
                << ": NOT caught: the plain and the ThreadSanitizer runs pass every test case\n";
        } else {
            std::cout << label << "seed " << run.seed << ": caught by the " << pass_name(run.pass)
                      << " run: " << to_string(run.status) << " in \"" << run.case_name << "\"";
            if (!run.message.empty()) std::cout << ": " << run.message;
            std::cout << '\n';
        }
        runs.push_back(run);
    }
    unsetenv("COURSE_CHAOS_SEED");
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const int caught_runs = by_plain + by_tsan;
    std::cout << "caught in " << caught_runs << " of " << args.runs << " runs (plain " << by_plain
              << ", ThreadSanitizer " << by_tsan << ")\n";
    write_result(args, runs, seconds);
    if (caught_runs == args.runs) {
        std::cout << "PASS: the tests catch this mistake\n";
        return 0;
    }
    std::cout << "FAIL: the tests accept this known-wrong version";
    if (caught_runs > 0) std::cout << " in some runs (COURSE_CHAOS_SEED=<seed> replays one)";
    std::cout << '\n';
    return 1;
}

/// One mutant's line of the table, from its results file.
struct TableRow {
    std::string chapter, exercise, mutant, kind, caught_by;
    int runs = 0;
    int caught = 0;
    double seconds = 0;
};

TableRow read_row(const fs::path& path) {
    std::ifstream file(path);
    const nlohmann::json json = nlohmann::json::parse(file, nullptr, false);
    if (json.is_discarded() || !json.is_object()) {
        throw std::runtime_error(path.string() + " is not a self-check result");
    }
    TableRow row;
    row.chapter = json.value("chapter", "?");
    row.exercise = json.value("exercise", "?");
    row.mutant = json.value("mutant", path.stem().string());
    row.kind = json.value("kind", "");
    if (row.kind.empty()) row.kind = "(no kind)";
    row.runs = json.value("runs", 0);
    row.caught = json.value("caught", 0);
    row.seconds = json.value("seconds", 0.0);
    // Most frequent verdict first: "failed (plain) 18, race (ThreadSanitizer) 2".
    std::vector<std::pair<std::string, int>> verdicts;
    const nlohmann::json counts = json.value("verdicts", nlohmann::json::object());
    for (const auto& [verdict, count] : counts.items()) {
        verdicts.emplace_back(verdict, count.get<int>());
    }
    std::stable_sort(verdicts.begin(), verdicts.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    for (const auto& [verdict, count] : verdicts) {
        if (!row.caught_by.empty()) row.caught_by += ", ";
        row.caught_by += verdict;
        if (verdicts.size() > 1) row.caught_by += " " + std::to_string(count);
    }
    if (row.caught < row.runs) {
        if (!row.caught_by.empty()) row.caught_by += ", ";
        row.caught_by += "NOT CAUGHT " + std::to_string(row.runs - row.caught);
    }
    return row;
}

/// `selftest table DIR`: one table of every mutant result in DIR, by exercise.
int print_table(const std::string& dir) {
    std::vector<TableRow> rows;
    if (fs::is_directory(dir)) {
        for (const auto& entry : fs::directory_iterator(dir)) {
            if (entry.path().extension() == ".json") rows.push_back(read_row(entry.path()));
        }
    }
    if (rows.empty()) {
        std::cout << "no self-check results in " << dir
                  << " (run the mutant tests first: ctest --preset selfcheck -L mutant)\n";
        return 1;
    }
    std::sort(rows.begin(), rows.end(), [](const TableRow& a, const TableRow& b) {
        return std::tie(a.chapter, a.exercise, a.mutant) <
               std::tie(b.chapter, b.exercise, b.mutant);
    });
    std::map<std::string, int> per_exercise;
    for (const TableRow& row : rows)
        ++per_exercise[row.chapter + "/" + row.exercise];

    const std::vector<std::string> headings{"exercise",  "mutants", "mutant", "kind",
                                            "caught by", "rate",    "seconds"};
    std::vector<std::vector<std::string>> cells;
    std::string previous;
    int escaped = 0;
    double total_seconds = 0;
    for (const TableRow& row : rows) {
        const std::string exercise = row.chapter + "/" + row.exercise;
        const bool first = exercise != previous;
        previous = exercise;
        std::ostringstream seconds;
        seconds << std::fixed << std::setprecision(1) << row.seconds;
        cells.push_back({first ? exercise : "", first ? std::to_string(per_exercise[exercise]) : "",
                         row.mutant, row.kind, row.caught_by,
                         std::to_string(row.caught) + "/" + std::to_string(row.runs),
                         seconds.str()});
        if (row.caught < row.runs) ++escaped;
        total_seconds += row.seconds;
    }
    std::vector<std::size_t> widths(headings.size());
    for (std::size_t c = 0; c < headings.size(); ++c) {
        widths[c] = headings[c].size();
        for (const auto& line : cells)
            widths[c] = std::max(widths[c], line[c].size());
    }
    const auto print_line = [&](const std::vector<std::string>& line) {
        std::string text;
        for (std::size_t c = 0; c < line.size(); ++c) {
            const bool right = c == 1 || c == 5 || c == 6;  // numbers
            const std::string pad(widths[c] - line[c].size(), ' ');
            text += right ? pad + line[c] : line[c] + pad;
            if (c + 1 < line.size()) text += "  ";
        }
        text.erase(text.find_last_not_of(' ') + 1);
        std::cout << text << '\n';
    };
    print_line(headings);
    std::vector<std::string> rule;
    for (const std::size_t width : widths)
        rule.emplace_back(width, '-');
    print_line(rule);
    for (const auto& line : cells)
        print_line(line);
    std::cout << '\n'
              << rows.size() << " mutants of " << per_exercise.size() << " exercises; "
              << rows.size() - static_cast<std::size_t>(escaped) << " caught in every run";
    if (escaped > 0) std::cout << ", " << escaped << " NOT caught in every run";
    std::cout << "; " << std::fixed << std::setprecision(0) << total_seconds << " s in all\n";
    return escaped > 0 ? 1 : 0;
}

void fail_with(int status) {
    if (status != 0) throw CLI::RuntimeError(status);
}

}  // namespace

void add_selftest_command(CLI::App& app) {
    auto args = std::make_shared<SelftestArgs>();
    CLI::App* cmd = app.add_subcommand(
        "selftest", "The course's self-check (run by CTest in the selfcheck preset)");
    cmd->require_subcommand(1);

    CLI::App* stub =
        cmd->add_subcommand("stub", "Passes when the untouched stub fails every test case, fast");
    stub->add_option("--time-limit", args->time_limit, "seconds per test case");
    stub->add_option("binary", args->binaries, "the exercise's test binary, built on the stub")
        ->required();
    stub->callback([args] { fail_with(check_stub(*args)); });

    CLI::App* mutant = cmd->add_subcommand(
        "mutant",
        "Passes when the tests reject the mutant in every run: the plain binary, then the "
        "ThreadSanitizer one if the plain run passed. Each run has its own schedule-perturbation "
        "seed (COURSE_CHAOS_SEED in the environment replays one seed in every run).");
    mutant->add_option("--time-limit", args->time_limit,
                       "seconds per plain run (ThreadSanitizer: 4 times)");
    mutant->add_option("--mistake", args->mistake_file, "the mutant's mistake.txt");
    mutant->add_option("--runs", args->runs, "how many times to run it; every run must catch it")
        ->check(CLI::Range(1, 1000));
    mutant->add_option("--id", args->id, "NN.exercise.mutant, which names the results file");
    mutant
        ->add_option("--results", args->results_dir,
                     "a folder for the result (NN.exercise.mutant.json)")
        ->needs("--id");
    mutant
        ->add_option("binaries", args->binaries,
                     "the plain test binary and its ThreadSanitizer build")
        ->required()
        ->expected(2);
    mutant->add_option("--build-dir", args->build_dir, "the build tree that builds the ThreadSanitizer binary");
    mutant
        ->add_option("--tsan-target", args->tsan_target,
                     "build the ThreadSanitizer binary (this target of --build-dir) only when a run needs it")
        ->needs("--build-dir");
    mutant->callback([args] { fail_with(check_mutant(*args)); });

    auto table_dir = std::make_shared<std::string>();
    CLI::App* table = cmd->add_subcommand(
        "table",
        "Prints one table of the mutant checks' results: per exercise, each mutant's kind, "
        "the verdict that caught it and in how many runs");
    table->add_option("dir", *table_dir, "the folder the mutant checks wrote to (--results)")
        ->required();
    table->callback([table_dir] { fail_with(print_table(*table_dir)); });
    // For the course's maintainers, not listed in the course's --help (set last: the
    // subcommands above would inherit it and vanish from `selftest --help`).
    cmd->group("");
}

}  // namespace course
