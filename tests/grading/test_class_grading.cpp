// test_class_grading.cpp: a whole class graded at once: the gradebook, each submission's Gradescope
// results, the summary page.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <stdio.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "class_grading.hpp"
#include "grading.hpp"
#include "grading_context.hpp"
#include "text.hpp"

namespace fs = std::filesystem;
using course::Status;

namespace {

using grading_suite::context;
using grading_suite::scratch;
using grading_suite::source;

/// The class is graded on chapter 01 and one exercise of chapter 02: what is tested here is
/// the class's grading (rows, results, summary, resuming), whichever the exercises; that the
/// whole course's solutions score full marks and that every untouched stub fails cleanly are
/// checked by test_grading.cpp and by the self-check's stub tests.
const std::vector<std::string> graded_exercises{"01", "02/thread_arguments"};

/// The points of exercises/info.json, in hundredths, read here rather than from the tool:
/// every exercise's `points`, or the defaults' when it gives none; the graded exercises'
/// (those of chapter `chapter_dir` only, if given).
long graded_hundredths(const std::string& chapter_dir = "") {
    const auto info = nlohmann::json::parse(course::read_file(source / "exercises" / "info.json"));
    const double default_points =
        info.value("defaults", nlohmann::json::object()).value("points", 10.0);
    long total = 0;
    for (const auto& chapter : info.at("chapters")) {
        const std::string dir = chapter.at("dir").get<std::string>();
        if (!chapter_dir.empty() && dir != chapter_dir) continue;
        const std::string number = dir.substr(0, 2);
        const auto chosen = [&](const std::string& spec) {
            return std::find(graded_exercises.begin(), graded_exercises.end(), spec) !=
                   graded_exercises.end();
        };
        for (const auto& exercise : chapter.at("exercises")) {
            if (chosen(number) || chosen(number + "/" + exercise.at("name").get<std::string>()))
                total += std::lround(exercise.value("points", default_points) * 100);
        }
    }
    return total;
}

/// A CSV file's records, by RFC 4180 (quoted fields may hold commas, quotes and line breaks).
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
    std::vector<std::vector<std::string>> records(1, std::vector<std::string>(1));
    bool quoted = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"')
                records.back().back() += '"', ++i;
            else if (c == '"')
                quoted = false;
            else
                records.back().back() += c;
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            records.back().emplace_back();
        } else if (c == '\n') {
            records.emplace_back(1);
        } else if (c != '\r') {
            records.back().back() += c;
        }
    }
    if (records.back().size() == 1 && records.back().front().empty()) records.pop_back();
    return records;
}

/// A copy of the course's untouched exercise files, for a submission to start from.
fs::path untouched_copy(const fs::path& dir) {
    fs::create_directories(dir);
    for (const course::Exercise* e : context().course.exercises()) {
        for (const std::string& file : e->files) {
            fs::create_directories(dir / e->chapter_dir);
            fs::copy_file(context().exercise_file(*e, file), dir / e->chapter_dir / file);
        }
    }
    return dir;
}

