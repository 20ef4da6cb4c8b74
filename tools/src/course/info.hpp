// info.hpp: the course's chapters and exercises, read from exercises/info.json.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "user_error.hpp"

namespace course {

struct Exercise {
    std::string name;                          ///< unique in the course, e.g. "exit_code"
    std::string title;
    std::string python;                        ///< the Python call it mirrors (Markdown)
    std::string chapter_number;                ///< "01"
    std::string chapter_dir;                   ///< "01_processes"
    std::vector<std::string> files;            ///< the files a student edits
    double points = 10;
    int time_limit = 10;                       ///< seconds for one run of its tests
    std::vector<std::string> hints;            ///< from gentle to explicit
    std::map<std::string, double> test_points; ///< points of named test cases; the rest share what is left

    /// "01/exit_code": how people name it.
    std::string id() const { return chapter_number + "/" + name; }
    /// "01.exit_code": how targets and tests name it.
    std::string target_id() const { return chapter_number + "." + name; }
};

struct Chapter {
    std::string number;
    std::string dir;
    std::string title;
    std::vector<Exercise> exercises;
};

struct Course {
    std::string title;
    std::vector<Chapter> chapters;

    /// Reads and checks info.json; throws UserError saying what is wrong in it.
    static Course load(const std::filesystem::path& info_json);
    /// The same for the text of such a file; `source` names it in errors. A key that
    /// exercises/info.schema.json does not know is an error, as is a missing or mistyped one.
    static Course parse(const std::string& text, const std::string& source);

    /// Every exercise in course order.
    std::vector<const Exercise*> exercises() const;

    /// The exercises a user means by `spec`: "02" (a chapter), "02/queue", "queue",
    /// "02_threads", "02_threads/queue". Throws UserError with suggestions when nothing matches.
    std::vector<const Exercise*> select(std::string_view spec) const;

    /// The chapter a user means by "02" or "02_threads"; throws UserError otherwise.
    const Chapter& chapter(std::string_view spec) const;
};

/// The closest of `candidates` to `word`, for "did you mean ...?" (empty when none is close).
std::vector<std::string> closest(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace course
