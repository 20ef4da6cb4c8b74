// checking.hpp: build an exercise, run its test cases one by one, and tell the student what happened.
#pragma once

#include <optional>
#include <vector>

#include "context.hpp"
#include "progress.hpp"
#include "test_run.hpp"

namespace course {

struct CheckOptions {
    bool tsan = false;                ///< run the ThreadSanitizer build
    std::optional<int> time_limit;    ///< seconds per test case, instead of the exercise's own
    bool verbose = false;             ///< show every passing case too, and all output
};

/// One exercise's verdicts.
struct ExerciseCheck {
    const Exercise* exercise = nullptr;
    bool built = false;
    std::vector<CaseResult> cases;
    bool passed() const;
};

/// Builds the exercises (all in one Ninja run), checks each, prints the verdicts, and
/// records the results in `progress`.
std::vector<ExerciseCheck> check_exercises(const Context& context, Progress& progress,
                                           const std::vector<const Exercise*>& exercises,
                                           const CheckOptions& options);

/// The short status word and its colour, for a verdict.
std::string status_label(const Style& style, Status status);

/// What to suggest after a check.
void print_next_step(const Context& context, const Progress& progress,
                     const std::vector<ExerciseCheck>& checks, const CheckOptions& options);

}  // namespace course
