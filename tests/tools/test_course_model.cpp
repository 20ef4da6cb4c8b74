// test_course_model.cpp: the course model: info.json and the build's manifest read strictly, the
// student's progress kept.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "context.hpp"
#include "info.hpp"
#include "manifest.hpp"
#include "progress.hpp"
#include "text.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

/// A small but complete info.json: two chapters, one of them without exercises.
json good_info() {
    return json::parse(R"({
      "course": "A course",
      "defaults": { "points": 10, "time_limit": 7 },
      "chapters": [
        { "number": "01", "dir": "01_first", "title": "First",
          "exercises": [
            { "name": "alpha", "title": "Alpha", "python": "`os.fork()`", "files": ["alpha.hpp"],
              "points": 20, "time_limit": 3, "hints": ["one", "two"], "test_points": { "a case": 5 } },
            { "name": "beta", "title": "Beta", "python": "`Thread.join()`", "files": ["beta.hpp", "beta.cpp"] }
          ] },
        { "number": "02", "dir": "02_second", "title": "Second", "exercises": [] }
      ]
    })");
}

/// The message of the UserError that `Reader::parse` throws for `file` ("" if it reads).
template <class Reader>
std::string error_of(const json& file, const std::string& name) {
    try {
        Reader::parse(file.dump(), name);
    } catch (const course::UserError& e) {
        return e.what();
    }
    return "";
}

std::string info_error(const json& info) {
    return error_of<course::Course>(info, "info.json");
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

/// A manifest as cmake/Course.cmake writes one: one exercise, one example.
json good_manifest() {
    return json::parse(R"({
      "manifest_version": 1, "source_dir": "/src", "build_dir": "/src/build/dev", "exercises_dir": "/src/exercises",
      "hidden_tests_dir": "", "sanitizer": "", "tsan_time_factor": 4, "support_targets": ["main", "pch"],
      "test_header_dirs": ["/src/tests/support", "/usr/include"],
      "exercises": [
        { "chapter": "01", "name": "alpha", "labels": ["exercise", "ch01", "alpha"],
          "builds": { "plain": { "target": "t.alpha", "binary": "/b/t.alpha", "time_limit": 3,
                                 "source": "/src/tests/01_first/test_alpha.cpp" },
                      "tsan": { "target": "t.alpha.tsan", "binary": "/b/t.alpha.tsan", "time_limit": 12,
                                "source": "/src/tests/01_first/test_alpha.cpp" } } }
      ],
      "examples": [
        { "chapter": "01", "name": "02_b", "source": "chapters/01_first/02_b.cpp", "target": "x.b", "binary": "/b/02_b",
          "exit_code": 1, "tested": true, "tsan_reports": false },
        { "chapter": "01", "name": "01_a", "source": "chapters/01_first/01_a.cpp", "target": "x.a", "binary": "/b/01_a",
          "exit_code": 0, "tested": false, "tsan_reports": true }
      ]
    })");
}

std::string manifest_error(const json& manifest) {
    return error_of<course::Manifest>(manifest, "course-manifest.json");
}

/// A repository of one chapter with one exercise, and its state folder, for progress.
struct Repository {
    fs::path root;
    course::Context context;

    Repository() {
        root = fs::temp_directory_path() / ("course-model-test-" + std::to_string(getpid()));
        fs::remove_all(root);
        fs::create_directories(root / "exercises" / "01_first");
        json info = good_info();
        info["chapters"][0]["exercises"].erase(1);
        std::ofstream(root / "exercises" / "info.json") << info.dump(2);
        write("// TODO: write alpha\n");
        context.root = root;
        context.build_dir = root / "build";
        context.state_dir = root / ".course";
        context.course = course::Course::load(root / "exercises" / "info.json");
    }
    ~Repository() { fs::remove_all(root); }

    const course::Exercise& alpha() const { return *context.course.exercises().front(); }
    void write(const std::string& text) const {
        std::ofstream(root / "exercises" / "01_first" / "alpha.hpp") << text;
    }
};

}  // namespace

