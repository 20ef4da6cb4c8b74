// class_grading.hpp: grade a whole class: every subfolder one submission, side by side, resumable.
#pragma once

#include <filesystem>
#include <vector>

#include "class_report.hpp"
#include "grading.hpp"

namespace course {

struct ClassOptions {
    GradeOptions grading;  ///< how each submission is graded (its `submission` is ignored)
    std::filesystem::path class_dir;   ///< one subfolder per submission
    std::filesystem::path output_dir;  ///< gradebook.csv, <name>.json, summary.html
};

struct ClassResult {
    std::vector<SubmissionRow> rows;  ///< in the order of the folder names
    int graded = 0;                   ///< graded in this run
    int reused = 0;                   ///< finished before, with the same inputs: their results kept
    int not_graded = 0;               ///< could not be graded (each row says why)
    double seconds = 0;
};

/// Grades every submission of the class and writes OUT/gradebook.csv, OUT/<name>.json
/// (Gradescope's results format) and OUT/summary.html. A submission whose result is already
/// in OUT from the same inputs is not graded again. Throws UserError for a bad class folder
/// or a broken grading setup; a broken submission only gets its row with the reason.
ClassResult grade_class(const Context& context, const ClassOptions& options);

/// The file name a submission's results get in OUT: its folder name, with anything but
/// letters, digits, '.', '-' and '_' replaced by '_'.
std::string result_file_name(const std::string& submission);

}  // namespace course
