// screening.cpp: read submitted files without following links, and refuse what would let them rewrite the tests or reach other files.
#include "screening.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <vector>

namespace course {
namespace fs = std::filesystem;

namespace {

/// Closes a descriptor when it goes out of scope.
struct Descriptor {
    int fd = -1;
    explicit Descriptor(int value) : fd(value) {}
    Descriptor(const Descriptor&) = delete;
    Descriptor& operator=(const Descriptor&) = delete;
    ~Descriptor() {
        if (fd >= 0) close(fd);
    }
};

std::string why_not_opened(const std::string& name, int error) {
    if (error == ELOOP) return name + " is a symbolic link: submit the file itself";
    if (error == ENOTDIR) return name + " is reached through something that is not a folder";
    if (error == ENOENT) return name + " is not in the submission";
    return name + " cannot be read: " + std::strerror(error);
}

bool is_identifier_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

/// Two views of a source as the preprocessor reads it, continuations joined: `directives`
/// with each comment replaced by one space (string literals kept: include names are
/// literals), and `code` with string and character literals blanked as well.
struct Views {
    std::string directives;
    std::string code;
};

Views preprocessor_views(std::string_view in) {
    std::string text;
    text.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '\\' && i + 1 < in.size() && in[i + 1] == '\n') { ++i; continue; }
        if (in[i] == '\\' && i + 2 < in.size() && in[i + 1] == '\r' && in[i + 2] == '\n') { i += 2; continue; }
        text += in[i];
    }
    Views v;
    const auto both = [&v](char d, char c) { v.directives += d; v.code += c; };
    for (std::size_t i = 0; i < text.size();) {
        const char c = text[i];
        if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
            while (i < text.size() && text[i] != '\n') ++i;
            both(' ', ' ');
        } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') {
            const std::size_t end = text.find("*/", i + 2);
            i = end == std::string::npos ? text.size() : end + 2;
            both(' ', ' ');
        } else if (c == '"' && i > 0 && text[i - 1] == 'R' && (i < 2 || !is_identifier_char(text[i - 2]) ||
                                                                 std::strchr("8uUL", text[i - 2]) != nullptr)) {
            // A raw string literal: R"delimiter( ... )delimiter"
            const std::size_t open = text.find('(', i);
            const std::string close = ")" + (open == std::string::npos ? "" : text.substr(i + 1, open - i - 1)) + "\"";
            const std::size_t end = open == std::string::npos ? std::string::npos : text.find(close, open);
            const std::size_t stop = end == std::string::npos ? text.size() : end + close.size();
            // One token, whatever lines it spans: no directive can start inside it.
            for (; i < stop; ++i) both(text[i] == '\n' ? ' ' : text[i], ' ');
        } else if (c == '"' || c == '\'') {
            both(c, ' ');
            for (++i; i < text.size() && text[i] != c && text[i] != '\n'; ++i) {
                if (text[i] == '\\' && i + 1 < text.size()) both(text[i++], ' ');
                both(text[i], ' ');
            }
            if (i < text.size() && text[i] == c) both(text[i++], ' ');
        } else {
            both(c, c);
            ++i;
        }
    }
    return v;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t end = std::min(text.find('\n', start), text.size());
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

std::size_t skip_spaces(const std::string& line, std::size_t at) {
    while (at < line.size() && std::isspace(static_cast<unsigned char>(line[at])) != 0) ++at;
    return at;
}

std::string word_at(const std::string& line, std::size_t at) {
    std::size_t end = at;
    while (end < line.size() && is_identifier_char(line[end])) ++end;
    return line.substr(at, end - at);
}

