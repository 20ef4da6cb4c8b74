// progress.cpp: read and write .course/progress.json; find the exercises' original stubs.
#include "progress.hpp"

#include <nlohmann/json.hpp>

#include <fstream>

#include "sha1.hpp"
#include "build.hpp"
#include "text.hpp"

namespace course {
namespace fs = std::filesystem;

Progress::Progress(const Context& context) : context_(context), stubs_(context) {
    const fs::path path = context.state_dir / "progress.json";
    if (fs::exists(path)) {
        const auto json = nlohmann::json::parse(read_file(path), nullptr, false);
        // A damaged file costs the record of checks, never the student's work.
        const auto exercises = json.is_object() ? json.value("exercises", nlohmann::json::object())
                                                : nlohmann::json::object();
        if (exercises.is_object()) {
            for (const auto& [name, s] : exercises.items()) {
                if (!s.is_object()) continue;
                ExerciseState state;
                try {
                    state.last_status = s.value("last_status", "");
                    state.cases_passed = s.value("cases_passed", 0);
                    state.cases_total = s.value("cases_total", 0);
                    state.race_checked = s.value("race_checked", false);
                    state.files_hash = s.value("files_hash", "");
                    state.hints_seen = s.value("hints_seen", 0);
                } catch (const nlohmann::json::exception&) {
                    continue;  // a field of the wrong type: forget that exercise's record only
                }
                states_[name] = state;
            }
        }
    }
    stubs_.remember_untouched();
}

const ExerciseState* Progress::find(const std::string& exercise) const {
    const auto it = states_.find(exercise);
    return it == states_.end() ? nullptr : &it->second;
}

void Progress::save() const {
    nlohmann::json exercises = nlohmann::json::object();
    for (const auto& [name, s] : states_) {
        exercises[name] = {{"last_status", s.last_status}, {"cases_passed", s.cases_passed},
                           {"cases_total", s.cases_total}, {"race_checked", s.race_checked},
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
    std::string all;
    for (const std::string& file : exercise.files) {
        all += file + '\0' + git_blob_id(read_file(context_.exercise_file(exercise, file))) + '\n';
    }
    return sha1_hex(all);
}

Standing Progress::standing(const Exercise& exercise) const {
    const ExerciseState* state = find(exercise.name);
    const bool checked = state != nullptr && !state->last_status.empty();
    if (checked && state->files_hash == files_hash(exercise)) {
        if (state->last_status == "passed") return state->race_checked ? Standing::passed : Standing::passed_unchecked;
        return state->last_status == "race" ? Standing::race : Standing::failing;
    }
    // Unchanged since the course began: not started. Changed (since the check): in progress.
    for (const std::string& file : exercise.files) {
        if (!stubs_.untouched(exercise, file)) return Standing::in_progress;
    }
    return checked ? Standing::in_progress : Standing::not_started;
}

const Exercise* Progress::next_unsolved() const {
    for (const Exercise* exercise : context_.course.exercises()) {
        if (standing(*exercise) != Standing::passed) return exercise;
    }
    return nullptr;
}

// ---- the original stubs ---------------------------------------------------------------------

Stubs::Stubs(const Context& context) : context_(context) {
    const auto json = nlohmann::json::parse(read_file(manifest_path(context)), nullptr, false);
    if (!json.is_object() || !json.contains("files") || !json.at("files").is_object()) return;
    for (const auto& [file, id] : json.at("files").items()) {
        if (id.is_string()) ids_[file] = id.get<std::string>();
    }
}

fs::path Stubs::manifest_path(const Context& context) { return context.root / "exercises" / "stubs.json"; }

fs::path Stubs::key(const Exercise& exercise, const std::string& file) const { return fs::path(exercise.chapter_dir) / file; }

bool Stubs::untouched(const Exercise& exercise, const std::string& file) const {
    const std::string content = read_file(context_.exercise_file(exercise, file));
    const auto it = ids_.find(key(exercise, file).generic_string());
    if (it != ids_.end()) return git_blob_id(content) == it->second;
    return content.find("TODO") != std::string::npos;
}

std::optional<std::string> Stubs::original(const Exercise& exercise, const std::string& file, std::string* where) const {
    const auto it = ids_.find(key(exercise, file).generic_string());
    if (it == ids_.end()) return std::nullopt;
    const std::string& id = it->second;
    const auto found = [&](std::string content, const std::string& place) -> std::optional<std::string> {
        if (git_blob_id(content) != id) return std::nullopt;
        if (where != nullptr) *where = place;
        return content;
    };
    // 1. The file itself, if untouched.
    if (auto same = found(read_file(context_.exercise_file(exercise, file)), "the file itself")) return same;
    // 2. The repository's history: every clone that ever held the stub has it by this id.
    if (fs::exists(context_.root / ".git")) {
        Limits limits;
        limits.wall = std::chrono::seconds(20);
        limits.output_bytes = 8 << 20;
        limits.file_bytes = 0;
        const Outcome git = run_command(context_.root, {"git", "-C", context_.root.string(), "cat-file", "blob", id}, limits);
        if (git.ending == Ending::exited && git.exit_code == 0) {
            if (auto from_git = found(git.output, "the repository's git history")) return from_git;
        }
    }
    // 3. The copy kept while the file was untouched.
    const fs::path copy = context_.state_dir / "originals" / key(exercise, file);
    if (fs::exists(copy)) {
        if (auto kept = found(read_file(copy), context_.shown(copy))) return kept;
    }
    return std::nullopt;
}

void Stubs::remember_untouched() const {
    for (const Exercise* exercise : context_.course.exercises()) {
        for (const std::string& file : exercise->files) {
            const fs::path copy = context_.state_dir / "originals" / key(*exercise, file);
            const fs::path source = context_.exercise_file(*exercise, file);
            if (fs::exists(copy) || !fs::exists(source) || !ids_.count(key(*exercise, file).generic_string())) continue;
            // Only a file that is the stub is kept as its original: an edit made before the
            // first run must never become "the original".
            if (!untouched(*exercise, file)) continue;
            fs::create_directories(copy.parent_path());
            fs::copy_file(source, copy);
        }
    }
}

std::string Stubs::manifest_for(const Context& context) {
    nlohmann::ordered_json files = nlohmann::ordered_json::object();
    for (const Exercise* exercise : context.course.exercises()) {
        for (const std::string& file : exercise->files) {
            files[(fs::path(exercise->chapter_dir) / file).generic_string()] =
                git_blob_id(read_file(context.exercise_file(*exercise, file)));
        }
    }
    const nlohmann::ordered_json json{
        {"about", "The git blob id (git hash-object) of each untouched exercise file: `./course reset` finds the "
                  "original stub by it. Remade with `./course stubs --write` whenever a stub changes; CI checks it."},
        {"files", files}};
    return json.dump(2) + "\n";
}

}  // namespace course