/// Three submissions: untouched, everything solved, and chapter 01 solved (a name that
/// needs quoting in CSV and escaping in HTML).
fs::path three_submissions() {
    const fs::path dir = scratch / "class";
    fs::remove_all(dir);
    untouched_copy(dir / "untouched");
    fs::create_directories(dir / "all solved");
    fs::copy(source / "solutions", dir / "all solved", fs::copy_options::recursive);
    const fs::path chapter_01 = untouched_copy(dir / "chapter 01, \"solved\" <b>");
    fs::copy(source / "solutions" / "01_processes", chapter_01 / "01_processes",
             fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    return dir;
}

course::ClassOptions class_options(const fs::path& class_dir, const fs::path& out) {
    course::ClassOptions options;
    options.class_dir = class_dir;
    options.output_dir = out;
    options.grading.work_dir = scratch / "work";
    options.grading.quiet = true;
    options.grading.tsan = false;
    options.grading.only = graded_exercises;
    return options;
}

std::map<std::string, std::vector<std::string>> rows_by_name(
    const std::vector<std::vector<std::string>>& records) {
    std::map<std::string, std::vector<std::string>> rows;
    for (std::size_t i = 1; i < records.size(); ++i)
        rows[records[i].front()] = records[i];
    return rows;
}

std::size_t column(const std::vector<std::string>& header, const std::string& name) {
    for (std::size_t i = 0; i < header.size(); ++i) {
        if (header[i] == name) return i;
    }
    FAIL("no column " << name << " in the gradebook");
    return 0;
}

/// The sum of a Gradescope result's max scores, in hundredths.
long max_score_hundredths(const nlohmann::json& results) {
    long total = 0;
    for (const auto& test : results.at("tests"))
        total += std::lround(test.at("max_score").get<double>() * 100);
    return total;
}

const fs::path class_out = scratch / "class-results";

/// The statuses that cost points, one gradebook column each.
const std::vector<std::string> costly_statuses{"failed", "timeout", "crashed", "race",
                                               "flaky", "no_result", "build_error", "tampered"};

}  // namespace

TEST_CASE(
    "a class of three is graded into a gradebook, Gradescope results and a summary page, and "
    "resumes") {
    fs::remove_all(class_out);
    const fs::path class_dir = three_submissions();
    const course::ClassResult result =
        course::grade_class(context(), class_options(class_dir, class_out));
    CHECK(result.graded == 3);
    CHECK(result.reused == 0);
    CHECK(result.not_graded == 0);

    const std::string gradebook = course::read_file(class_out / "gradebook.csv");
    const auto records = parse_csv(gradebook);
    REQUIRE(records.size() == 4);  // the header and one row per submission
    const auto rows = rows_by_name(records);
    const std::string chapter_01 = "chapter 01, \"solved\" <b>";
    REQUIRE(rows.count(chapter_01) == 1);
    REQUIRE(rows.count("untouched") == 1);
    REQUIRE(rows.count("all solved") == 1);
    const auto& header = records.front();
    const std::size_t exercises =
        course::exercises_to_grade(context().course, graded_exercises).size();
    CHECK(exercises == 5);
    CHECK(header.size() == exercises + 12);  // name, exercises, total, max, 8 statuses, problem
    for (const std::string& status : costly_statuses) {
        CAPTURE(status);
        CHECK(std::find(header.begin(), header.end(), status) != header.end());
    }
    const std::size_t total = column(header, "total");
    CHECK(std::lround(std::stod(rows.at("all solved")[total]) * 100) == graded_hundredths());
    CHECK(std::lround(std::stod(rows.at(chapter_01)[total]) * 100) ==
          graded_hundredths("01_processes"));
    CHECK(std::stod(rows.at("untouched")[total]) == 0);
    // The pristine course scores zero with every case failing cleanly: failed, never a
    // timeout, a crash or no result.
    CHECK(std::stoi(rows.at("untouched")[column(header, "failed")]) > 0);
    for (const std::string& status : costly_statuses) {
        if (status == "failed") continue;
        CAPTURE(status);
        CHECK(rows.at("untouched")[column(header, status)] == "0");
    }
    CHECK(rows.at("all solved")[column(header, "failed")] == "0");
    CHECK(rows.at(chapter_01)[column(header, "01/exit_code")] !=
          rows.at("untouched")[column(header, "01/exit_code")]);

    for (const char* file :
         {"untouched.json", "all_solved.json", "chapter_01___solved___b_.json"}) {
        CAPTURE(file);
        REQUIRE(fs::exists(class_out / file));
        const auto results = nlohmann::json::parse(course::read_file(class_out / file));
        CHECK(max_score_hundredths(results) == graded_hundredths());
    }
    CHECK(
        nlohmann::json::parse(course::read_file(class_out / "all_solved.json")).at("score").get<double>() *
            100 ==
        doctest::Approx(static_cast<double>(graded_hundredths())));

    const std::string summary = course::read_file(class_out / "summary.html");
    CHECK(summary.find("<svg id=\"histogram\"") != std::string::npos);
    CHECK(summary.find("<table id=\"exercises\"") != std::string::npos);
    CHECK(summary.find("<table id=\"failed-cases\"") != std::string::npos);
    CHECK(summary.find("chapter 01, &quot;solved&quot; &lt;b&gt;") != std::string::npos);
    // Self-contained: nothing to fetch, nothing to run.
    CHECK(summary.find("<script") == std::string::npos);
    CHECK(summary.find("http") == std::string::npos);

    // A second run finds every result in place, from the same files, and grades nothing.
    const course::ClassResult again =
        course::grade_class(context(), class_options(class_dir, class_out));
    CHECK(again.graded == 0);
    CHECK(again.reused == 3);
    CHECK(course::read_file(class_out / "gradebook.csv") == gradebook);
}

