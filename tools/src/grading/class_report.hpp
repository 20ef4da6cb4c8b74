// class_report.hpp: a whole class's results: the gradebook (CSV) and the summary page (HTML) a
// teacher reads.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "grading.hpp"

namespace course {

/// One test case of one submission, as the class reports need it.
struct CaseVerdict {
    std::string name;
    Status status = Status::passed;
    bool hidden = false;
    bool deadlock = false;  ///< a timeout whose threads were seen waiting for each other in a cycle
};

/// One exercise of one submission.
struct ExerciseRow {
    std::string id;  ///< "01/exit_code"
    double score = 0;
    double max_score = 0;
    Status status = Status::passed;  ///< build_error, or the worst of its cases
    bool attempted = true;           ///< its files differ from the course's stubs
    std::vector<CaseVerdict> cases;
};

/// One submission of the class: what the gradebook and the summary page show of it.
struct SubmissionRow {
    std::string name;     ///< the submission's folder name
    std::string problem;  ///< why it could not be graded at all; empty when it was
    std::string inputs;   ///< the hash of what its result depends on, to resume a class run
    double score = 0;
    double max_score = 0;
    double seconds = 0;
    std::vector<ExerciseRow> exercises;
};

/// What a report of one submission says, for the class reports.
SubmissionRow summarize(const std::string& name, const GradeReport& report);

void to_json(nlohmann::json& json, const SubmissionRow& row);
void from_json(const nlohmann::json& json, SubmissionRow& row);

/// The gradebook: a header, then one row per submission with its name, one column per
/// exercise, the total, the count of each status that cost points, and why it could not
/// be graded. RFC 4180 quoting.
std::string format_gradebook(const Course& course, const std::vector<SubmissionRow>& rows);

/// The summary page: self-contained HTML (inline CSS and SVG, no script, no network) with
/// the score histogram, each exercise's pass rate, the test cases most often failed and
/// their verdicts, and the table of submissions.
std::string format_class_summary(const Course& course, const std::vector<SubmissionRow>& rows);

/// `text` as one CSV field: quoted when it holds a comma, a quote or a line break.
std::string csv_field(const std::string& text);

}  // namespace course
