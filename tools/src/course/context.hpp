// context.hpp: where the course lives, where it builds, and how to show paths and commands to the user.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "info.hpp"
#include "manifest.hpp"
#include "style.hpp"

namespace course {

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

}  // namespace course
