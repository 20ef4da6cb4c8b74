// screening.hpp: what a submitted file may be, and may ask of the compiler, checked before anything builds it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace course {

/// A submitted file as the grader read it: its bytes, or why it was refused.
struct SubmittedFile {
    std::string content;
    std::string problem;  ///< empty when the file is fine
};

/// Reads `root / relative` without following any symbolic link on the way (each folder and
/// the file itself are opened with O_NOFOLLOW) and without blocking on a FIFO or a device:
/// only a regular file of at most `max_bytes` is read. `root` itself is trusted (it is the
/// folder the grader was given).
///
///     const SubmittedFile f = read_submitted_file("/sub", "01_processes/exit_code.hpp", 1 << 20);
///     if (!f.problem.empty()) refuse(f.problem);
SubmittedFile read_submitted_file(const std::filesystem::path& root, const std::filesystem::path& relative,
                                  std::uintmax_t max_bytes);

/// Every identifier in a C++ text (letters, digits and '_', not starting with a digit).
std::set<std::string> identifiers_in(std::string_view text);

/// What a submitted source asks of the preprocessor and the compiler that a submission may
/// not: to #define or #undef a name the tests use (`protected_names`; every DOCTEST_ name
/// too), to #include a file by an absolute path, through "..", from solutions/ or by a
/// computed name, #include_next, #embed, #line and line markers (which make the compiler
/// quote another file), and inline assembly (which can pull any file into the binary).
/// Comments and line continuations are read as the preprocessor reads them; the `%:`
/// digraph counts as '#'. Returns one line per problem, empty when there is none.
std::string screen_source(std::string_view text, const std::set<std::string>& protected_names);

/// The names of the test cases a doctest source defines, in order: TEST_CASE("..."),
/// TEST_CASE_FIXTURE(fixture, "...") and SCENARIO("...") (which doctest names
/// "  Scenario: ..."), adjacent literals joined and escapes read. Nothing when the source
/// uses a case macro whose names cannot be read from the text (the template kinds).
///
///     test_cases_in("TEST_CASE(\"a\" \"b\") {}")  // {"ab"}
std::optional<std::vector<std::string>> test_cases_in(std::string_view source);

}  // namespace course
