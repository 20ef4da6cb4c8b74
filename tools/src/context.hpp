// context.hpp: where the course lives, where it builds, and how to talk to the terminal.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "info.hpp"
#include "watchdog.hpp"

namespace course {

/// Terminal styling: colour only on a terminal, and never when NO_COLOR is set.
struct Style {
    bool color = false;
    std::string green(const std::string& text) const { return wrap("32", text); }
    std::string red(const std::string& text) const { return wrap("31", text); }
    std::string yellow(const std::string& text) const { return wrap("33", text); }
    std::string magenta(const std::string& text) const { return wrap("35", text); }
    std::string bold(const std::string& text) const { return wrap("1", text); }
    std::string dim(const std::string& text) const { return wrap("2", text); }
    static Style for_stdout();

private:
    std::string wrap(const char* code, const std::string& text) const {
        return color ? "\033[" + std::string(code) + "m" + text + "\033[0m" : text;
    }
};

/// The repository the tool works on, and its dev build.
struct Context {
    std::filesystem::path root;       ///< top of the repository (holds exercises/info.json)
    std::filesystem::path build_dir;  ///< root/build/dev unless COURSE_BUILD_DIR says otherwise
    std::filesystem::path state_dir;  ///< root/.course: the student's progress and hints
    Course course;
    Style style;

    /// The repository holding the current folder (or COURSE_ROOT); throws UserError outside one.
    static Context discover();

    std::filesystem::path exercise_file(const Exercise& e, const std::string& file) const {
        return root / "exercises" / e.chapter_dir / file;
    }
    std::filesystem::path test_binary(const std::string& target) const {
        return build_dir / "tests" / "bin" / target;
    }
};

/// The output of a build step.
struct BuildResult {
    bool ok = false;
    std::string output;
};

/// Runs a build command (cmake, ninja) in `workdir`, its output captured. Builds are long,
/// never endless: `limits` bound them.
Outcome run_command(const std::filesystem::path& workdir, std::vector<std::string> argv, const Limits& limits);

/// Configures the dev build if it has not been configured yet, showing CMake's progress.
void ensure_configured(const Context& context);

/// Builds `targets` with Ninja in the dev build (keeping going past failures). The output
/// is returned, not shown.
BuildResult build_targets(const Context& context, const std::vector<std::string>& targets);

/// Which of `targets` failed to build, according to Ninja's output.
std::vector<std::string> failed_targets(const std::string& ninja_output,
                                        const std::vector<std::string>& targets);

/// The compiler's messages about one target, cut to what a student needs first.
std::string compiler_messages(const std::string& ninja_output, const std::string& target,
                              std::size_t max_lines = 40);

}  // namespace course
