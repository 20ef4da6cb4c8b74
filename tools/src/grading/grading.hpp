// grading.hpp: grade a submission: every exercise built on its own, every test case run in isolation.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "context.hpp"
#include "isolation.hpp"
#include "test_run.hpp"

namespace course {

struct GradeOptions {
    std::filesystem::path submission;    ///< a student's repository, exercises/ folder, or flat files; empty: ours
    std::filesystem::path hidden_tests;  ///< NN_topic/test_NAME.cpp files with extra tests, or empty
    bool tsan = true;                    ///< a second pass under ThreadSanitizer
    int repeat = 1;                      ///< plain runs per test case; a mixed outcome is "flaky"
    int jobs = 0;                        ///< test cases run at once; 0: one per CPU
    int time_limit = 0;                  ///< seconds per test case instead of each exercise's own; 0: theirs
    std::string isolation = "auto";      ///< auto, bwrap or none
    std::vector<std::string> only;       ///< exercises or chapters to grade; empty: all
    std::filesystem::path work_dir;      ///< build tree for grading; empty: <repository>/build/grade
    bool quiet = false;                  ///< no progress on stderr
    /// Skip configuring when the grading build tree already is (a class: once for all).
    bool reuse_configuration = false;
};

struct GradedCase {
    CaseResult result;
    bool hidden = false;
    double points = 0;
    double max_points = 0;
};

struct GradedExercise {
    const Exercise* exercise = nullptr;
    Status status = Status::passed;  ///< build_error, or the worst of its cases
    std::string problem;             ///< why it could not be tested (missing file, compiler errors)
    std::vector<GradedCase> cases;
    double score = 0;
    double max_score = 0;
};

struct GradeReport {
    std::string course;
    std::string submission;
    std::vector<GradedExercise> exercises;
    double score = 0;
    double max_score = 0;
    double seconds = 0;
    bool tsan = true;
    int repeat = 1;
    Isolation isolation;
    /// Cases the grader itself could not run (its sandbox failed to start, even when tried
    /// again): not the submission's fault. The grading is incomplete and must be repeated.
    int grader_errors = 0;
};

/// Grades the submission. Never throws for anything the submission does; throws UserError
/// for a bad command line or a broken grading setup.
GradeReport grade(const Context& context, const GradeOptions& options);

/// Configures the grading build tree (options.work_dir) for these options; grade() does it
/// itself unless told to reuse the configuration.
void configure_grading_build(const Context& context, const GradeOptions& options);

/// The exercises `options.only` names, in course order of first mention; all when empty.
std::vector<const Exercise*> exercises_to_grade(const Course& course, const std::vector<std::string>& only);

/// Where each exercise file of a submission is, by the rules of `grade`: exercises/NN_topic/FILE,
/// NN_topic/FILE or FILE anywhere below the submission folder. Missing files are absent.
std::vector<std::pair<std::string, std::filesystem::path>> locate_submission_files(
    const Course& course, const std::filesystem::path& submission);

}  // namespace course
