// manifest.cpp: read the build's manifest; a build without one is configured by an older course.
#include "manifest.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <tuple>
#include <utility>

#include "json_fields.hpp"
#include "text.hpp"

namespace course {
namespace fs = std::filesystem;

namespace {

using Json = nlohmann::json;
using json_fields::check_keys;
using json_fields::required;
using json_fields::required_array;

/// object[key] when it is a string, for saying which entry an error is in; "?" otherwise.
std::string text_of(const Json& object, const char* key) {
    return object.is_object() && object.contains(key) && object.at(key).is_string() ? object.at(key).get<std::string>() : "?";
}

TestBuild test_build(const Json& builds, const char* key, const std::string& where) {
    TestBuild build;
    if (!builds.contains(key)) return build;
    const Json& entry = builds.at(key);
    const std::string here = where + ": build '" + key + "'";
    check_keys(entry, here, {"target", "binary", "time_limit", "source"});
    build.target = required<std::string>(entry, "target", here);
    build.binary = required<std::string>(entry, "binary", here);
    build.time_limit = required<int>(entry, "time_limit", here);
    build.source = required<std::string>(entry, "source", here);
    return build;
}

std::pair<std::string, ExerciseBuilds> exercise_builds(const Json& e, const std::string& path) {
    const std::string where = path + ": exercise '" + text_of(e, "name") + "'";
    check_keys(e, where, {"chapter", "name", "labels", "builds"});
    required<std::string>(e, "chapter", where);
    const Json b = required<Json>(e, "builds", where);
    check_keys(b, where + ": builds", {"plain", "tsan", "hidden", "hidden_tsan", "solution"});
    ExerciseBuilds builds;
    builds.plain = test_build(b, "plain", where);
    builds.tsan = test_build(b, "tsan", where);
    builds.hidden = test_build(b, "hidden", where);
    builds.hidden_tsan = test_build(b, "hidden_tsan", where);
    builds.solution = test_build(b, "solution", where);
    builds.labels = required<std::vector<std::string>>(e, "labels", where);
    return {required<std::string>(e, "name", where), builds};
}

ExampleBuild example_build(const Json& x, const std::string& path) {
    const std::string where = path + ": example " + text_of(x, "source");
    check_keys(x, where, {"chapter", "name", "source", "target", "binary", "exit_code", "tested", "tsan_reports"});
    ExampleBuild example;
    example.chapter = required<std::string>(x, "chapter", where);
    example.name = required<std::string>(x, "name", where);
    example.source = required<std::string>(x, "source", where);
    example.target = required<std::string>(x, "target", where);
    example.binary = required<std::string>(x, "binary", where);
    example.exit_code = required<int>(x, "exit_code", where);
    example.tested = required<bool>(x, "tested", where);
    example.tsan_reports = required<bool>(x, "tsan_reports", where);
    return example;
}

Manifest read_manifest(const Json& json, const std::string& path) {
    check_keys(json, path, {"manifest_version", "source_dir", "build_dir", "exercises_dir", "hidden_tests_dir", "sanitizer",
                            "tsan_time_factor", "support_targets", "test_header_dirs", "exercises", "examples"});
    Manifest manifest;
    manifest.source_dir = required<std::string>(json, "source_dir", path);
    manifest.build_dir = required<std::string>(json, "build_dir", path);
    manifest.exercises_dir = required<std::string>(json, "exercises_dir", path);
    manifest.sanitizer = required<std::string>(json, "sanitizer", path);
    manifest.tsan_time_factor = required<int>(json, "tsan_time_factor", path);
    manifest.support_targets = required<std::vector<std::string>>(json, "support_targets", path);
    for (const std::string& dir : required<std::vector<std::string>>(json, "test_header_dirs", path)) {
        manifest.test_header_dirs.emplace_back(dir);
    }
    for (const Json& e : required_array(json, "exercises", path)) manifest.exercises.insert(exercise_builds(e, path));
    for (const Json& x : required_array(json, "examples", path)) manifest.examples.push_back(example_build(x, path));
    return manifest;
}

}  // namespace

fs::path Manifest::path_in(const fs::path& build_dir) { return build_dir / "course-manifest.json"; }

Manifest Manifest::load(const fs::path& build_dir) {
    const fs::path path = path_in(build_dir);
    if (!fs::exists(path)) {
        throw UserError("the build in " + build_dir.string() + " has no course-manifest.json: configure it again " +
                        "(cmake --preset dev), or remove the folder");
    }
    return parse(read_file(path), path.string());
}

Manifest Manifest::parse(const std::string& text, const std::string& path) {
    const auto json = Json::parse(text, nullptr, false);
    if (json.is_discarded() || !json.is_object()) throw UserError(path + " is not valid JSON");
    const int version = required<int>(json, "manifest_version", path);
    if (version != supported_version) {
        throw UserError(path + " has version " + std::to_string(version) + ", this tool reads version " +
                        std::to_string(supported_version) + ": configure the build again");
    }
    Manifest manifest;
    try {
        manifest = read_manifest(json, path);
    } catch (const UserError& e) {
        throw UserError(std::string(e.what()) + " (configure the build again)");
    }
    std::sort(manifest.examples.begin(), manifest.examples.end(), [](const ExampleBuild& a, const ExampleBuild& b) {
        return std::tie(a.chapter, a.name) < std::tie(b.chapter, b.name);
    });
    return manifest;
}

const ExerciseBuilds& Manifest::of(const Exercise& exercise) const {
    const auto it = exercises.find(exercise.name);
    if (it == exercises.end()) {
        throw UserError("the build in " + build_dir.string() + " does not know exercise " + exercise.id() +
                        ": configure it again (cmake --preset dev)");
    }
    return it->second;
}

}  // namespace course
