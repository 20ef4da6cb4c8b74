// test_grading.cpp: the grader against hostile submissions, and the files it writes for classrooms.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <string>

#include "build.hpp"
#include "grading.hpp"
#include "grading_context.hpp"
#include "kit.hpp"
#include "reports.hpp"
#include "text.hpp"

namespace fs = std::filesystem;
using course::Status;

namespace {

using grading_suite::context;
using grading_suite::scratch;
using grading_suite::source;

using course::read_file;

/// A fresh submission folder `name` made of every solution, for a test to spoil.
fs::path copy_of_solutions(const std::string& name) {
    const fs::path dir = scratch / "submissions" / name;
    fs::remove_all(dir);
    fs::create_directories(dir);
    fs::copy(source / "solutions", dir, fs::copy_options::recursive);
    return dir;
}

/// A submission made of every solution, with the function call() of exit_code.hpp
/// starting with `hostile` code (which runs in every test case of that exercise).
fs::path submission_with(const std::string& name, const std::string& hostile) {
    const fs::path dir = copy_of_solutions(name);
    const fs::path file = dir / "01_processes" / "exit_code.hpp";
    std::string text = read_file(file);
    const std::string opening = "inline int call(const std::vector<std::string>& argv) {\n";
    const auto at = text.find(opening);
    REQUIRE(at != std::string::npos);
    text.insert(at + opening.size(), hostile + "\n");
    text.insert(0, "#include <sys/mman.h>\n#include <sys/socket.h>\n#include <unistd.h>\n#include <csignal>\n#include <cstdio>\n#include <cstdlib>\n#include <string>\n");
    std::ofstream(file) << text;
    return dir;
}

/// The name of exit_code's first test case, read from its test file: first_case() reads the
/// verdict of that case.
std::string first_case_name() {
    const std::string tests = read_file(source / "tests" / "01_processes" / "test_exit_code.cpp");
    const std::string opening = "TEST_CASE(\"";
    const auto from = tests.find(opening);
    REQUIRE(from != std::string::npos);
    const auto to = tests.find("\")", from);
    REQUIRE(to != std::string::npos);
    const std::string name = tests.substr(from + opening.size(), to - from - opening.size());
    // Its literal text is its name: no escape, nothing doctest's filter reads as a wildcard.
    REQUIRE(name.find_first_of("\\*?,[]") == std::string::npos);
    return name;
}

/// As submission_with(), but the hostile code runs in exit_code's first test case only, which
/// the grader runs as a process of its own (its command line names it): a submission that
/// hangs costs one time limit, not one per case.
fs::path submission_with_first_case(const std::string& name, const std::string& hostile) {
    return submission_with(
        name, "static const bool first_case = [] {\n"
              "    std::string line;\n"
              "    if (std::FILE* f = std::fopen(\"/proc/self/cmdline\", \"r\")) {\n"
              "        for (int c; (c = std::fgetc(f)) != EOF;) line += static_cast<char>(c);\n"
              "        std::fclose(f);\n"
              "    }\n"
              "    return line.find(\"--test-case=" + first_case_name() + "\") != std::string::npos;\n"
              "}();\n"
              "if (first_case) { " + hostile + " }");
}

/// Grades exit_code, the target of the hostile code, and workers, which must not notice.
course::GradeReport grade(const fs::path& submission, std::vector<std::string> only = {"01/exit_code", "01/workers"},
                          bool tsan = false, int repeat = 1, const fs::path& hidden_tests = {}) {
    course::GradeOptions options;
    options.submission = submission;
    options.repeat = repeat;
    options.hidden_tests = hidden_tests;
    options.only = std::move(only);
    options.work_dir = scratch / "work";
    options.quiet = true;
    options.tsan = tsan;
    options.time_limit = 3;
    return course::grade(context(), options);
}

const course::GradedExercise& exercise(const course::GradeReport& report, const std::string& id) {
    for (const auto& e : report.exercises) {
        if (e.exercise->id() == id) return e;
    }
    FAIL("no exercise " << id << " in the report");
    throw std::logic_error("unreachable");
}

/// The verdict of exit_code's first test case, which every hostile variant reaches.
Status first_case(const course::GradeReport& report) {
    const auto& e = exercise(report, "01/exit_code");
    REQUIRE_FALSE(e.cases.empty());
    return e.cases.front().result.status;
}

/// Processes still running one of this process's graded test binaries: the grader copies
/// them into /tmp/course-grade-<its pid>/bin/, so that path is in every command line (and in
/// no other test's, which may run exercise binaries of its own meanwhile).
int graded_processes_alive() {
    const std::string ours = "/course-grade-" + std::to_string(getpid()) + "/bin/exercise.01.";
    int count = 0;
    for (const auto& entry : fs::directory_iterator("/proc")) {
        const std::string cmdline = read_file(entry.path() / "cmdline");
        if (cmdline.find(ours) != std::string::npos) ++count;
    }
    return count;
}

/// What every hostile submission must leave intact: the other exercise, and the machine.
void check_contained(const course::GradeReport& report) {
    const auto& workers = exercise(report, "01/workers");
    CHECK(workers.status == Status::passed);
    CHECK(workers.score == doctest::Approx(workers.max_score));
    CHECK(graded_processes_alive() == 0);
}

}  // namespace