/// What is wrong with the file name an #include names ("" when nothing).
std::string include_problem(const std::string& line, std::size_t at) {
    const char open = at < line.size() ? line[at] : '\0';
    const char close = open == '"' ? '"' : open == '<' ? '>' : '\0';
    const std::size_t end = close == '\0' ? std::string::npos : line.find(close, at + 1);
    if (end == std::string::npos) return "an #include whose file name is computed: name the header in quotes";
    const std::string name = line.substr(at + 1, end - at - 1);
    if (!name.empty() && (name.front() == '/' || name.front() == '\\' || (name.size() > 1 && name[1] == ':'))) {
        return "#include of an absolute path (" + name + ")";
    }
    std::string part;
    for (std::size_t i = 0; i <= name.size(); ++i) {
        if (i < name.size() && name[i] != '/' && name[i] != '\\') {
            part += name[i];
            continue;
        }
        if (part == "..") return "#include that leaves the submission's folder (" + name + ")";
        if (part == "solutions") return "#include of the course's solutions (" + name + ")";
        part.clear();
    }
    return "";
}

/// What is wrong with one directive line (its text after the '#'), or "".
std::string directive_problem(const std::string& line, std::size_t at, const std::set<std::string>& protected_names) {
    at = skip_spaces(line, at);
    if (at < line.size() && std::isdigit(static_cast<unsigned char>(line[at])) != 0) {
        return "a line marker ('# <number>'), which makes the compiler quote other files";
    }
    const std::string directive = word_at(line, at);
    at = skip_spaces(line, at + directive.size());
    if (directive == "define" || directive == "undef") {
        const std::string name = word_at(line, at);
        if (protected_names.count(name) != 0 || name.rfind("DOCTEST", 0) == 0) {
            return "#" + directive + " " + name + ": the tests use the name " + name +
                   ", and a submission may not redefine it";
        }
        return "";
    }
    if (directive == "include") return include_problem(line, at);
    if (directive == "include_next" || directive == "embed" || directive == "import" || directive == "line") {
        return "#" + directive + " is not allowed in a submission";
    }
    return "";
}

}  // namespace

