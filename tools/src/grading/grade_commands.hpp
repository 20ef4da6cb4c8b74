// grade_commands.hpp: what the teacher's commands do, without their command line (cli/ adds that).
#pragma once

#include <string>

#include "grading.hpp"

namespace course {

/// `./course grade`: what to grade and how to report it.
struct GradeArgs {
    GradeOptions options;
    std::string format = "table";  ///< table, gradescope, junit or json
    std::string output;            ///< a file, or empty (or "-") for standard output
    bool tsan = true;
    double fail_under = -1;        ///< exit status 1 below this percentage; negative: never
};

/// Grades and writes the report; 1 when the score is below `fail_under`.
int run_grade(const GradeArgs& args);

/// `./course export`: a student kit in `destination`, or a Gradescope autograder zip.
int run_export(const std::string& destination, bool force, const std::string& gradescope_zip,
               const std::string& hidden_tests);

}  // namespace course
