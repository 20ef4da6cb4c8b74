// kit.hpp: what a teacher hands out: a student kit, and the Gradescope autograder zip.
#pragma once

#include <filesystem>
#include <string>

#include "context.hpp"

namespace course {

/// Copies the course into `destination` without solutions/, tests/mutants/ and the
/// course's own checks, and adds a GitHub Classroom workflow. Refuses a folder that is not
/// empty (unless `force`) or an exercise file that is its own solution. Returns the number
/// of files written.
int export_student_kit(const Context& context, const std::filesystem::path& destination, bool force);

/// Writes a Gradescope autograder zip: setup.sh and run_autograder at its top, the course
/// beside them, and `hidden_tests` (may be empty) as hidden_tests/. Returns its path.
std::filesystem::path export_gradescope_zip(const Context& context, const std::filesystem::path& zip,
                                            const std::filesystem::path& hidden_tests);

/// The GitHub Classroom workflow: one graded step per exercise, worth its points.
std::string classroom_workflow(const Course& course);

}  // namespace course
