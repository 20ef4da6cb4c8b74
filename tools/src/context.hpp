// context.hpp: where the course lives, where it builds, and how to talk to the terminal.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "info.hpp"
#include "manifest.hpp"
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
    std::filesystem::path cwd;        ///< where the user ran the command: paths are shown from here
    Course course;
    Style style;

    /// The repository holding the current folder (or COURSE_ROOT); throws UserError outside one.
    static Context discover();

    std::filesystem::path exercise_file(const Exercise& e, const std::string& file) const {
        return root / "exercises" / e.chapter_dir / file;
    }

    /// The build's manifest (configuring the build first if it has never been).
    const Manifest& manifest() const;

    /// A path as the user would type it from where they are ("exercises/01_processes/x.hpp"
    /// at the top, "x.hpp" inside that folder).
    std::string shown(const std::filesystem::path& path) const;

    /// A course command as the user would type it from where they are: "./course check 01"
    /// at the top, "../../course check 01" two folders down.
    std::string command(std::string_view arguments) const;

private:
    mutable std::optional<Manifest> manifest_;
};

/// Runs a build command (cmake, ninja) in `workdir`, its output captured. Builds are long,
/// never endless: `limits` bound them.
Outcome run_command(const std::filesystem::path& workdir, std::vector<std::string> argv, const Limits& limits,
                    const Tick& tick = {});

/// Configures the dev build if it has not been configured yet. Its messages go to stderr,
/// so that a report written to stdout stays clean.
void ensure_configured(const Context& context);

/// A Ninja build of some targets in the dev build, running in the background (keeping
/// going past failures), so that the first binary can run while the others still build.
class Build {
public:
    Build(const Context& context, const std::vector<std::string>& targets);
    /// Waits until `binary` has been linked by this build, or the build has ended.
    void wait_for(const std::filesystem::path& binary, const Tick& tick);
    /// Waits for the end of the build.
    void finish(const Tick& tick);
    /// Whether the build has ended, and whether it succeeded.
    bool ended();
    bool ok();
    /// What Ninja printed so far (everything, once ended).
    std::string output() const;
    /// Whether `target` failed to build, according to Ninja's output so far.
    bool failed(const std::string& target) const;
    /// Stops the build (a check that no longer needs it).
    void cancel();

private:
    std::filesystem::path build_dir_;
    Watched run_;
    std::optional<Outcome> outcome_;
};

}  // namespace course
