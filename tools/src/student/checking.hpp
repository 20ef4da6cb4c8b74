// checking.hpp: build an exercise, run its test cases one by one, and tell the student what happened.
#pragma once

#include <optional>
#include <vector>

#include "context.hpp"
#include "progress.hpp"
#include "test_run.hpp"

namespace course {

/// Which builds a check runs.
enum class RaceCheck {
    after_pass,  ///< the plain build, then, when every case passed, ThreadSanitizer's (the default)
    skip,        ///< the plain build only (--no-tsan): a pass is "passed, not checked for races"
    only,        ///< ThreadSanitizer's build only (--tsan)
};

struct CheckOptions {
    RaceCheck races = RaceCheck::after_pass;
    std::optional<int> time_limit;    ///< seconds per test case (plain build), instead of the exercise's own
    bool verbose = false;             ///< show every passing case too, all output, the compiler's full messages
};

/// One exercise's verdicts.
struct ExerciseCheck {
    const Exercise* exercise = nullptr;
    bool built = false;
    std::vector<CaseResult> cases;        ///< the plain run (or the TSan run with RaceCheck::only)
    std::vector<CaseResult> tsan_cases;   ///< the race check, when it ran
    bool race_checked = false;            ///< the race check ran on every case
    bool known_race = false;              ///< a race check of these same files found a race before
    /// Every case passed, in every run that ran.
    bool passed() const;
};

/// Builds the exercises, checks each, prints the verdicts, and records the results in
/// `progress`.
std::vector<ExerciseCheck> check_exercises(const Context& context, Progress& progress,
                                           const std::vector<const Exercise*>& exercises,
                                           const CheckOptions& options);

/// What to suggest after a check.
void print_next_step(const Context& context, const Progress& progress,
                     const std::vector<ExerciseCheck>& checks, const CheckOptions& options);

}  // namespace course
