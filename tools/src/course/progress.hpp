// progress.hpp: a student's progress (checks, hints seen) kept in .course/, and the exercises' original stubs.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "context.hpp"

namespace course {

/// Where a student stands on one exercise.
enum class Standing {
    not_started,       ///< its files are the untouched stubs
    in_progress,       ///< changed since the last check (or never checked)
    failing,           ///< the last check of these files failed
    race,              ///< passed its tests, but ThreadSanitizer found a race in these files
    passed_unchecked,  ///< passed, but the race check did not run (--no-tsan)
    passed,            ///< passed, race check included
};

struct ExerciseState {
    std::string last_status;    ///< "passed", "failed", "race", "build_error"...; empty: never checked
    int cases_passed = 0;
    int cases_total = 0;
    bool race_checked = false;  ///< the last check's pass included a clean ThreadSanitizer run
    std::string files_hash;     ///< of the exercise's files when last checked
    int hints_seen = 0;
};

/// The exercises' original stubs: their git blob ids, kept in exercises/stubs.json, and
/// where to find their content (the repository's git history, or a copy kept in
/// .course/originals/ while a file was still untouched).
class Stubs {
public:
    explicit Stubs(const Context& context);

    /// The stub's content of an exercise file, or nothing if it cannot be found anywhere;
    /// `where` says where it was found.
    std::optional<std::string> original(const Exercise& exercise, const std::string& file, std::string* where = nullptr) const;

    /// Whether the file is the untouched stub. Without a known id, whether it still says TODO.
    bool untouched(const Exercise& exercise, const std::string& file) const;

    /// Keeps a copy of each still untouched exercise file in .course/originals/, for
    /// repositories without git history.
    void remember_untouched() const;

    /// exercises/stubs.json for the exercise files as they are now (maintainers).
    static std::string manifest_for(const Context& context);
    static std::filesystem::path manifest_path(const Context& context);

private:
    std::filesystem::path key(const Exercise& exercise, const std::string& file) const;
    const Context& context_;
    std::map<std::string, std::string> ids_;  ///< "01_processes/exit_code.hpp" -> git blob id
};

/// The student's progress, read from and written to .course/progress.json.
class Progress {
public:
    explicit Progress(const Context& context);
    ExerciseState& operator[](const std::string& exercise) { return states_[exercise]; }
    const ExerciseState* find(const std::string& exercise) const;
    void save() const;

    /// Standing of an exercise, from its last check and whether its files changed since.
    Standing standing(const Exercise& exercise) const;

    /// The first exercise, in course order, that is not passed; null when all are.
    const Exercise* next_unsolved() const;

    /// A fingerprint of the exercise's files as they are now: SHA-1, the same with every
    /// compiler and standard library, so a rebuilt tool still knows what was checked.
    std::string files_hash(const Exercise& exercise) const;

    const Stubs& stubs() const { return stubs_; }

private:
    const Context& context_;
    Stubs stubs_;
    std::map<std::string, ExerciseState> states_;
};

}  // namespace course
