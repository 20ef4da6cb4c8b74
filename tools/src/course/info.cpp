// info.cpp: read exercises/info.json and resolve what a user names.
#include "info.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <set>

#include "json_fields.hpp"
#include "text.hpp"

namespace course {
namespace fs = std::filesystem;

namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
    const auto near = closest(word, candidates);
    if (near.empty()) return "";
    std::string text = " Did you mean ";
    for (std::size_t i = 0; i < near.size(); ++i) text += (i ? " or " : "") + near[i];
    return text + "?";
}

}  // namespace

std::vector<std::string> closest(std::string_view word, const std::vector<std::string>& candidates) {
    std::vector<std::string> found;
    std::size_t best = std::max<std::size_t>(2, word.size() / 3) + 1;
    for (const std::string& candidate : candidates) {
        std::size_t d = edit_distance(word, candidate);
        // A prefix or a part of the name is as good as a near miss.
        if (!word.empty() && candidate.find(word) != std::string::npos) d = std::min<std::size_t>(d, 1);
        if (d < best) {
            best = d;
            found = {candidate};
        } else if (d == best) {
            found.push_back(candidate);
        }
    }
    if (found.size() > 3) found.resize(3);
    return found;
}

namespace {

using Json = nlohmann::json;
using json_fields::check_keys;
using json_fields::optional_or;
using json_fields::required;
using json_fields::required_array;

Exercise read_exercise(const Json& e, const Chapter& chapter, const Json& defaults, const std::string& source,
                       std::size_t position) {
    std::string where = source + ": exercise " + std::to_string(position + 1) + " of chapter " + chapter.number;
    if (e.is_object() && e.contains("name") && e.at("name").is_string()) {
        where = source + ": exercise '" + e.at("name").get<std::string>() + "'";
    }
    check_keys(e, where, {"name", "title", "python", "files", "points", "time_limit", "hints", "test_points"});
    Exercise exercise;
    exercise.name = required<std::string>(e, "name", where);
    exercise.title = required<std::string>(e, "title", where);
    exercise.python = required<std::string>(e, "python", where);
    exercise.chapter_number = chapter.number;
    exercise.chapter_dir = chapter.dir;
    exercise.files = required<std::vector<std::string>>(e, "files", where);
    exercise.points = optional_or(e, "points", required<double>(defaults, "points", source + ": defaults"), where);
    exercise.time_limit = optional_or(e, "time_limit", required<int>(defaults, "time_limit", source + ": defaults"), where);
    exercise.hints = optional_or<std::vector<std::string>>(e, "hints", {}, where);
    exercise.test_points = optional_or<std::map<std::string, double>>(e, "test_points", {}, where);
    return exercise;
}

Chapter read_chapter(const Json& c, const Json& defaults, const std::string& source, std::size_t position) {
    std::string where = source + ": chapter " + std::to_string(position + 1);
    if (c.is_object() && c.contains("number") && c.at("number").is_string()) {
        where = source + ": chapter " + c.at("number").get<std::string>();
    }
    check_keys(c, where, {"number", "dir", "title", "exercises"});
    Chapter chapter;
    chapter.number = required<std::string>(c, "number", where);
    chapter.dir = required<std::string>(c, "dir", where);
    chapter.title = required<std::string>(c, "title", where);
    const Json& exercises = required_array(c, "exercises", where);
    for (std::size_t i = 0; i < exercises.size(); ++i) {
        chapter.exercises.push_back(read_exercise(exercises[i], chapter, defaults, source, i));
    }
    return chapter;
}

}  // namespace

Course Course::load(const fs::path& info_json) {
    if (!std::ifstream(info_json)) throw UserError("cannot read " + info_json.string());
    return parse(read_file(info_json), info_json.string());
}

Course Course::parse(const std::string& text, const std::string& source) {
    const auto json = Json::parse(text, nullptr, false);
    if (json.is_discarded()) throw UserError(source + " is not valid JSON");
    check_keys(json, source, {"course", "defaults", "chapters"});
    const Json defaults = required<Json>(json, "defaults", source);
    check_keys(defaults, source + ": defaults", {"points", "time_limit"});
    const Json& chapters = required_array(json, "chapters", source);
    Course course;
    course.title = required<std::string>(json, "course", source);
    std::set<std::string> names;
    std::set<std::string> files;
    for (std::size_t i = 0; i < chapters.size(); ++i) {
        course.chapters.push_back(read_chapter(chapters[i], defaults, source, i));
        for (const Exercise& exercise : course.chapters.back().exercises) {
            if (!names.insert(exercise.name).second) {
                throw UserError(source + ": exercise name '" + exercise.name + "' is used twice");
            }
            for (const std::string& f : exercise.files) {
                // A grader finds a submitted file by its name alone, so names are unique.
                if (!files.insert(f).second) throw UserError(source + ": file name '" + f + "' belongs to two exercises");
            }
        }
    }
    return course;
}

std::vector<const Exercise*> Course::exercises() const {
    std::vector<const Exercise*> all;
    for (const Chapter& chapter : chapters) {
        for (const Exercise& exercise : chapter.exercises) all.push_back(&exercise);
    }
    return all;
}

const Chapter& Course::chapter(std::string_view spec) const {
    std::vector<std::string> known;
    for (const Chapter& c : chapters) {
        if (spec == c.number || spec == c.dir || (spec.size() == 1 && "0" + std::string(spec) == c.number)) {
            return c;
        }
        known.push_back(c.number);
        known.push_back(c.dir);
    }
    std::string list;
    for (const Chapter& c : chapters) list += (list.empty() ? "" : ", ") + c.number + " (" + c.title + ")";
    throw UserError("there is no chapter '" + std::string(spec) + "'." + did_you_mean(spec, known) +
                    " The chapters are " + list + ".");
}

std::vector<const Exercise*> Course::select(std::string_view spec) const {
    while (!spec.empty() && spec.back() == '/') spec.remove_suffix(1);
    const auto slash = spec.find('/');
    if (slash == std::string_view::npos) {
        // A chapter, or an exercise by its name alone.
        for (const Exercise* e : exercises()) {
            if (e->name == spec) return {e};
        }
        const bool looks_like_chapter = !spec.empty() && std::isdigit(static_cast<unsigned char>(spec[0]));
        if (looks_like_chapter) {
            const Chapter& c = chapter(spec);
            if (c.exercises.empty()) throw UserError("chapter " + c.number + " has no exercises yet");
            std::vector<const Exercise*> all;
            for (const Exercise& e : c.exercises) all.push_back(&e);
            return all;
        }
        std::vector<std::string> ids;
        for (const Exercise* e : exercises()) ids.push_back(e->name);
        throw UserError("there is no exercise '" + std::string(spec) + "'." + did_you_mean(spec, ids) +
                        " `./course` lists them all.");
    }
    const Chapter& c = chapter(spec.substr(0, slash));
    const std::string_view name = spec.substr(slash + 1);
    std::vector<std::string> names;
    for (const Exercise& e : c.exercises) {
        if (e.name == name) return {&e};
        names.push_back(e.name);
    }
    std::string list;
    for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
    throw UserError("chapter " + c.number + " has no exercise '" + std::string(name) + "'." +
                    did_you_mean(name, names) + " Its exercises are: " + list + ".");
}

}  // namespace course
