// test_screening.cpp: submitted files read without following links, and screened for what would rewrite the tests or reach other files.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "screening.hpp"
#include "text.hpp"

namespace fs = std::filesystem;
using course::identifiers_in;
using course::read_submitted_file;
using course::screen_source;
using course::test_cases_in;

namespace {

const fs::path source = COURSE_SOURCE_DIR;

/// The names the tests use, as the grader collects them (here: one test file and doctest's).
const std::set<std::string> names{"CHECK", "REQUIRE", "TEST_CASE", "private", "call", "std"};

/// A fresh folder for one test's files.
fs::path fresh(const std::string& name) {
    const fs::path dir = fs::temp_directory_path() / ("course-screening-" + std::to_string(getpid())) / name;
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

}  // namespace

TEST_CASE("every stub and every solution passes the screening") {
    for (const char* tree : {"exercises", "solutions"}) {
        for (const auto& entry : fs::recursive_directory_iterator(source / tree)) {
            if (entry.path().extension() != ".hpp") continue;
            const std::string text = course::read_file(entry.path());
            // The names their own tests use: what the grader protects for each exercise.
            std::set<std::string> used = names;
            const fs::path test = source / "tests" / entry.path().parent_path().filename() /
                                  ("test_" + entry.path().stem().string() + ".cpp");
            if (fs::exists(test)) used = identifiers_in(course::read_file(test));
            CAPTURE(entry.path());
            CHECK(screen_source(text, used) == "");
        }
    }
}

TEST_CASE("redefining a name the tests use is refused, however it is spelled") {
    for (const char* text : {"#define CHECK(...) ((void)0)", "#undef REQUIRE", "  #  define private public",
                             "%:define CHECK(x)", "#\\\ndefine CHECK(x)", "# /* x */ define CHECK(x)",
                             "#define DOCTEST_CHECK(x)", "#de\\\nfine CHECK(x)"}) {
        CAPTURE(text);
        CHECK(screen_source(text, names).find("may not redefine") != std::string::npos);
    }
    // Names of its own, include guards and macros in comments or strings are fine.
    CHECK(screen_source("#ifndef MY_GUARD\n#define MY_GUARD\n#define SLOTS 8\n#endif", names) == "");
    CHECK(screen_source("// #define CHECK(x)\n/* #undef REQUIRE */\nconst char* s = \"#define CHECK\";", names) == "");
    CHECK(screen_source("auto s = R\"(\n#define CHECK(x)\n)\";", names) == "");
}

TEST_CASE("includes that leave the submission, name the solutions or are computed are refused") {
    for (const char* text : {"#include \"/etc/shadow\"", "#include </etc/shadow>", "#include \"../../etc/passwd\"",
                             "#include \"a/../../b.hpp\"", "#include \"solutions/01_processes/exit_code.hpp\"",
                             "#include WHERE", "#include_next <vector>", "#line 1 \"/etc/shadow\"",
                             "# 1 \"/etc/shadow\"", "%:include \"/etc/shadow\""}) {
        CAPTURE(text);
        CHECK(screen_source(text, names) != "");
    }
    CHECK(screen_source("#include <vector>\n#include \"exit_code.hpp\"\n#include <sys/wait.h>", names) == "");
}

TEST_CASE("inline assembly, which can pull any file into the binary, is refused") {
    CHECK(screen_source("asm(\"nop\");", names) != "");
    CHECK(screen_source("__asm__ volatile(\"\");", names) != "");
    CHECK(screen_source("const char* s = \".INCBIN\";", names) != "");
    CHECK(screen_source("int spasm = 1;  // a name that merely contains asm", names) == "");
}

TEST_CASE("the test cases come from the test source") {
    const auto cases = test_cases_in(
        "TEST_CASE(\"one\") {}\n// TEST_CASE(\"commented out\")\n"
        "TEST_CASE(\n    \"two \" \"parts\" * doctest::timeout(5)) {}\n"
        "TEST_CASE(\"a \\\"quoted\\\" word\") {}\nSCENARIO(\"story\") {}\nTEST_CASE_FIXTURE(F, \"fixed\") {}\n"
        "const char* s = \"TEST_CASE(\\\"not one\\\")\";");
    REQUIRE(cases);
    CHECK(*cases == std::vector<std::string>{"one", "two parts", "a \"quoted\" word", "  Scenario: story", "fixed"});
    CHECK_FALSE(test_cases_in("TEST_CASE_TEMPLATE(\"t\", T, int) {}"));
    // Every test source of the course: its cases are read, one per TEST_CASE.
    for (const auto& entry : fs::recursive_directory_iterator(source / "tests")) {
        const std::string name = entry.path().filename().string();
        if (name.rfind("test_", 0) != 0 || entry.path().extension() != ".cpp" ||
            entry.path().parent_path().filename().string().size() < 3 ||
            !std::isdigit(static_cast<unsigned char>(entry.path().parent_path().filename().string()[0]))) {
            continue;
        }
        CAPTURE(entry.path());
        const auto found = test_cases_in(course::read_file(entry.path()));
        REQUIRE(found);
        CHECK_FALSE(found->empty());
    }
}

TEST_CASE("a submitted file is read only when it is a regular file, reached without links") {
    const fs::path dir = fresh("files");
    fs::create_directories(dir / "01_processes");
    std::ofstream(dir / "01_processes" / "exit_code.hpp") << "int x;";
    CHECK(read_submitted_file(dir, "01_processes/exit_code.hpp", 1 << 20).content == "int x;");
    CHECK(read_submitted_file(dir, "01_processes/exit_code.hpp", 3).problem.find("larger") != std::string::npos);

    fs::create_symlink("/etc/hostname", dir / "linked.hpp");
    const auto linked = read_submitted_file(dir, "linked.hpp", 1 << 20);
    CHECK(linked.problem.find("symbolic link") != std::string::npos);
    CHECK(linked.content.empty());

    fs::create_directory_symlink(dir / "01_processes", dir / "folder_link");
    CHECK(read_submitted_file(dir, "folder_link/exit_code.hpp", 1 << 20).problem != "");

    REQUIRE(mkfifo((dir / "fifo.hpp").c_str(), 0600) == 0);  // opening it must not wait for a writer
    CHECK(read_submitted_file(dir, "fifo.hpp", 1 << 20).problem.find("not a regular file") != std::string::npos);
    CHECK(read_submitted_file(dir, "dev.hpp", 1 << 20).problem.find("not in the submission") != std::string::npos);
    CHECK(read_submitted_file(dir, "../outside.hpp", 1 << 20).problem != "");
    fs::remove_all(dir.parent_path());
}
