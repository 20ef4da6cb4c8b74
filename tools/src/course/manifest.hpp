// manifest.hpp: what a build says about itself (build/<preset>/course-manifest.json, written by cmake/Course.cmake).
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "info.hpp"

namespace course {

/// One test binary of an exercise: its target, where it is built, its time limit.
struct TestBuild {
    std::string target;
    std::filesystem::path binary;
    int time_limit = 0;  ///< seconds per test case, the sanitizer's slowness included
    std::filesystem::path source;  ///< the test source: the cases it defines are the ones to run
    bool exists() const { return !target.empty(); }
};

/// The test binaries of one exercise.
struct ExerciseBuilds {
    TestBuild plain;        ///< against the exercise files
    TestBuild tsan;         ///< the same under ThreadSanitizer (absent in sanitizer presets)
    TestBuild hidden;       ///< a teacher's hidden tests, when the build has them
    TestBuild hidden_tsan;
    TestBuild solution;     ///< against solutions/, where the repository has them
    std::vector<std::string> labels;
};

/// One chapter program.
struct ExampleBuild {
    std::string chapter;       ///< "01"
    std::string name;          ///< "05_exit_status"
    std::filesystem::path source;  ///< relative to the repository
    std::string target;
    std::filesystem::path binary;
    int exit_code = 0;         ///< the status it ends with on purpose
    bool tested = true;
    bool tsan_reports = false; ///< it races on purpose
};

struct Manifest {
    static constexpr int supported_version = 1;
    std::filesystem::path source_dir;
    std::filesystem::path build_dir;
    std::filesystem::path exercises_dir;
    std::string sanitizer;
    int tsan_time_factor = 4;
    std::vector<std::string> support_targets;  ///< test main and precompiled headers
    std::vector<std::filesystem::path> test_header_dirs;  ///< the test support's and doctest's headers
    std::map<std::string, ExerciseBuilds> exercises;  ///< by exercise name
    std::vector<ExampleBuild> examples;          ///< in chapter and file order

    /// Reads build_dir/course-manifest.json; throws UserError saying what is wrong.
    static Manifest load(const std::filesystem::path& build_dir);
    /// The same for the text of a manifest; `path` names it in errors. Every key is checked:
    /// missing, mistyped and unknown ones are errors.
    static Manifest parse(const std::string& text, const std::string& path);
    /// Where the manifest of a build tree is.
    static std::filesystem::path path_in(const std::filesystem::path& build_dir);

    /// The builds of an exercise; throws UserError if this build does not have it.
    const ExerciseBuilds& of(const Exercise& exercise) const;
};

}  // namespace course
