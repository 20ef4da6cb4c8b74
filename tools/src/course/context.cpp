// context.cpp: find the repository, and show paths and commands as the user types them.
#include "context.hpp"

#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <sstream>

#include "build.hpp"

namespace course {
namespace fs = std::filesystem;

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
    context.root = fs::weakly_canonical(root);
    const char* build = std::getenv("COURSE_BUILD_DIR");
    context.build_dir = build != nullptr && *build != '\0' ? fs::path(build) : context.root / "build" / "dev";
    context.state_dir = context.root / ".course";
    context.cwd = fs::weakly_canonical(fs::current_path());
    context.course = Course::load(context.root / "exercises" / "info.json");
    context.style = Style::for_stdout();
    return context;
}

const Manifest& Context::manifest() const {
    if (!manifest_) {
        ensure_configured(*this);
        manifest_ = Manifest::load(build_dir);
    }
    return *manifest_;
}

namespace {

/// True when `path` is `folder` or inside it.
bool is_within(const fs::path& path, const fs::path& folder) {
    const fs::path relative = path.lexically_relative(folder);
    return !relative.empty() && *relative.begin() != "..";
}

}  // namespace

std::string Context::shown(const fs::path& path) const {
    const fs::path absolute = path.is_absolute() ? path : root / path;
    // From inside the repository, relative to where the user is; from elsewhere, in full.
    if (!is_within(cwd, root)) return absolute.string();
    const fs::path relative = absolute.lexically_relative(cwd);
    return relative.empty() ? absolute.string() : relative.string();
}

std::string Context::command(std::string_view arguments) const {
    std::string program = shown(root / "course");
    if (program.find('/') == std::string::npos) program = "./" + program;
    return arguments.empty() ? program : program + " " + std::string(arguments);
}

}  // namespace course
