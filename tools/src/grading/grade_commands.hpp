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
    std::string class_dir;         ///< grade every subfolder of this folder as one submission
    std::string output_dir;        ///< with class_dir: where the gradebook, results and summary go
};

/// Grades and writes the report (with `class_dir`, the class's gradebook, results and
/// summary); 1 when the score is below `fail_under`, or no submission of a class could be graded.
int run_grade(const GradeArgs& args);

/// `./course export`: a student kit in `destination`, or a Gradescope autograder zip.
int run_export(const std::string& destination, bool force, const std::string& gradescope_zip,
               const std::string& hidden_tests);

}  // namespace course