TEST_CASE("a submission made of the solutions scores full marks, ThreadSanitizer included") {
    course::GradeOptions options;
    options.submission = source / "solutions";
    options.work_dir = scratch / "work";
    options.quiet = true;
    const auto report = course::grade(context(), options);
    CHECK(report.tsan);
    CHECK(report.score == doctest::Approx(report.max_score));
    for (const auto& e : report.exercises) {
        CAPTURE(e.exercise->id());
        CHECK(e.status == Status::passed);
    }
}

TEST_CASE("a deadlock is a timeout, with where the program was stuck (in the sandbox too)") {
    const auto report = grade(submission_with_first_case("deadlock", "int never[2]; if (pipe(never) == 0) { char c; (void)!read(never[0], &c, 1); }"));
    CHECK(first_case(report) == Status::timeout);
    CHECK(exercise(report, "01/exit_code").cases.front().points == 0);
    CHECK(exercise(report, "01/exit_code").score < exercise(report, "01/exit_code").max_score);
    // It ran for its whole time, and the report says so.
    CHECK(exercise(report, "01/exit_code").cases.front().result.seconds >= 3.0);
    // The debugger reaches the program below the sandbox's wrapper, as its own user.
    const std::string& details = exercise(report, "01/exit_code").cases.front().result.details;
    CAPTURE(report.isolation.kind);
    CHECK(details.find("blocked in read()") != std::string::npos);
    CHECK(details.find("in course::call() at exit_code.hpp:") != std::string::npos);
    check_contained(report);
}

TEST_CASE("an endless loop is a timeout") {
    const auto report = grade(submission_with_first_case("loop", "for (volatile int spin = 0;; spin = spin + 1) {}"));
    CHECK(first_case(report) == Status::timeout);
    check_contained(report);
}

TEST_CASE("a loop of fork() is contained and swept") {
    const auto report = grade(submission_with_first_case("fork_loop", "for (;;) (void)fork();"));
    const Status status = first_case(report);
    CHECK((status == Status::timeout || status == Status::crashed));
    check_contained(report);
}

TEST_CASE("a 4 GiB allocation fails inside the submission, not on the machine") {
    const auto report = grade(submission_with("allocation", "std::vector<char> big(std::size_t{4} << 30, 'x'); (void)big;"));
    const Status status = first_case(report);
    CHECK((status == Status::failed || status == Status::crashed));
    check_contained(report);
}

TEST_CASE("a gigabyte of output is stopped") {
    const auto report = grade(submission_with(
        "output", "static const std::string line(1 << 20, 'x'); for (int i = 0; i < 1024; ++i) std::fwrite(line.data(), 1, line.size(), stdout);"));
    const auto& first = exercise(report, "01/exit_code").cases.front().result;
    CHECK(first.status == Status::failed);
    CHECK(first.explanation.find("MiB") != std::string::npos);
    CHECK(first.output.size() <= 64u << 10);
    check_contained(report);
}

TEST_CASE("a child that calls setsid and sleeps does not outlive the grading") {
    const auto report = grade(submission_with("setsid", "if (fork() == 0) { setsid(); for (;;) pause(); }"));
    // The escapee is still exit_code's child, so "no child is left behind" fails.
    CHECK(exercise(report, "01/exit_code").status == Status::failed);
    check_contained(report);
}

TEST_CASE("exit(0) before the tests report is no_result, not a pass") {
    const auto report = grade(submission_with("early_exit", "std::exit(0);"));
    CHECK(first_case(report) == Status::no_result);
    CHECK(exercise(report, "01/exit_code").score == 0);
    check_contained(report);
}

TEST_CASE("a segfault is a crash, with its signal") {
    const auto report = grade(submission_with("segfault", "*static_cast<volatile int*>(nullptr) = 1;"));
    const auto& first = exercise(report, "01/exit_code").cases.front().result;
    CHECK(first.status == Status::crashed);
    CHECK(first.explanation.find("SIGSEGV") != std::string::npos);
    check_contained(report);
}

