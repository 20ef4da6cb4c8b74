// build.cpp: configure the build once, then Ninja in the background, watched and bounded.
#include "build.hpp"

#include <iostream>
#include <sstream>

namespace course {
namespace fs = std::filesystem;

Outcome run_command(const fs::path& workdir, std::vector<std::string> argv, const Limits& limits, const Tick& tick) {
    Launch launch;
    launch.argv = std::move(argv);
    launch.workdir = workdir;
    return run_watched(launch, limits, tick);
}

namespace {

Limits build_limits() {
    Limits limits;
    limits.wall = std::chrono::minutes(30);
    limits.output_bytes = 4 << 20;
    limits.file_bytes = 0;
    return limits;
}

Launch ninja_launch(const Context& context, const std::vector<std::string>& targets) {
    Launch launch;
    launch.argv = {"ninja", "-C", context.build_dir.string(), "-k", "0"};
    launch.argv.insert(launch.argv.end(), targets.begin(), targets.end());
    launch.workdir = context.root;
    return launch;
}

}  // namespace

void ensure_configured(const Context& context) {
    if (fs::exists(context.build_dir / "build.ninja") && fs::exists(Manifest::path_in(context.build_dir))) return;
    std::cerr << context.style.bold("Setting up the build in " + context.shown(context.build_dir) +
                                    " (once; this takes a few seconds)...")
              << std::endl;
    std::vector<std::string> argv{"cmake", "--preset", "dev"};
    if (context.build_dir != context.root / "build" / "dev") {
        argv = {"cmake", "-S", context.root.string(), "-B", context.build_dir.string(), "-G", "Ninja"};
    }
    const Outcome outcome = run_command(context.root, argv, build_limits());
    if (outcome.ending != Ending::exited || outcome.exit_code != 0) {
        std::cerr << outcome.output;
        throw UserError("configuring the build failed (see CMake's messages above). Are the "
                        "packages of README.md's quick start installed?");
    }
}

Build::Build(const Context& context, const std::vector<std::string>& targets)
    : build_dir_(context.build_dir), run_(Watched::start(ninja_launch(context, targets), build_limits())) {}

bool Build::ended() {
    if (outcome_) return true;
    if (!run_.ended()) return false;
    outcome_ = run_.wait();
    return true;
}

bool Build::ok() {
    return ended() && outcome_->ending == Ending::exited && outcome_->exit_code == 0;
}

void Build::wait_for(const fs::path& binary, const Tick& tick) {
    // Ninja prints "[n/m] Linking CXX executable <binary>" once the link is done.
    const std::string linked = " " + binary.lexically_relative(build_dir_).string();
    while (!ended()) {
        std::istringstream lines(output());
        std::string line;
        while (std::getline(lines, line)) {
            if (!line.empty() && line[0] == '[' && line.size() > linked.size() &&
                line.compare(line.size() - linked.size(), linked.size(), linked) == 0) {
                return;
            }
        }
        run_.ended(std::chrono::milliseconds(100));
        if (tick) tick(run_.seconds());
    }
}

void Build::finish(const Tick& tick) {
    while (!ended()) {
        run_.ended(std::chrono::milliseconds(100));
        if (tick) tick(run_.seconds());
    }
}

std::string Build::output() const {
    if (outcome_) return outcome_->ending == Ending::not_started ? outcome_->start_error : outcome_->output;
    return run_.output_so_far(4 << 20);
}

bool Build::failed(const std::string& target) const {
    // "FAILED: <dir>/CMakeFiles/<target>.dir/..." (compiling) or "FAILED: <dir>/<target>" (linking)
    const std::string object_dir = "CMakeFiles/" + target + ".dir/";
    std::istringstream lines(output());
    std::string line;
    while (std::getline(lines, line)) {
        if (line.rfind("FAILED: ", 0) != 0) continue;
        while (!line.empty() && line.back() == ' ') line.pop_back();
        if (line.find(object_dir) != std::string::npos ||
            (line.size() > target.size() + 1 && line.compare(line.size() - target.size() - 1, target.size() + 1, "/" + target) == 0)) {
            return true;
        }
    }
    return false;
}

void Build::cancel() { run_.cancel(); }

}  // namespace course
