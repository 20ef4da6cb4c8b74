// manifest.cpp: read the build's manifest; a build without one is configured by an older course.
#include "manifest.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "text.hpp"

namespace course {
namespace fs = std::filesystem;

namespace {

TestBuild test_build(const nlohmann::json& builds, const char* key) {
    TestBuild build;
    if (!builds.contains(key)) return build;
    const auto& entry = builds.at(key);
    build.target = entry.at("target").get<std::string>();
    build.binary = entry.at("binary").get<std::string>();
    build.time_limit = entry.at("time_limit").get<int>();
    build.source = entry.value("source", std::string());
    return build;
}

}  // namespace

fs::path Manifest::path_in(const fs::path& build_dir) { return build_dir / "course-manifest.json"; }

Manifest Manifest::load(const fs::path& build_dir) {
    const fs::path path = path_in(build_dir);
    if (!fs::exists(path)) {
        throw UserError("the build in " + build_dir.string() + " has no course-manifest.json: configure it again " +
                        "(cmake --preset dev), or remove the folder");
    }
    const auto json = nlohmann::json::parse(read_file(path), nullptr, false);
    if (json.is_discarded() || !json.is_object()) throw UserError(path.string() + " is not valid JSON");
    Manifest manifest;
    try {
        const int version = json.at("manifest_version").get<int>();
        if (version != supported_version) {
            throw UserError(path.string() + " has version " + std::to_string(version) + ", this tool reads version " +
                            std::to_string(supported_version) + ": configure the build again");
        }
        manifest.source_dir = json.at("source_dir").get<std::string>();
        manifest.build_dir = json.at("build_dir").get<std::string>();
        manifest.exercises_dir = json.at("exercises_dir").get<std::string>();
        manifest.sanitizer = json.at("sanitizer").get<std::string>();
        manifest.tsan_time_factor = json.at("tsan_time_factor").get<int>();
        manifest.support_targets = json.at("support_targets").get<std::vector<std::string>>();
        for (const auto& dir : json.value("test_header_dirs", nlohmann::json::array())) {
            manifest.test_header_dirs.emplace_back(dir.get<std::string>());
        }
        for (const auto& e : json.at("exercises")) {
            ExerciseBuilds builds;
            const auto& b = e.at("builds");
            builds.plain = test_build(b, "plain");
            builds.tsan = test_build(b, "tsan");
            builds.hidden = test_build(b, "hidden");
            builds.hidden_tsan = test_build(b, "hidden_tsan");
            builds.solution = test_build(b, "solution");
            builds.labels = e.at("labels").get<std::vector<std::string>>();
            manifest.exercises[e.at("name").get<std::string>()] = builds;
        }
        for (const auto& x : json.at("examples")) {
            ExampleBuild example;
            example.chapter = x.at("chapter").get<std::string>();
            example.name = x.at("name").get<std::string>();
            example.source = x.at("source").get<std::string>();
            example.target = x.at("target").get<std::string>();
            example.binary = x.at("binary").get<std::string>();
            example.exit_code = x.at("exit_code").get<int>();
            example.tested = x.at("tested").get<bool>();
            example.tsan_reports = x.at("tsan_reports").get<bool>();
            manifest.examples.push_back(example);
        }
    } catch (const nlohmann::json::exception& e) {
        throw UserError(path.string() + ": " + e.what() + " (configure the build again)");
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
