// test_code_shape.cpp: the course tool stays readable: short functions, no build names spelled twice.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

std::string read(const fs::path& path) {
    std::ifstream file(path);
    return {std::istreambuf_iterator<char>(file), {}};
}

std::vector<fs::path> files_under(const fs::path& folder, const std::vector<std::string>& extensions) {
    std::vector<fs::path> found;
    for (const auto& entry : fs::recursive_directory_iterator(folder)) {
        for (const std::string& extension : extensions) {
            if (entry.is_regular_file() && entry.path().extension() == extension) found.push_back(entry.path());
        }
    }
    return found;
}

/// The source with comments, string and character literals blanked (line breaks kept),
/// so that braces and words inside them do not count.
std::string code_only(const std::string& text) {
    std::string out = text;
    enum { code, line_comment, block_comment, string, character, raw } state = code;
    std::string raw_end;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        const char next = i + 1 < text.size() ? text[i + 1] : '\0';
        const auto blank = [&](std::size_t at) {
            if (out[at] != '\n') out[at] = ' ';
        };
        switch (state) {
            case code:
                if (c == '/' && next == '/') state = line_comment, blank(i);
                else if (c == '/' && next == '*') state = block_comment, blank(i);
                else if (c == 'R' && next == '"' && (i == 0 || !std::isalnum(static_cast<unsigned char>(text[i - 1])))) {
                    const std::size_t open = text.find('(', i);
                    raw_end = ")" + text.substr(i + 2, open - i - 2) + "\"";
                    for (std::size_t k = i; k <= open; ++k) blank(k);
                    i = open;
                    state = raw;
                } else if (c == '"') state = string;
                else if (c == '\'' && !(i > 0 && std::isxdigit(static_cast<unsigned char>(text[i - 1])))) state = character;
                break;
            case line_comment:
                if (c == '\n') state = code;
                else blank(i);
                break;
            case block_comment:
                blank(i);
                if (c == '*' && next == '/') blank(i + 1), ++i, state = code;
                break;
            case string:
            case character:
                if (c == '\\') blank(i), blank(i + 1), ++i;
                else if ((state == string && c == '"') || (state == character && c == '\'')) state = code;
                else blank(i);
                break;
            case raw:
                if (text.compare(i, raw_end.size(), raw_end) == 0) {
                    i += raw_end.size() - 1;
                    state = code;
                } else {
                    blank(i);
                }
                break;
        }
    }
    return out;
}

struct Function {
    int first_line;
    int lines;
};

/// The outermost function bodies of a source file: a '{' right after a parameter list
/// (and its qualifiers), with the lines to its matching '}'.
std::vector<Function> function_bodies(const std::string& text) {
    const std::string code = code_only(text);
    std::vector<Function> found;
    int line = 1;
    int depth = 0;
    int body_depth = -1;  // the depth of the function being measured, or -1
    int body_start = 0;
    for (std::size_t i = 0; i < code.size(); ++i) {
        const char c = code[i];
        if (c == '\n') ++line;
        if (c == '{') {
            if (body_depth < 0) {
                std::size_t k = i;
                while (k > 0 && std::isspace(static_cast<unsigned char>(code[k - 1]))) --k;
                std::string before = code.substr(k >= 40 ? k - 40 : 0, k >= 40 ? 40 : k);
                for (const std::string qualifier : {"const", "noexcept", "override", "final", "&"}) {
                    while (before.size() >= qualifier.size() &&
                           before.compare(before.size() - qualifier.size(), qualifier.size(), qualifier) == 0) {
                        before.resize(before.size() - qualifier.size());
                        while (!before.empty() && std::isspace(static_cast<unsigned char>(before.back()))) before.pop_back();
                    }
                }
                // A constructor's initialiser list ends in ')' or '}' too: both count.
                if (!before.empty() && before.back() == ')') {
                    body_depth = depth;
                    body_start = line;
                }
            }
            ++depth;
        } else if (c == '}') {
            --depth;
            if (depth == body_depth) {
                found.push_back({body_start, line - body_start + 1});
                body_depth = -1;
            }
        }
    }
    return found;
}

const fs::path tool_sources = fs::path(COURSE_SOURCE_DIR) / "tools" / "src";

}  // namespace

TEST_CASE("the measure finds a function and its length, past braces in strings and comments") {
    const auto bodies = function_bodies("int f(int x) {\n  // }\n  const char* s = \"}{\";\n  if (x) { return 1; }\n  return 0;\n}\n");
    REQUIRE(bodies.size() == 1);
    CHECK(bodies[0].first_line == 1);
    CHECK(bodies[0].lines == 6);
    CHECK(function_bodies("struct S { int a; };\nnamespace n {\n}\n").empty());
    CHECK(function_bodies("auto s = R\"X(a) { b }\n)X\";\nvoid g() {\n}\n").size() == 1);
}

TEST_CASE("no function of the course tool is longer than 100 lines") {
    for (const fs::path& file : files_under(tool_sources, {".cpp", ".hpp"})) {
        for (const Function& f : function_bodies(read(file))) {
            INFO(file.lexically_relative(tool_sources).string() << ":" << f.first_line << " is " << f.lines << " lines long");
            CHECK(f.lines <= 100);
        }
    }
}

TEST_CASE("the tool spells no target name and no build path: the build's manifest says them") {
    for (const fs::path& file : files_under(tool_sources, {".cpp", ".hpp"})) {
        const std::string code = read(file);
        for (const std::string spelled : {"\"exercise.", "\"solution.", "\"mutant.", "\"example.", "tests/bin", "\".tsan\""}) {
            INFO(file.lexically_relative(tool_sources).string() << " spells " << spelled);
            CHECK(code.find(spelled) == std::string::npos);
        }
    }
}

TEST_CASE("exercises/info.json is read by one CMake file at most") {
    int readers = 0;
    std::string which;
    for (const fs::path& folder : {fs::path(COURSE_SOURCE_DIR) / "cmake", fs::path(COURSE_SOURCE_DIR) / "docs"}) {
        for (const fs::path& file : files_under(folder, {".cmake", ".txt"})) {
            const std::string text = read(file);
            if (text.find("info.json") != std::string::npos && text.find("string(JSON") != std::string::npos) {
                ++readers;
                which += " " + file.filename().string();
            }
        }
    }
    INFO("CMake files that parse info.json:" << which);
    CHECK(readers <= 1);
}
