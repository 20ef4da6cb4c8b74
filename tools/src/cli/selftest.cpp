// selftest.cpp: the course's self-check: every untouched stub fails fast, every mutant is caught.
#include <CLI/CLI.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "commands.hpp"
#include "test_run.hpp"

namespace course {
namespace fs = std::filesystem;

namespace {

struct SelftestArgs {
    std::string kind;
    int time_limit = 10;
    std::string mistake_file;
    std::vector<std::string> binaries;
};

RunOptions options_for(int seconds, bool tsan) {
    RunOptions options;
    options.limits.wall = std::chrono::seconds(seconds);
    options.tsan = tsan;
    options.scratch = fs::temp_directory_path() / "course-selftest";
    return options;
}

std::string first_line(const std::string& path) {
    std::ifstream file(path);
    std::string line;
    std::getline(file, line);
    return line;
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
            std::cout << "    the untouched stub passes this test case, so it cannot tell a solution "
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

/// One run of a mutant's tests; true when they reject it.
bool caught(const fs::path& binary, const RunOptions& options, const char* pass_name) {
    for (const CaseResult& result : run_all(binary, options)) {
        if (result.status == Status::passed) continue;
        std::cout << "  caught by the " << pass_name << " run: " << to_string(result.status) << " in \""
                  << result.name << "\"";
        if (!result.failures.empty()) std::cout << ": " << result.failures.front().message;
        else if (!result.explanation.empty()) std::cout << ": " << result.explanation;
        std::cout << '\n';
        return true;
    }
    std::cout << "  the " << pass_name << " run passes every test case\n";
    return false;
}

/// A mutant passes the check when the exercise's tests reject it, in a plain run or, for a
/// race that happens to give the right answer, under ThreadSanitizer.
int check_mutant(const SelftestArgs& args) {
    if (args.binaries.size() != 2) throw CLI::ValidationError("mutant", "needs the plain and the tsan binary");
    require_binaries(args.binaries);
    std::cout << "mutant: " << first_line(args.mistake_file) << '\n';
    if (caught(args.binaries[0], options_for(args.time_limit, false), "plain") ||
        caught(args.binaries[1], options_for(args.time_limit * 4, true), "ThreadSanitizer")) {
        std::cout << "PASS: the tests catch this mistake\n";
        return 0;
    }
    std::cout << "FAIL: the tests accept this known-wrong version\n";
    return 1;
}

}  // namespace

void add_selftest_command(CLI::App& app) {
    auto args = std::make_shared<SelftestArgs>();
    CLI::App* cmd = app.add_subcommand("selftest", "The course's self-check (run by CTest in the selfcheck preset)");
    cmd->group("");  // for the course's maintainers, not listed in --help
    cmd->add_option("kind", args->kind, "stub or mutant")->required()->check(CLI::IsMember({"stub", "mutant"}));
    cmd->add_option("--time-limit", args->time_limit, "seconds per run");
    cmd->add_option("--mistake", args->mistake_file, "the mutant's mistake.txt");
    cmd->add_option("binaries", args->binaries, "test binary (and its tsan build, for a mutant)")->required();
    cmd->callback([args] {
        const int status = args->kind == "stub" ? check_stub(*args) : check_mutant(*args);
        if (status != 0) throw CLI::RuntimeError(status);
    });
}

}  // namespace course