TEST_CASE("a compile error costs only its own exercise, and its message is in the report") {
    const auto report = grade(submission_with("compile_error", "this is not C++;"));
    const auto& e = exercise(report, "01/exit_code");
    CHECK(e.status == Status::build_error);
    CHECK(e.score == 0);
    CHECK(e.problem.find("error") != std::string::npos);
    CHECK(e.problem.find("exit_code.hpp") != std::string::npos);
    check_contained(report);
}

TEST_CASE("a connection attempt to 127.0.0.1 never reaches the machine's loopback") {
    const int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    REQUIRE(listener >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(listen(listener, 16) == 0);
    socklen_t length = sizeof address;
    REQUIRE(getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    const std::string port = std::to_string(ntohs(address.sin_port));
    const auto report = grade(submission_with(
        "network", "{ int s = ::socket(2, 1, 0); unsigned char a[16] = {2, 0, static_cast<unsigned char>(" + port +
                       " >> 8), static_cast<unsigned char>(" + port +
                       " & 255), 127, 0, 0, 1}; ::connect(s, reinterpret_cast<const struct sockaddr*>(a), 16); "
                       "(void)::send(s, \"stolen\", 6, MSG_NOSIGNAL); ::close(s); }"));
    if (report.isolation.kind == "bubblewrap") {
        CHECK(accept(listener, nullptr, nullptr) == -1);  // nothing is waiting: no connection arrived
        CHECK(first_case(report) == Status::passed);
    } else {
        MESSAGE("no sandbox here (" << report.isolation.reason << "): the network is not fenced off");
    }
    close(listener);
    check_contained(report);
}

TEST_CASE("a write outside the work folder does not happen") {
    const fs::path outside = scratch / "written-by-a-submission";
    const fs::path in_tmp = "/tmp/course-written-by-a-submission";
    fs::remove(outside);
    fs::remove(in_tmp);
    const auto report = grade(submission_with(
        "write_outside", "for (const char* path : {\"" + outside.string() + "\", \"" + in_tmp.string() +
                             "\"}) { if (std::FILE* f = std::fopen(path, \"w\")) { std::fputs(\"x\", f); std::fclose(f); } }"));
    CHECK_FALSE(fs::exists(outside));
    if (report.isolation.kind == "bubblewrap") CHECK_FALSE(fs::exists(in_tmp));
    CHECK(first_case(report) == Status::passed);
    check_contained(report);
}

TEST_CASE("a data race that passes by luck is graded as a race, not a pass") {
    // A known-wrong stoppable_workers: its stop flag is a plain bool written by one thread
    // and read by the others. Unoptimised, the plain run passes; ThreadSanitizer sees the race.
    const fs::path dir = copy_of_solutions("race");
    const fs::path target = dir / "02_threads" / "stoppable_workers.hpp";
    const fs::path diff = source / "tests" / "mutants" / "02_threads" / "plain_bool_stop_flag" / "stoppable_workers.hpp.diff";
    const std::string apply = "patch --silent --fuzz=0 --no-backup-if-mismatch '" + target.string() + "' '" + diff.string() + "'";
    REQUIRE(std::system(apply.c_str()) == 0);
    const auto report = grade(dir, {"02/stoppable_workers", "01/workers"}, true);
    const auto& racy = exercise(report, "02/stoppable_workers");
    CHECK(racy.status == Status::race);
    CHECK(racy.score < racy.max_score);
    bool reported = false;
    for (const auto& c : racy.cases) {
        if (c.result.status == Status::race) {
            reported = true;
            CHECK(c.result.details.find("data race") != std::string::npos);
        }
    }
    CHECK(reported);
    check_contained(report);
}

TEST_CASE("the Gradescope results carry the specification's fields") {
    const auto report = grade(submission_with("gradescope", ""), {"01/exit_code"});
    const auto json = nlohmann::json::parse(course::format_gradescope(report));
    for (const char* field : {"score", "execution_time", "output", "tests"}) CHECK(json.contains(field));
    REQUIRE(json["tests"].is_array());
    REQUIRE_FALSE(json["tests"].empty());
    for (const auto& test : json["tests"]) {
        for (const char* field : {"name", "score", "max_score", "status", "output", "tags", "visibility"}) {
            CAPTURE(field);
            CHECK(test.contains(field));
        }
        CHECK((test["status"] == "passed" || test["status"] == "failed"));
    }
    CHECK(json["score"].get<double>() ==
          doctest::Approx(context().course.select("01/exit_code").front()->points));
}

TEST_CASE("the JUnit report is valid XML, even with hostile output") {
    const auto report = grade(submission_with(
        "junit", "std::fputs(\"<oops> & \\\"quotes\\\" \\x01 \\xff\\xfe ]]>\", stdout); if (argv[0] == \"false\") return 0;"),
                              {"01/exit_code"});
    const fs::path file = scratch / "junit.xml";
    std::ofstream(file) << course::format_junit(report);
    REQUIRE_MESSAGE(std::system("command -v xmllint >/dev/null") == 0, "xmllint (libxml2-utils) checks the XML");
    CHECK(std::system(("xmllint --noout " + file.string()).c_str()) == 0);
    CHECK(read_file(file).find("<failure type=\"failed\"") != std::string::npos);
}

TEST_CASE("the student kit has no solution and no mutant, configures, and each chapter's first stub builds and fails") {
    const fs::path kit = scratch / "kit";
    fs::remove_all(kit);
    const auto& ctx = context();
    course::export_student_kit(ctx, kit, false);
    CHECK_FALSE(fs::exists(kit / "solutions"));
    CHECK_FALSE(fs::exists(kit / "tests" / "mutants"));
    CHECK(fs::exists(kit / ".github" / "workflows" / "classroom.yml"));
    for (const auto& entry : fs::recursive_directory_iterator(kit)) {
        if (!entry.is_regular_file()) continue;
        const std::string text = read_file(entry.path());
        for (const auto& solution : fs::recursive_directory_iterator(source / "solutions")) {
            if (solution.is_regular_file()) CHECK_MESSAGE(text != read_file(solution.path()), entry.path().string());
        }
    }
    CHECK_THROWS_AS(course::export_student_kit(ctx, kit, false), course::UserError);  // not empty

    course::Limits limits;
    limits.wall = std::chrono::minutes(10);
    limits.file_bytes = 0;
    const auto configured = course::run_command(kit, {"cmake", "--preset", "dev", "-DCOURSE_BUILD_TOOLS=OFF"}, limits);
    REQUIRE_MESSAGE(configured.exit_code == 0, configured.output);
    // Configuring checked that every exercise has its files; one stub per chapter is built
    // and run, which reaches every chapter's tests and all of the test support.
    std::vector<const course::Exercise*> firsts;
    for (const auto* e : ctx.course.exercises()) {
        if (firsts.empty() || firsts.back()->chapter_dir != e->chapter_dir) firsts.push_back(e);
    }
    std::vector<std::string> ninja{"ninja", "-C", (kit / "build" / "dev").string()};
    for (const auto* e : firsts) ninja.push_back("exercise." + e->target_id());
    const auto built = course::run_command(kit, ninja, limits);
    REQUIRE_MESSAGE(built.exit_code == 0, built.output);
    for (const auto* e : firsts) {
        CAPTURE(e->id());
        const auto ran = course::run_command(kit, {(kit / "build" / "dev" / "tests" / "bin" / ("exercise." + e->target_id())).string()}, limits);
        CHECK(ran.ending == course::Ending::exited);
        CHECK(ran.exit_code != 0);
    }
}

TEST_CASE("the Gradescope autograder zip holds setup.sh and run_autograder at its top") {
    const fs::path zip = scratch / "autograder.zip";
    course::export_gradescope_zip(context(), zip, {});
    course::Limits limits;
    const auto listing = course::run_command(scratch, {"cmake", "-E", "tar", "tf", zip.string()}, limits);
    CHECK(listing.output.find("setup.sh\n") != std::string::npos);
    CHECK(listing.output.find("run_autograder\n") != std::string::npos);
    CHECK(listing.output.find("exercises/info.json") != std::string::npos);
    CHECK(listing.output.find("solutions/") == std::string::npos);
}

namespace {

/// A teacher's hidden tests for exit_code: `body` is the file after its includes.
fs::path hidden_tests(const std::string& name, const std::string& body) {
    const fs::path dir = scratch / "hidden" / name;
    fs::remove_all(dir);
    fs::create_directories(dir / "01_processes");
    std::ofstream(dir / "01_processes" / "test_exit_code.cpp")
        << "#include <doctest/doctest.h>\n#include \"exit_code.hpp\"\nusing course::call;\n" << body;
    return dir;
}

/// A submission whose call() says 0 for `false`: some public cases fail, the others pass.
fs::path half_right(const std::string& name) {
    return submission_with(name, "if (!argv.empty() && argv[0] == \"false\") return 0;");
}

std::vector<const course::GradedCase*> cases_of(const course::GradedExercise& e, bool hidden) {
    std::vector<const course::GradedCase*> found;
    for (const auto& c : e.cases) {
        if (c.hidden == hidden) found.push_back(&c);
    }
    return found;
}

/// A score as the reports write it: to the hundredth.
doctest::Approx as_written(double score) { return doctest::Approx(std::round(score * 100) / 100); }

/// How many times `part` occurs in `text`.
std::size_t occurrences(const std::string& text, const std::string& part) {
    std::size_t count = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++count;
    return count;
}

}  // namespace

TEST_CASE("hidden tests are graded beside the public ones, marked hidden, and share the points") {
    const fs::path hidden = hidden_tests("two_cases",
                                         "TEST_CASE(\"hidden: true still exits 0\") { CHECK(call({\"true\"}) == 0); }\n"
                                         "TEST_CASE(\"hidden: false exits 1\") { CHECK(call({\"false\"}) == 1); }\n");
    const auto report = grade(half_right("hidden"), {"01/exit_code"}, false, 1, hidden);
    const auto& e = exercise(report, "01/exit_code");
    const auto secret = cases_of(e, true);
    REQUIRE(secret.size() == 2);
    CHECK(secret[0]->result.name == "hidden: true still exits 0");
    CHECK(secret[0]->result.status == Status::passed);
    CHECK(secret[1]->result.name == "hidden: false exits 1");
    CHECK(secret[1]->result.status == Status::failed);
    CHECK(secret[1]->points == 0);
    const std::string public_tests = read_file(source / "tests" / "01_processes" / "test_exit_code.cpp");
    CHECK(cases_of(e, false).size() == occurrences(public_tests, "\nTEST_CASE("));
    // The exercise's points are shared among all its cases, the hidden ones included.
    double max = 0;
    double score = 0;
    for (const auto& c : e.cases) max += c.max_points, score += c.points;
    CHECK(max == doctest::Approx(e.max_score));
    CHECK(score == doctest::Approx(e.score));
    // An equal share, in hundredths of a point (the first cases take the hundredths left over).
    const double share = e.max_score / static_cast<double>(e.cases.size());
    CHECK(secret[0]->max_points >= std::floor(share * 100) / 100 - 1e-9);
    CHECK(secret[0]->max_points <= std::ceil(share * 100) / 100 + 1e-9);
    CHECK(secret[0]->points == doctest::Approx(secret[0]->max_points));

    const auto gradescope = nlohmann::json::parse(course::format_gradescope(report));
    int after_published = 0;
    for (const auto& test : gradescope["tests"]) after_published += test["visibility"] == "after_published" ? 1 : 0;
    CHECK(after_published == 2);
    CHECK(course::format_table(report, {}).find("[hidden] hidden: false exits 1") != std::string::npos);
    const auto json = nlohmann::json::parse(course::format_json(report));
    int marked = 0;
    for (const auto& c : json["exercises"][0]["cases"]) marked += c["hidden"] == true ? 1 : 0;
    CHECK(marked == 2);
}

TEST_CASE("hidden tests that do not compile against a submission are one failed hidden case, not a broken exercise") {
    const fs::path hidden = hidden_tests("broken", "TEST_CASE(\"uses what is not there\") { CHECK(course::no_such_call() == 0); }\n");
    const auto report = grade(copy_of_solutions("hidden_broken"), {"01/exit_code"}, false, 1, hidden);
    const auto& e = exercise(report, "01/exit_code");
    CHECK(e.problem.empty());
    const auto secret = cases_of(e, true);
    REQUIRE(secret.size() == 1);
    CHECK(secret[0]->result.status == Status::build_error);
    CHECK(secret[0]->result.explanation.find("do not compile") != std::string::npos);
    CHECK(secret[0]->points == 0);
    const auto open = cases_of(e, false);
    REQUIRE_FALSE(open.empty());
    for (const auto* c : open) CHECK(c->result.status == Status::passed);
    CHECK(e.score > 0);
    CHECK(e.score < e.max_score);
}

TEST_CASE("--repeat runs each case that many times and reports the runs and the passes") {
    const auto report = grade(half_right("repeat"), {"01/exit_code"}, false, 3);
    INFO(course::format_table(report, {}));
    CHECK(report.repeat == 3);
    const auto& e = exercise(report, "01/exit_code");
    REQUIRE_FALSE(e.cases.empty());
    int passed = 0;
    int failed = 0;
    for (const auto& c : e.cases) {
        CAPTURE(c.result.name);
        CHECK(c.result.runs == 3);
        // The same code every run: all or nothing, never flaky.
        if (c.result.status == Status::passed) {
            ++passed;
            CHECK(c.result.passes == 3);
        } else if (c.result.status == Status::failed) {
            ++failed;
            CHECK(c.result.passes == 0);
        }
    }
    CHECK(passed > 0);
    CHECK(failed > 0);
    CHECK(passed + failed == static_cast<int>(e.cases.size()));
    const auto json = nlohmann::json::parse(course::format_json(report));
    CHECK(json["repeat"] == 3);
    for (const auto& c : json["exercises"][0]["cases"]) CHECK(c["runs"] == 3);
}

TEST_CASE("every report format tells the same grade: table, JSON, Gradescope, JUnit") {
    const auto report = grade(half_right("formats"));
    INFO(course::format_table(report, {}));
    REQUIRE(exercise(report, "01/exit_code").status == Status::failed);
    REQUIRE(exercise(report, "01/workers").status == Status::passed);
    int cases = 0;
    int failures = 0;
    for (const auto& x : report.exercises) {
        for (const auto& c : x.cases) ++cases, failures += c.result.status == Status::passed ? 0 : 1;
    }
    REQUIRE(failures > 0);

    const std::string table = course::format_table(report, {});
    CHECK(table.find("01/exit_code") != std::string::npos);
    CHECK(table.find("01/workers") != std::string::npos);
    std::ostringstream total;
    total << std::fixed << std::setprecision(1) << "total " << report.score << " / " << report.max_score;
    CHECK(table.find(total.str()) != std::string::npos);
    CHECK(table.find('\033') == std::string::npos);  // no colour in a plain style

    const auto json = nlohmann::json::parse(course::format_json(report));
    CHECK(json["score"].get<double>() == as_written(report.score));
    CHECK(json["max_score"].get<double>() == as_written(report.max_score));
    REQUIRE(json["exercises"].size() == report.exercises.size());
    for (std::size_t i = 0; i < report.exercises.size(); ++i) {
        const auto& graded = report.exercises[i];
        const auto& written = json["exercises"][i];
        CHECK(written["exercise"] == graded.exercise->id());
        CHECK(written["status"] == course::to_string(graded.status));
        CHECK(written["score"].get<double>() == as_written(graded.score));
        REQUIRE(written["cases"].size() == graded.cases.size());
        for (std::size_t k = 0; k < graded.cases.size(); ++k) {
            CHECK(written["cases"][k]["name"] == graded.cases[k].result.name);
            CHECK(written["cases"][k]["status"] == course::to_string(graded.cases[k].result.status));
            CHECK(written["cases"][k]["hidden"] == false);
        }
    }

    const auto gradescope = nlohmann::json::parse(course::format_gradescope(report));
    CHECK(gradescope["score"].get<double>() == as_written(report.score));
    REQUIRE(gradescope["tests"].size() == static_cast<std::size_t>(cases));
    double sum = 0;
    int gradescope_failures = 0;
    for (const auto& test : gradescope["tests"]) {
        sum += test["score"].get<double>();
        gradescope_failures += test["status"] == "failed" ? 1 : 0;
    }
    CHECK(sum == doctest::Approx(report.score).epsilon(0.01));
    CHECK(gradescope_failures == failures);

    const fs::path junit = scratch / "formats.xml";
    std::ofstream(junit) << course::format_junit(report);
    const std::string xml = read_file(junit);
    const std::string totals = "\" tests=\"" + std::to_string(cases) + "\" failures=\"" + std::to_string(failures) + "\" errors=\"0\"";
    CHECK(xml.find("<testsuites name=\"" + report.course + totals) != std::string::npos);
    CHECK(occurrences(xml, "<testcase ") == static_cast<std::size_t>(cases));
    CHECK(occurrences(xml, "<failure ") == static_cast<std::size_t>(failures));
    if (std::system("command -v xmllint >/dev/null") == 0) {
        CHECK(std::system(("xmllint --noout " + junit.string()).c_str()) == 0);
    } else {
        MESSAGE("xmllint (libxml2-utils) is missing: the JUnit report's XML is not validated");
    }
}

TEST_CASE("--fail-under compares the score in percent with the threshold") {
    course::GradeReport report;
    report.max_score = 40;
    report.score = 30;
    CHECK(course::percent_of(report) == doctest::Approx(75));
    CHECK_FALSE(course::below(report, 75));
    CHECK(course::below(report, 75.5));
    CHECK_FALSE(course::below(report, 0));
    CHECK_FALSE(course::below(report, -1));  // no threshold given
    report.score = 40;
    CHECK_FALSE(course::below(report, 100));
    report.max_score = 0;
    report.score = 0;
    CHECK(course::below(report, 1));
}

// --- The trust boundary: what a submission may not do to the tests, the grader or the host ----

namespace {

/// A submission made of every solution, with exit_code.hpp replaced by `text`.
fs::path submission_of(const std::string& name, const std::string& text) {
    const fs::path dir = copy_of_solutions(name);
    std::ofstream(dir / "01_processes" / "exit_code.hpp") << text;
    return dir;
}

/// The stub of exit_code (every case fails) with `top` inserted after its #pragma once.
std::string stub_with_top(const std::string& top) {
    std::string text = read_file(source / "exercises" / "01_processes" / "exit_code.hpp");
    const auto at = text.find("#pragma once\n");
    REQUIRE(at != std::string::npos);
    return text.insert(at + 13, top + "\n");
}

/// Every text the report holds about exit_code, for what must never appear there.
std::string everything_said(const course::GradeReport& report) {
    const auto& e = exercise(report, "01/exit_code");
    std::string all = e.problem;
    for (const auto& c : e.cases) all += c.result.explanation + c.result.details + c.result.output;
    return all;
}

/// The number of test cases exit_code's test source defines.
std::size_t exit_code_cases() {
    const std::string text = read_file(source / "tests" / "01_processes" / "test_exit_code.cpp");
    std::size_t count = 0;
    for (auto at = text.find("TEST_CASE("); at != std::string::npos; at = text.find("TEST_CASE(", at + 1)) ++count;
    return count;
}

}  // namespace

TEST_CASE("a header that redefines the tests' macros never scores") {
    // The stub, which fails every case, with the checks turned into nothing, in every
    // spelling the preprocessor accepts.
    for (const std::string& trick : {std::string("#undef CHECK\n#define CHECK(...) ((void)0)"),
                                     std::string("%:  define REQUIRE(...) ((void)0)"),
                                     std::string("# /* a comment */ undef CHECK_THROWS_AS"),
                                     std::string("#\\\ndefine FAIL(...) ((void)0)"),
                                     std::string("#define DOCTEST_CHECK(...) ((void)0)"),
                                     std::string("#define private public")}) {
        CAPTURE(trick);
        const auto report = grade(submission_of("macros", stub_with_top(trick)), {"01/exit_code"});
        const auto& e = exercise(report, "01/exit_code");
        CHECK(e.score == 0);
        CHECK(e.problem.find("refused") != std::string::npos);
    }
}

TEST_CASE("a forged case listing or result stream never scores") {
    // A static initializer that writes a listing and a passing run on the report stream,
    // then leaves before the tests run; and one that writes passes after every case.
    const std::string forge =
        "#include <unistd.h>\n#include <string>\n"
        "inline const int forged = [] { const std::string lines = "
        "\"{\\\"event\\\":\\\"stream\\\",\\\"version\\\":3,\\\"pid\\\":1}\\n"
        "{\\\"event\\\":\\\"case\\\",\\\"name\\\":\\\"easy\\\"}\\n"
        "{\\\"event\\\":\\\"start\\\",\\\"name\\\":\\\"easy\\\"}\\n"
        "{\\\"event\\\":\\\"end\\\",\\\"name\\\":\\\"easy\\\",\\\"passed\\\":true,\\\"seconds\\\":0}\\n"
        "{\\\"event\\\":\\\"done\\\",\\\"cases\\\":1,\\\"failed\\\":0}\\n\"; "
        "for (int fd = 3; fd < 64; ++fd) (void)::write(fd, lines.data(), lines.size()); _exit(0); return 0; }();";
    const auto report = grade(submission_of("forged", stub_with_top(forge)), {"01/exit_code"});
    const auto& e = exercise(report, "01/exit_code");
    CHECK(e.score == 0);
    // Every case of the test source is there, failed or tampered: none is left out.
    CHECK(e.cases.size() == exit_code_cases());
    for (const auto& c : e.cases) CHECK(c.result.status != Status::passed);
}

TEST_CASE("an include of a root-only file, of the solution, or a linked file shows nothing and never scores") {
    for (const std::string& trick : {std::string("#include \"/etc/shadow\""),
                                     std::string("#include \"../../../../../../../../etc/shadow\""),
                                     std::string("#include \"solutions/01_processes/exit_code.hpp\""),
                                     std::string("#define WHERE \"/etc/shadow\"\n#include WHERE"),
                                     std::string("#line 1 \"/etc/shadow\"\nthis is not C++;"),
                                     std::string("__asm__(\".incbin \\\"/etc/shadow\\\"\");")}) {
        CAPTURE(trick);
        const auto report = grade(submission_of("include", trick), {"01/exit_code"});
        const auto& e = exercise(report, "01/exit_code");
        CHECK(e.score == 0);
        CHECK(e.problem.find("refused") != std::string::npos);
        CHECK(everything_said(report).find("root:") == std::string::npos);
    }
    const fs::path dir = copy_of_solutions("symlink");
    fs::remove(dir / "01_processes" / "exit_code.hpp");
    fs::create_symlink("/etc/shadow", dir / "01_processes" / "exit_code.hpp");
    const auto linked = grade(dir, {"01/exit_code"});
    CHECK(exercise(linked, "01/exit_code").score == 0);
    CHECK(exercise(linked, "01/exit_code").problem.find("symbolic link") != std::string::npos);
    CHECK(everything_said(linked).find("root:") == std::string::npos);
}

TEST_CASE("files named like ThreadSanitizer's logs, links and FIFOs in the run folder change nothing") {
    const std::string plant =
        "std::system(\"ln -s /etc/shadow tsan.1; ln -s /dev/zero tsan.2; mkfifo tsan.3; "
        "echo 'WARNING: ThreadSanitizer: data race (forged)' > tsan.4\");";
    const auto report = grade(submission_with("planted", plant), {"01/exit_code"}, true);
    const auto& e = exercise(report, "01/exit_code");
    CHECK(e.status == Status::passed);
    CHECK(e.score == doctest::Approx(e.max_score));
    CHECK(everything_said(report).find("root:") == std::string::npos);
    CHECK(everything_said(report).find("forged") == std::string::npos);
}

TEST_CASE("the compiler sees the submission, the course's tests and the system: not the solutions, not the machine") {
    // __has_include asks the compiler whether a file exists: inside the build's sandbox, the
    // machine's own files and the course's solutions do not.
    const std::string solution = (source / "solutions" / "01_processes" / "exit_code.hpp").string();
    const std::string hostile = "\n#if __has_include(\"/etc/hostname\") || __has_include(\"" + solution +
                                "\")\n    return 99;\n#endif\n";
    const auto report = grade(submission_with("has_include", hostile), {"01/exit_code"});
    if (report.isolation.kind == "bubblewrap") {
        CHECK(first_case(report) == Status::passed);
        CHECK(exercise(report, "01/exit_code").score == doctest::Approx(exercise(report, "01/exit_code").max_score));
    } else {
        MESSAGE("no sandbox here (" << report.isolation.reason << "): the compiler sees the machine");
    }
}

TEST_CASE("a case's memory is bounded for all its processes together, shared memory included") {
    // Only in the first case (call({"true"})): 3 GiB of shared memory, which no per-process
    // limit counts. With the grader's cgroups the kernel kills the case at 2 GiB; the case
    // never passes either way (on a slow machine its time runs out first).
    const std::string hostile =
        "if (argv.size() == 1 && argv[0] == \"true\") { const std::size_t size = std::size_t{3} << 30; "
        "void* shared = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0); "
        "if (shared == MAP_FAILED) return 0; "
        "for (std::size_t at = 0; at < size; at += 4096) static_cast<volatile char*>(shared)[at] = 1; "
        "return 99; }";
    const auto report = grade(submission_with("shared_memory", hostile), {"01/exit_code"});
    const course::CaseResult& first = exercise(report, "01/exit_code").cases.front().result;
    CAPTURE(first.explanation);
    CHECK(first.status != Status::passed);
    const std::string& groups = report.isolation.resource_groups;
    if (groups.find("each case in a cgroup") != std::string::npos) {
        const bool killed = first.explanation.find("more memory than its limit") != std::string::npos;
        CHECK((first.status == Status::timeout) != killed);
    } else {
        CHECK(groups.find("no cgroup (") == 0);
        MESSAGE("no cgroup here: " << groups);
    }
    // The cases that never call call({"true"}) are untouched by it.
    CHECK(exercise(report, "01/exit_code").score > 0);
    CHECK(graded_processes_alive() == 0);
}

TEST_CASE("a host Unix socket is out of reach, and shared memory, /dev and the run folder are bounded") {
    const fs::path socket_path = scratch / "host.sock";
    fs::remove(socket_path);
    const int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    REQUIRE(listener >= 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof address.sun_path, "%s", socket_path.c_str());
    REQUIRE(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(listen(listener, 16) == 0);
    fs::permissions(socket_path, fs::perms::all);
    // exit_code's call() returns 99 when any of these succeeds: then its first case fails.
    const std::string hostile =
        "{ std::signal(SIGXFSZ, SIG_IGN); int reached = 0; int s = ::socket(1, 1, 0); unsigned char a[110] = {1, 0}; "
        "std::snprintf(reinterpret_cast<char*>(a) + 2, 108, \"%s\", \"" + socket_path.string() + "\"); "
        "if (::connect(s, reinterpret_cast<const struct sockaddr*>(a), 110) == 0) reached = 1; ::close(s); "
        "static char block[1 << 20]; "
        "for (const char* path : {\"/dev/shm/filler\", \"/dev/filler\", \"./filler\", \"/tmp/filler\"}) { "
        "std::FILE* f = std::fopen(path, \"w\"); if (!f) continue; int written = 0; "
        "while (written < 512 && std::fwrite(block, 1, sizeof block, f) == sizeof block) ++written; "
        "if (std::fflush(f) == 0 && written == 512) reached = 1; std::fclose(f); std::remove(path); } "
        "if (reached) return 99; }";
    const auto report = grade(submission_with("bounded", hostile), {"01/exit_code"});
    if (report.isolation.kind == "bubblewrap") {
        CHECK(accept(listener, nullptr, nullptr) == -1);
        CHECK(first_case(report) == Status::passed);
    } else {
        MESSAGE("no sandbox here (" << report.isolation.reason << "): the host is not fenced off");
    }
    close(listener);
    fs::remove(socket_path);
}
