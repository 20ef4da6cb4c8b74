// progress.cpp: read and write .course/progress.json; keep copies of the original stubs.
#include "progress.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <functional>
#include <iterator>
#include <sstream>

namespace course {
namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& path) {
    std::ifstream file(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(file), {}};
}

}  // namespace

Progress::Progress(const Context& context) : context_(context) {
    const fs::path path = context.state_dir / "progress.json";
    if (fs::exists(path)) {
        const auto json = nlohmann::json::parse(read_text(path), nullptr, false);
        // A damaged file costs the record of checks, never the student's work.
        const auto exercises = json.is_object() ? json.value("exercises", nlohmann::json::object())
                                                : nlohmann::json::object();
        if (exercises.is_object()) {
            for (const auto& [name, s] : exercises.items()) {
                if (!s.is_object()) continue;
                ExerciseState state;
                state.last_status = s.value("last_status", "");
                state.cases_passed = s.value("cases_passed", 0);
                state.cases_total = s.value("cases_total", 0);
                state.tsan_checked = s.value("tsan_checked", false);
                state.files_hash = s.value("files_hash", "");
                state.hints_seen = s.value("hints_seen", 0);
                states_[name] = state;
            }
        }
    }
    remember_originals();
}

void Progress::save() const {
    nlohmann::json exercises = nlohmann::json::object();
    for (const auto& [name, s] : states_) {
        exercises[name] = {{"last_status", s.last_status}, {"cases_passed", s.cases_passed},
                           {"cases_total", s.cases_total}, {"tsan_checked", s.tsan_checked},
                           {"files_hash", s.files_hash},   {"hints_seen", s.hints_seen}};
    }
    fs::create_directories(context_.state_dir);
    // Written beside, then renamed: a crash mid-write cannot leave half a file.
    const fs::path path = context_.state_dir / "progress.json";
    const fs::path temporary = context_.state_dir / "progress.json.new";
    {
        std::ofstream file(temporary);
        file << nlohmann::json{{"exercises", exercises}}.dump(2) << '\n';
    }
    fs::rename(temporary, path);
}

std::string Progress::files_hash(const Exercise& exercise) const {
    std::size_t hash = 0;
    for (const std::string& file : exercise.files) {
        const std::size_t h = std::hash<std::string>{}(read_text(context_.exercise_file(exercise, file)));
        hash ^= h + 0x9e3779b97f4a7c15ULL + (hash << 6) + (hash >> 2);
    }
    std::ostringstream text;
    text << std::hex << hash;
    return text.str();
}

fs::path Progress::original(const Exercise& exercise, const std::string& file) const {
    return context_.state_dir / "originals" / exercise.chapter_dir / file;
}

void Progress::remember_originals() {
    for (const Exercise* exercise : context_.course.exercises()) {
        for (const std::string& file : exercise->files) {
            const fs::path copy = original(*exercise, file);
            const fs::path source = context_.exercise_file(*exercise, file);
            if (fs::exists(copy) || !fs::exists(source)) continue;
            fs::create_directories(copy.parent_path());
            fs::copy_file(source, copy);
        }
    }
}

Standing Progress::standing(const Exercise& exercise) const {
    const auto it = states_.find(exercise.name);
    const bool checked = it != states_.end() && !it->second.last_status.empty();
    if (checked && it->second.files_hash == files_hash(exercise)) {
        return it->second.last_status == "passed" ? Standing::passed : Standing::failing;
    }
    // Unchanged since it was first seen: not started. Changed (since the check): in progress.
    for (const std::string& file : exercise.files) {
        if (read_text(context_.exercise_file(exercise, file)) != read_text(original(exercise, file))) {
            return Standing::in_progress;
        }
    }
    return checked ? Standing::in_progress : Standing::not_started;
}

const Exercise* Progress::next_unsolved() const {
    for (const Exercise* exercise : context_.course.exercises()) {
        if (standing(*exercise) != Standing::passed) return exercise;
    }
    return nullptr;
}

}  // namespace course
