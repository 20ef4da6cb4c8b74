// context.cpp: find the repository, configure and build it, style the output.
#include "context.hpp"

#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <sstream>

#include "watchdog.hpp"

namespace course {
namespace fs = std::filesystem;

Style Style::for_stdout() {
    const char* no_color = std::getenv("NO_COLOR");
    Style style;
    style.color = isatty(STDOUT_FILENO) && (no_color == nullptr || *no_color == '\0');
    return style;
}

Context Context::discover() {
    fs::path root;
    if (const char* given = std::getenv("COURSE_ROOT"); given != nullptr && *given != '\0') {
        root = fs::absolute(given);
    } else {
        for (fs::path dir = fs::current_path(); !dir.empty(); dir = dir.parent_path()) {
            if (fs::exists(dir / "exercises" / "info.json") && fs::exists(dir / "CMakePresets.json")) {
                root = dir;
                break;
            }
            if (dir == dir.root_path()) break;
        }
    }
    if (root.empty() || !fs::exists(root / "exercises" / "info.json")) {
        throw UserError("this is not inside the course's repository (no exercises/info.json above " +
                        fs::current_path().string() + ")");
    }
    Context context;
    context.root = root;
    const char* build = std::getenv("COURSE_BUILD_DIR");
    context.build_dir = build != nullptr && *build != '\0' ? fs::path(build) : root / "build" / "dev";
    context.state_dir = root / ".course";
    context.course = Course::load(root / "exercises" / "info.json");
    context.style = Style::for_stdout();
    return context;
}

Outcome run_command(const fs::path& workdir, std::vector<std::string> argv, const Limits& limits) {
    Launch launch;
    launch.argv = std::move(argv);
    launch.workdir = workdir;
    return run_watched(launch, limits);
}

namespace {

Limits build_limits() {
    Limits limits;
    limits.wall = std::chrono::minutes(30);
    limits.output_bytes = 4 << 20;
    limits.file_bytes = 0;
    return limits;
}

Outcome run_build_command(const Context& context, std::vector<std::string> argv) {
    return run_command(context.root, std::move(argv), build_limits());
}

}  // namespace

void ensure_configured(const Context& context) {
    if (fs::exists(context.build_dir / "build.ninja")) return;
    std::cout << context.style.bold("Setting up the build in " + context.build_dir.string() +
                                    " (once; this takes a few seconds)...")
              << std::endl;
    std::vector<std::string> argv{"cmake", "--preset", "dev"};
    if (context.build_dir != context.root / "build" / "dev") {
        argv = {"cmake", "-S", context.root.string(), "-B", context.build_dir.string(), "-G", "Ninja"};
    }
    const Outcome outcome = run_build_command(context, argv);
    if (outcome.ending != Ending::exited || outcome.exit_code != 0) {
        std::cout << outcome.output;
        throw UserError("configuring the build failed (see CMake's messages above). Are the "
                        "packages of README.md's quick start installed?");
    }
}

BuildResult build_targets(const Context& context, const std::vector<std::string>& targets) {
    ensure_configured(context);
    std::vector<std::string> argv{"ninja", "-C", context.build_dir.string(), "-k", "0"};
    argv.insert(argv.end(), targets.begin(), targets.end());
    const Outcome outcome = run_build_command(context, argv);
    BuildResult result;
    result.ok = outcome.ending == Ending::exited && outcome.exit_code == 0;
    result.output = outcome.output;
    if (outcome.ending == Ending::not_started) result.output = outcome.start_error;
    return result;
}

std::vector<std::string> failed_targets(const std::string& ninja_output,
                                        const std::vector<std::string>& targets) {
    std::vector<std::string> failed;
    for (const std::string& target : targets) {
        // "FAILED: tests/CMakeFiles/exercise.01.x.dir/..." or "FAILED: tests/bin/exercise.01.x"
        const std::string object_dir = "CMakeFiles/" + target + ".dir/";
        const std::string binary = "/" + target + "\n";
        std::istringstream in(ninja_output);
        std::string line;
        while (std::getline(in, line)) {
            if (line.rfind("FAILED: ", 0) != 0) continue;
            if (line.find(object_dir) != std::string::npos || (line + "\n").find(binary) != std::string::npos) {
                failed.push_back(target);
                break;
            }
        }
    }
    return failed;
}

std::string compiler_messages(const std::string& ninja_output, const std::string& target,
                              std::size_t max_lines) {
    // Ninja prints "FAILED: <output>", then the command, then the compiler's messages,
    // until the next "[n/m]" progress line or the end.
    std::istringstream in(ninja_output);
    std::string line;
    std::string messages;
    std::size_t kept = 0;
    bool inside = false;
    bool skipped_command = false;
    const std::string object_dir = "CMakeFiles/" + target + ".dir/";
    while (std::getline(in, line)) {
        if (line.rfind("FAILED: ", 0) == 0) {
            inside = line.find(object_dir) != std::string::npos || line.find("/" + target) != std::string::npos;
            skipped_command = false;
            continue;
        }
        if (!inside) continue;
        if (!line.empty() && line[0] == '[' && line.find('/') != std::string::npos && line.find(']') != std::string::npos) {
            inside = false;
            continue;
        }
        if (line.rfind("ninja: ", 0) == 0) {
            inside = false;
            continue;
        }
        if (!skipped_command) {  // the compiler's command line: long, and no help to a student
            skipped_command = true;
            continue;
        }
        if (kept++ < max_lines) messages += line + "\n";
    }
    if (kept > max_lines) messages += "... (" + std::to_string(kept - max_lines) + " more lines)\n";
    return messages;
}

}  // namespace course
