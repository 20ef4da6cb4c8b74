// info.cpp: read exercises/info.json and resolve what a user names.
#include "info.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <set>

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

Course Course::load(const fs::path& info_json) {
    std::ifstream file(info_json);
    if (!file) throw UserError("cannot read " + info_json.string());
    const auto json = nlohmann::json::parse(file, nullptr, false);
    if (json.is_discarded()) throw UserError(info_json.string() + " is not valid JSON");
    Course course;
    try {
        course.title = json.at("course").get<std::string>();
        const auto& defaults = json.at("defaults");
        std::set<std::string> names;
        std::set<std::string> files;
        for (const auto& c : json.at("chapters")) {
            Chapter chapter;
            chapter.number = c.at("number").get<std::string>();
            chapter.dir = c.at("dir").get<std::string>();
            chapter.title = c.at("title").get<std::string>();
            for (const auto& e : c.at("exercises")) {
                Exercise exercise;
                exercise.name = e.at("name").get<std::string>();
                exercise.title = e.at("title").get<std::string>();
                exercise.chapter_number = chapter.number;
                exercise.chapter_dir = chapter.dir;
                exercise.files = e.at("files").get<std::vector<std::string>>();
                exercise.points = e.value("points", defaults.at("points").get<double>());
                exercise.time_limit = e.value("time_limit", defaults.at("time_limit").get<int>());
                exercise.hints = e.value("hints", std::vector<std::string>{});
                exercise.test_points = e.value("test_points", std::map<std::string, double>{});
                if (!names.insert(exercise.name).second) {
                    throw UserError(info_json.string() + ": exercise name '" + exercise.name + "' is used twice");
                }
                for (const std::string& f : exercise.files) {
                    // A grader finds a submitted file by its name alone, so names are unique.
                    if (!files.insert(f).second) {
                        throw UserError(info_json.string() + ": file name '" + f + "' belongs to two exercises");
                    }
                }
                chapter.exercises.push_back(std::move(exercise));
            }
            course.chapters.push_back(std::move(chapter));
        }
    } catch (const nlohmann::json::exception& e) {
        throw UserError(info_json.string() + ": " + e.what());
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