TEST_CASE("info.json: a good file is read whole, defaults applied where an exercise names none") {
    const auto course = course::Course::parse(good_info().dump(), "info.json");
    CHECK(course.title == "A course");
    REQUIRE(course.chapters.size() == 2);
    CHECK(course.chapters[1].exercises.empty());
    REQUIRE(course.exercises().size() == 2);
    const course::Exercise& alpha = *course.exercises()[0];
    CHECK(alpha.id() == "01/alpha");
    CHECK(alpha.chapter_dir == "01_first");
    CHECK(alpha.python == "`os.fork()`");
    CHECK(alpha.points == 20);
    CHECK(alpha.time_limit == 3);
    CHECK(alpha.hints == std::vector<std::string>{"one", "two"});
    CHECK(alpha.test_points.at("a case") == 5);
    const course::Exercise& beta = *course.exercises()[1];
    CHECK(beta.points == 10);
    CHECK(beta.time_limit == 7);
    CHECK(beta.hints.empty());
    CHECK(beta.files == std::vector<std::string>{"beta.hpp", "beta.cpp"});
}

TEST_CASE("info.json: the course's own file is read") {
    const auto course =
        course::Course::load(fs::path(COURSE_SOURCE_DIR) / "exercises" / "info.json");
    CHECK(course.exercises().size() >= 1);
    for (const course::Exercise* e : course.exercises()) {
        CAPTURE(e->id());
        CHECK_FALSE(e->python.empty());
        CHECK_FALSE(e->files.empty());
    }
}

TEST_CASE("info.json: an unknown key is an error naming the key and where it is") {
    json info = good_info();
    info["chapters"][0]["exercises"][1]["time_limt"] = 5;
    const std::string error = info_error(info);
    CHECK(contains(error, "exercise 'beta'"));
    CHECK(contains(error, "unknown key 'time_limt'"));
    CHECK(contains(error, "time_limit"));  // the known keys are listed

    info = good_info();
    info["chapters"][1]["titel"] = "x";
    CHECK(contains(info_error(info), "chapter 02 has an unknown key 'titel'"));
    info = good_info();
    info["default"] = json::object();
    CHECK(contains(info_error(info), "unknown key 'default'"));
    info = good_info();
    info["defaults"]["point"] = 3;
    CHECK(contains(info_error(info), "defaults has an unknown key 'point'"));
}

TEST_CASE("info.json: a missing key is an error naming the key and where it is") {
    json info = good_info();
    info["chapters"][0]["exercises"][0].erase("python");
    CHECK(contains(info_error(info), "exercise 'alpha' has no 'python'"));
    info = good_info();
    info["chapters"][0]["exercises"][1].erase("name");
    CHECK(contains(info_error(info), "exercise 2 of chapter 01 has no 'name'"));
    info = good_info();
    info["chapters"][1].erase("dir");
    CHECK(contains(info_error(info), "chapter 02 has no 'dir'"));
    info = good_info();
    info["defaults"].erase("time_limit");
    CHECK(contains(info_error(info), "defaults has no 'time_limit'"));
    info = good_info();
    info.erase("chapters");
    CHECK(contains(info_error(info), "has no 'chapters'"));
}

TEST_CASE("info.json: a value of the wrong type is an error naming the key and where it is") {
    json info = good_info();
    info["chapters"][0]["exercises"][0]["points"] = "20";
    CHECK(contains(info_error(info), "exercise 'alpha': 'points' has the wrong type (string)"));
    info = good_info();
    info["chapters"][0]["exercises"][1]["files"] = "beta.hpp";
    CHECK(contains(info_error(info), "exercise 'beta': 'files' has the wrong type"));
    info = good_info();
    info["chapters"][0]["exercises"][0]["hints"] = json::array({"one", 2});
    CHECK(contains(info_error(info), "'hints' has the wrong type"));
    info = good_info();
    info["chapters"] = json::object();
    CHECK(contains(info_error(info), "'chapters' has the wrong type (object)"));
    info = good_info();
    info["chapters"][0]["exercises"][0] = "alpha";
    CHECK(contains(info_error(info), "must be an object"));
}

