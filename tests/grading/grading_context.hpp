// grading_context.hpp: the repository and scratch folder the grading suite works in, and one course context for all its files.
#pragma once

#include <filesystem>

#include "context.hpp"

namespace grading_suite {

inline const std::filesystem::path source = COURSE_SOURCE_DIR;
inline const std::filesystem::path scratch = COURSE_SCRATCH_DIR;

/// One context for the whole suite: reports point into its course.
inline const course::Context& context() {
    static const course::Context c = [] {
        course::Context made;
        made.root = source;
        made.build_dir = scratch / "dev";
        made.state_dir = scratch / "state";
        made.course = course::Course::load(source / "exercises" / "info.json");
        return made;
    }();
    return c;
}

}  // namespace grading_suite
