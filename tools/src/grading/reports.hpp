// reports.hpp: a grading report as a table for people, Gradescope's results.json, JUnit XML or JSON.
#pragma once

#include <string>

#include "context.hpp"
#include "grading.hpp"

namespace course {

std::string format_table(const GradeReport& report, const Style& style);

/// Gradescope's autograder results (score, execution_time, output, tests[] with name,
/// score, max_score, status, output, tags, visibility).
std::string format_gradescope(const GradeReport& report);

/// JUnit XML, one test suite per exercise, one test case per doctest case.
std::string format_junit(const GradeReport& report);

/// Everything the grader knows, as JSON.
std::string format_json(const GradeReport& report);

/// The score in percent of the maximum (0 when nothing could score).
double percent_of(const GradeReport& report);
/// Whether the score is below `percent` (--fail-under); a negative `percent` is no threshold.
bool below(const GradeReport& report, double percent);

}  // namespace course