TEST_CASE("a submission that does not compile gets its row with the reason; the others go on") {
    const fs::path class_dir = scratch / "class-broken";
    const fs::path out = scratch / "class-broken-results";
    fs::remove_all(class_dir);
    fs::remove_all(out);
    fs::create_directories(class_dir / "broken" / "01_processes");
    std::ofstream(class_dir / "broken" / "01_processes" / "exit_code.hpp") << "this is not C++\n";
    fs::create_directories(class_dir / "fine");
    fs::copy(source / "solutions" / "01_processes", class_dir / "fine",
             fs::copy_options::recursive);
    course::ClassOptions options = class_options(class_dir, out);
    options.grading.only = {"01/exit_code"};
    const course::ClassResult result = course::grade_class(context(), options);
    REQUIRE(result.rows.size() == 2);
    const auto records = parse_csv(course::read_file(out / "gradebook.csv"));
    REQUIRE(records.size() == 3);
    const auto rows = rows_by_name(records);
    const auto& header = records.front();
    CHECK(rows.at("broken")[column(header, "build_error")] == "1");
    CHECK(rows.at("broken")[column(header, "problem")].find("01/exit_code does not build") !=
          std::string::npos);
    const double points = context().course.select("01/exit_code").front()->points;
    CHECK(std::stod(rows.at("fine")[column(header, "total")]) == points);
    const auto broken = nlohmann::json::parse(course::read_file(out / "broken.json"));
    CHECK(broken.at("score").get<double>() == 0);
    CHECK(max_score_hundredths(broken) == std::lround(points * 100));
}

#if defined(COURSE_CHROMIUM)
TEST_CASE("the class summary opens in a browser, with its histogram and its tables") {
    if (!fs::exists(scratch / "class")) three_submissions();
    // The first case's class and results: graded again only if that case has not run.
    course::grade_class(context(), class_options(scratch / "class", class_out));
    const fs::path page = class_out / "summary.html";
    const std::string profile =
        (scratch / ("chromium-profile-" + std::to_string(getpid()))).string();
    std::string command = std::string("'") + COURSE_CHROMIUM +
                          "' --headless --disable-gpu --no-first-run "
                          "--disable-background-networking --user-data-dir='" +
                          profile + "'" + (geteuid() == 0 ? " --no-sandbox" : "") +
                          " --dump-dom 'file://" + page.string() + "' 2>/dev/null";
    FILE* browser = popen(command.c_str(), "r");
    REQUIRE(browser != nullptr);
    std::string dom;
    char chunk[4096];
    for (std::size_t n; (n = fread(chunk, 1, sizeof chunk, browser)) > 0;)
        dom.append(chunk, n);
    CHECK(pclose(browser) == 0);
    fs::remove_all(profile);
    CHECK(dom.find("id=\"histogram\"") != std::string::npos);
    CHECK(dom.find("<rect class=\"bin\"") != std::string::npos);
    CHECK(dom.find("<table id=\"exercises\"") != std::string::npos);
    CHECK(dom.find("<table id=\"submissions\"") != std::string::npos);
    CHECK(dom.find("all solved") != std::string::npos);
}
#endif
