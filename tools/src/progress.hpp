// progress.hpp: a student's progress (checks, hints seen) and the original stubs, kept in .course/.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "context.hpp"

namespace course {

/// Where a student stands on one exercise.
enum class Standing { not_started, in_progress, failing, passed };

struct ExerciseState {
    std::string last_status;    ///< "passed", "failed", "race", "build_error"...; empty: never checked
    int cases_passed = 0;
    int cases_total = 0;
    bool tsan_checked = false;  ///< the last pass also ran under ThreadSanitizer
    std::string files_hash;     ///< of the exercise's files when last checked
    int hints_seen = 0;
};

/// The student's progress, read from and written to .course/progress.json.
class Progress {
public:
    explicit Progress(const Context& context);
    ExerciseState& operator[](const std::string& exercise) { return states_[exercise]; }
    void save() const;

    /// Standing of an exercise, from its last check and whether its files changed since.
    Standing standing(const Exercise& exercise) const;

    /// The first exercise, in course order, that is not passed; null when all are.
    const Exercise* next_unsolved() const;

    /// A fingerprint of the exercise's files as they are now.
    std::string files_hash(const Exercise& exercise) const;

    /// The original stub of an exercise file, as first seen (kept in .course/originals/).
    std::filesystem::path original(const Exercise& exercise, const std::string& file) const;

private:
    void remember_originals();

    const Context& context_;
    std::map<std::string, ExerciseState> states_;
};

}  // namespace course