TEST_CASE("info.json: names and files are unique, and broken JSON is said to be so") {
    json info = good_info();
    info["chapters"][1]["exercises"].push_back(info["chapters"][0]["exercises"][0]);
    CHECK(contains(info_error(info), "exercise name 'alpha' is used twice"));
    info = good_info();
    info["chapters"][0]["exercises"][1]["files"] = json::array({"alpha.hpp"});
    CHECK(contains(info_error(info), "file name 'alpha.hpp' belongs to two exercises"));
    CHECK_THROWS_WITH_AS(course::Course::parse("{ \"course\": ", "info.json"),
                         "info.json is not valid JSON", course::UserError);
    CHECK_THROWS_AS(course::Course::load("/nonexistent/info.json"), course::UserError);
}

TEST_CASE("the manifest: a good file is read, examples in chapter and file order") {
    const auto manifest = course::Manifest::parse(good_manifest().dump(), "course-manifest.json");
    CHECK(manifest.build_dir == "/src/build/dev");
    CHECK(manifest.tsan_time_factor == 4);
    CHECK(manifest.support_targets.size() == 2);
    REQUIRE(manifest.exercises.count("alpha") == 1);
    const course::ExerciseBuilds& alpha = manifest.exercises.at("alpha");
    CHECK(alpha.plain.target == "t.alpha");
    CHECK(alpha.plain.binary == "/b/t.alpha");
    CHECK(alpha.tsan.time_limit == 12);
    CHECK(alpha.plain.source == "/src/tests/01_first/test_alpha.cpp");
    CHECK(manifest.test_header_dirs.size() == 2);
    CHECK_FALSE(alpha.hidden.exists());
    CHECK_FALSE(alpha.solution.exists());
    CHECK(alpha.labels.size() == 3);
    REQUIRE(manifest.examples.size() == 2);
    CHECK(manifest.examples[0].name == "01_a");
    CHECK(manifest.examples[0].tsan_reports);
    CHECK(manifest.examples[1].exit_code == 1);

    course::Exercise unknown;
    unknown.name = "gamma";
    unknown.chapter_number = "01";
    CHECK_THROWS_AS(manifest.of(unknown), course::UserError);
}

TEST_CASE(
    "the manifest: missing, unknown and mistyped keys, and another version, are errors that say to "
    "configure again") {
    json manifest = good_manifest();
    manifest["exercises"][0]["builds"]["plain"].erase("binary");
    std::string error = manifest_error(manifest);
    CHECK(contains(error, "exercise 'alpha': build 'plain' has no 'binary'"));
    CHECK(contains(error, "configure the build again"));

    manifest = good_manifest();
    manifest["exercises"][0]["builds"]["plane"] = manifest["exercises"][0]["builds"]["plain"];
    CHECK(contains(manifest_error(manifest), "builds has an unknown key 'plane'"));
    manifest = good_manifest();
    manifest["examples"][0]["exit_status"] = 1;
    CHECK(contains(manifest_error(manifest),
                   "example chapters/01_first/02_b.cpp has an unknown key 'exit_status'"));

    manifest = good_manifest();
    manifest["tsan_time_factor"] = "4";
    CHECK(contains(manifest_error(manifest), "'tsan_time_factor' has the wrong type (string)"));
    manifest = good_manifest();
    manifest["examples"][1]["tested"] = 1;
    CHECK(contains(manifest_error(manifest), "'tested' has the wrong type (number)"));

    manifest = good_manifest();
    manifest["manifest_version"] = 2;
    CHECK(contains(manifest_error(manifest), "has version 2, this tool reads version 1"));
    manifest.erase("manifest_version");
    CHECK(contains(manifest_error(manifest), "has no 'manifest_version'"));
    CHECK(contains(manifest_error(json::array()), "is not valid JSON"));
}

TEST_CASE("the manifest of a build folder without one asks to configure") {
    CHECK_THROWS_WITH_AS(course::Manifest::load("/nonexistent/build"),
                         doctest::Contains("has no course-manifest.json: configure it again"),
                         course::UserError);
}