SubmittedFile read_submitted_file(const fs::path& root, const fs::path& relative, std::uintmax_t max_bytes) {
    SubmittedFile file;
    const std::string name = relative.generic_string();
    Descriptor folder(open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (folder.fd < 0) {
        file.problem = "the submission's folder cannot be read: " + std::string(std::strerror(errno));
        return file;
    }
    std::vector<fs::path> parts(relative.begin(), relative.end());
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
        if (parts[i] == ".." || parts[i] == "/") {
            file.problem = name + " is outside the submission";
            return file;
        }
        const int next = openat(folder.fd, parts[i].c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0) {
            file.problem = why_not_opened(name, errno);
            return file;
        }
        close(folder.fd);
        folder.fd = next;
    }
    // O_NONBLOCK: opening a FIFO must not wait for a writer; O_NOFOLLOW: a link is refused.
    Descriptor fd(openat(folder.fd, parts.empty() ? "." : parts.back().c_str(),
                         O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
    if (fd.fd < 0) {
        file.problem = why_not_opened(name, errno);
        return file;
    }
    struct stat status {};
    if (fstat(fd.fd, &status) != 0 || !S_ISREG(status.st_mode)) {
        file.problem = name + " is not a regular file (a folder, device, FIFO or socket): submit the file itself";
        return file;
    }
    if (static_cast<std::uintmax_t>(status.st_size) > max_bytes) {
        file.problem = name + " is larger than " + std::to_string(max_bytes >> 10) + " KiB";
        return file;
    }
    char buffer[64 * 1024];
    for (;;) {
        const ssize_t n = read(fd.fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            file.problem = name + " cannot be read: " + std::strerror(errno);
            return file;
        }
        if (n == 0) break;
        file.content.append(buffer, static_cast<std::size_t>(n));
        if (file.content.size() > max_bytes) {  // it grew while we read it
            file.problem = name + " is larger than " + std::to_string(max_bytes >> 10) + " KiB";
            file.content.clear();
            return file;
        }
    }
    return file;
}

std::set<std::string> identifiers_in(std::string_view text) {
    const std::string code = preprocessor_views(text).code;
    std::set<std::string> names;
    for (std::size_t i = 0; i < code.size();) {
        if (!is_identifier_char(code[i])) { ++i; continue; }
        std::size_t end = i;
        while (end < code.size() && is_identifier_char(code[end])) ++end;
        if (std::isdigit(static_cast<unsigned char>(code[i])) == 0) names.insert(code.substr(i, end - i));
        i = end;
    }
    return names;
}

std::string screen_source(std::string_view text, const std::set<std::string>& protected_names) {
    const Views views = preprocessor_views(text);
    const std::vector<std::string> lines = lines_of(views.directives);
    std::string problems;
    for (std::size_t n = 0; n < lines.size(); ++n) {
        const std::string& line = lines[n];
        const std::size_t at = skip_spaces(line, 0);
        std::size_t after = std::string::npos;
        if (line.compare(at, 1, "#") == 0) after = at + 1;
        if (line.compare(at, 2, "%:") == 0) after = at + 2;
        if (after == std::string::npos) continue;
        const std::string problem = directive_problem(line, after, protected_names);
        if (!problem.empty()) problems += problem + "\n";
    }
    for (const std::string& name : identifiers_in(text)) {
        if (name == "asm" || name == "__asm" || name == "__asm__") {
            problems += "inline assembly (" + name + ") is not allowed in a submission\n";
        }
    }
    std::string lowered(text);
    std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lowered.find("incbin") != std::string::npos) problems += "'incbin' is not allowed in a submission\n";
    return problems;
}

namespace {

/// The string literal starting at `at` (a '"'), its escapes read; `at` moves past it.
std::string read_literal(const std::string& text, std::size_t& at) {
    std::string value;
    for (++at; at < text.size() && text[at] != '"'; ++at) {
        if (text[at] != '\\' || at + 1 >= text.size()) {
            value += text[at];
            continue;
        }
        const char escaped = text[++at];
        value += escaped == 'n' ? '\n' : escaped == 't' ? '\t' : escaped;
    }
    ++at;
    return value;
}

/// Adjacent string literals from `at` on, joined; nothing when there is none.
std::optional<std::string> literals_at(const std::string& text, std::size_t at) {
    std::optional<std::string> joined;
    for (at = skip_spaces(text, at); at < text.size() && text[at] == '"'; at = skip_spaces(text, at)) {
        joined = joined.value_or("") + read_literal(text, at);
    }
    return joined;
}

}  // namespace

std::optional<std::vector<std::string>> test_cases_in(std::string_view source) {
    // Words are looked for where they are code (literals blanked), names read from the same
    // places with literals kept: the two views are aligned character for character.
    const Views views = preprocessor_views(source);
    const std::string& code = views.code;
    std::vector<std::string> names;
    for (std::size_t i = 0; i < code.size();) {
        if (!is_identifier_char(code[i])) { ++i; continue; }
        const std::string word = word_at(code, i);
        const std::size_t after = skip_spaces(code, i + word.size());
        i += word.size();
        if (word.rfind("TEST_CASE_TEMPLATE", 0) == 0 || word.rfind("SCENARIO_TEMPLATE", 0) == 0) return std::nullopt;
        if ((word != "TEST_CASE" && word != "TEST_CASE_FIXTURE" && word != "SCENARIO") || after >= code.size() ||
            code[after] != '(') {
            continue;
        }
        std::size_t at = after + 1;
        if (word == "TEST_CASE_FIXTURE") {
            at = code.find(',', at);
            if (at == std::string::npos) return std::nullopt;
            ++at;
        }
        const std::optional<std::string> name = literals_at(views.directives, at);
        if (!name) return std::nullopt;  // a name that is not a literal: read it from the binary
        names.push_back(word == "SCENARIO" ? "  Scenario: " + *name : *name);
    }
    return names;
}

}  // namespace course