TEST_CASE(
    "progress: a fresh exercise is not started, a checked one keeps its verdict across runs") {
    const Repository repo;
    {
        course::Progress progress(repo.context);
        CHECK(progress.standing(repo.alpha()) == course::Standing::not_started);
        CHECK(progress.next_unsolved() == &repo.alpha());
        CHECK(progress.find("alpha") == nullptr);
    }
    repo.write("// alpha, written\n");
    {
        course::Progress progress(repo.context);
        CHECK(progress.standing(repo.alpha()) == course::Standing::in_progress);
        course::ExerciseState& state = progress["alpha"];
        state.last_status = "passed";
        state.race_checked = true;
        state.cases_passed = state.cases_total = 4;
        state.files_hash = progress.files_hash(repo.alpha());
        state.hints_seen = 2;
        progress.save();
    }
    CHECK(fs::exists(repo.context.state_dir / "progress.json"));
    CHECK_FALSE(fs::exists(repo.context.state_dir / "progress.json.new"));
    course::Progress reread(repo.context);
    REQUIRE(reread.find("alpha") != nullptr);
    CHECK(reread.find("alpha")->cases_passed == 4);
    CHECK(reread.find("alpha")->hints_seen == 2);
    CHECK(reread.standing(repo.alpha()) == course::Standing::passed);
    CHECK(reread.next_unsolved() == nullptr);
}

TEST_CASE(
    "progress: each recorded verdict has its standing, and an edit since the check makes it in "
    "progress") {
    const Repository repo;
    repo.write("// alpha, written\n");
    course::Progress progress(repo.context);
    course::ExerciseState& state = progress["alpha"];
    state.files_hash = progress.files_hash(repo.alpha());
    const std::pair<std::string, course::Standing> cases[] = {
        {"failed", course::Standing::failing},
        {"timeout", course::Standing::failing},
        {"race", course::Standing::race},
        {"build_error", course::Standing::failing}};
    for (const auto& [status, standing] : cases) {
        CAPTURE(status);
        state.last_status = status;
        CHECK(progress.standing(repo.alpha()) == standing);
    }
    state.last_status = "passed";
    state.race_checked = false;
    CHECK(progress.standing(repo.alpha()) == course::Standing::passed_unchecked);
    CHECK(progress.next_unsolved() == &repo.alpha());  // a pass without the race check is not done
    state.race_checked = true;
    CHECK(progress.standing(repo.alpha()) == course::Standing::passed);
    repo.write("// alpha, changed after its check\n");
    CHECK(progress.standing(repo.alpha()) == course::Standing::in_progress);
}

TEST_CASE("progress: the files' fingerprint is their content's, whatever the file's time") {
    const Repository repo;
    repo.write("// alpha, written\n");
    course::Progress progress(repo.context);
    const std::string first = progress.files_hash(repo.alpha());
    CHECK(first.size() == 40);
    repo.write("// alpha, written\n");
    CHECK(progress.files_hash(repo.alpha()) == first);
    repo.write("// alpha, written!\n");
    CHECK(progress.files_hash(repo.alpha()) != first);
}

TEST_CASE(
    "progress: a damaged file costs the record, never the work; a mistyped record only its own "
    "exercise") {
    const Repository repo;
    fs::create_directories(repo.context.state_dir);
    std::ofstream(repo.context.state_dir / "progress.json") << "{ not json";
    {
        course::Progress progress(repo.context);
        CHECK(progress.find("alpha") == nullptr);
        CHECK(progress.standing(repo.alpha()) == course::Standing::not_started);
    }
    CHECK(course::read_file(repo.root / "exercises" / "01_first" / "alpha.hpp") ==
          "// TODO: write alpha\n");
    std::ofstream(repo.context.state_dir / "progress.json")
        << R"({"exercises": {"alpha": {"last_status": 7}, "gone": {"last_status": "passed", "hints_seen": 1}}})";
    course::Progress progress(repo.context);
    CHECK(progress.find("alpha") == nullptr);
    REQUIRE(progress.find("gone") != nullptr);
    CHECK(progress.find("gone")->hints_seen == 1);
}
