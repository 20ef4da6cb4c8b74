// frames.cpp: parse stack frames from the three tools that print them, and tell them for people.
#include "frames.hpp"

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>

#include "text.hpp"

namespace course {

namespace {

bool is_system_file(const std::string& file) {
    if (file.empty() || file == "<null>" || file == "??") return true;
    // The course's code is compiled from absolute paths; a relative one (nptl/...) is the C library's.
    if (file.front() != '/') return true;
    // System headers, and the C library's own sources (./nptl/..., ../sysdeps/...).
    if (file.starts_with("/usr/") || file.starts_with("./") || file.starts_with("../")) return true;
    return file.find("/libsanitizer/") != std::string::npos || file.find("/gcc/") != std::string::npos ||
           file.find("libstdc++") != std::string::npos || file.find('/') == std::string::npos;
}

/// Removes the balanced group that opens at `open` (a '<' or '('), returns where it ended.
std::size_t matching(std::string_view text, std::size_t open) {
    const char opening = text[open];
    const char closing = opening == '<' ? '>' : opening == '(' ? ')' : '}';
    int depth = 0;
    for (std::size_t i = open; i < text.size(); ++i) {
        if (text[i] == opening) ++depth;
        if (text[i] == closing && --depth == 0) return i;
    }
    return text.size();
}

}  // namespace

Owner CodeOwners::owner_of(const Frame& frame) const {
    if (is_system_file(frame.file)) return Owner::system;
    const std::string name = basename_of(frame.file);
    if (std::find(student_files.begin(), student_files.end(), name) != student_files.end()) return Owner::student;
    if (frame.file.find("/tests/support/") != std::string::npos || name.find("doctest") != std::string::npos) {
        return Owner::harness;
    }
    return Owner::test;
}

std::string short_function_name(std::string_view name) {
    if (name.starts_with("DOCTEST_ANON_")) return "the test case";
    // An inlined lambda's body, as ThreadSanitizer names it.
    if (name == "operator()") return "a lambda";
    std::string out;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        if (name.substr(i, 8) == "{lambda(") {
            // {lambda(int)#1}: one lambda; its parameter types say nothing here.
            const std::size_t close = name.find('}', matching(name, i + 7));
            out += "{lambda}";
            i = close == std::string_view::npos ? name.size() : close;
        } else if (c == '<' && !(out.size() >= 8 && out.compare(out.size() - 8, 8, "operator") == 0)) {
            i = matching(name, i);
        } else if (c == '(') {
            const bool call_operator = out.size() >= 8 && out.compare(out.size() - 8, 8, "operator") == 0 &&
                                       name.substr(i, 2) == "()";
            if (call_operator) {
                out += "()";
                ++i;
                continue;
            }
            out += "()";
            i = matching(name, i);
        } else {
            out += c;
        }
    }
    // Return types come before the name, qualifiers after it.
    for (const std::string suffix : {" const", " &&", " &"}) {
        while (out.size() > suffix.size() && out.compare(out.size() - suffix.size(), suffix.size(), suffix) == 0) {
            out.resize(out.size() - suffix.size());
        }
    }
    if (const auto space = out.rfind(' '); space != std::string::npos && out.find("operator ") == std::string::npos) {
        out = out.substr(space + 1);
    }
    // f()::{lambda}::operator()() -> "lambda in f()"
    const std::string lambda = "::{lambda}::operator()()";
    if (const auto at = out.rfind(lambda); at != std::string::npos && at + lambda.size() == out.size()) {
        return "lambda in " + short_function_name(out.substr(0, at));
    }
    if (!out.empty() && out.find('(') == std::string::npos) out += "()";
    if (out.starts_with("DOCTEST_ANON_")) return "the test case";
    return out;
}

bool parse_gdb_frame(const std::string& text, Frame& frame) {
    static const std::regex pattern(R"(^#\d+\s+(?:0x[0-9a-f]+ in )?(.*?)(?: at (\S+):(\d+)| from (\S+))?$)");
    std::smatch m;
    if (!std::regex_match(text, m, pattern)) return false;
    std::string function = m[1].str();
    // Drop the argument list gdb prints after the name: " (x=..., y=...)" or " ()".
    if (const auto open = function.rfind(" ("); open != std::string::npos) function.resize(open);
    frame.function = function;
    frame.file = m[2].matched ? m[2].str() : "";
    frame.line = m[3].matched ? std::stoi(m[3].str()) : 0;
    return true;
}

bool parse_tsan_frame(const std::string& text, Frame& frame) {
    // "    #3 function /path/file:line[:column] (module+0x...)" or "#3 <null> <null> (module+0x...)"
    static const std::regex pattern(R"(^\s*#\d+ (.*) (\S+?)(?::(\d+))?(?::\d+)? \([^()]*\)$)");
    std::smatch m;
    if (!std::regex_match(text, m, pattern)) return false;
    frame.function = m[1].str();
    frame.file = m[2].str();
    frame.line = m[3].matched ? std::stoi(m[3].str()) : 0;
    return true;
}

std::vector<Frame> parse_addr2line(const std::string& output) {
    std::vector<Frame> frames;
    std::istringstream in(output);
    std::string text;
    static const std::regex pattern(R"(^(?:0x[0-9a-f]+: | \(inlined by\) )(.*) at (\S+?):(\d+|\?)(?: \(discriminator \d+\))?$)");
    static const std::regex unknown(R"(^(?:0x[0-9a-f]+: | \(inlined by\) )(.*?)(?: at \?\?:[0-9?]+)?$)");
    while (std::getline(in, text)) {
        std::smatch m;
        Frame frame;
        if (std::regex_match(text, m, pattern)) {
            frame.function = m[1].str();
            frame.file = m[2].str();
            frame.line = m[3].str() == "?" ? 0 : std::stoi(m[3].str());
        } else if (std::regex_match(text, m, unknown)) {
            frame.function = m[1].str();
        } else {
            continue;
        }
        frames.push_back(frame);
    }
    return frames;
}

std::string source_line(const std::filesystem::path& file, int line) {
    if (line <= 0) return "";
    std::ifstream in(file);
    std::string text;
    for (int n = 1; std::getline(in, text); ++n) {
        if (n == line) return text;
    }
    return "";
}

std::string place(const Frame& frame) {
    return basename_of(frame.file) + (frame.line > 0 ? ":" + std::to_string(frame.line) : "");
}

const Frame* innermost_own_frame(const std::vector<Frame>& frames, const CodeOwners& owners) {
    for (const Owner wanted : {Owner::student, Owner::test}) {
        for (const Frame& f : frames) {
            if (owners.owner_of(f) == wanted) return &f;
        }
    }
    return nullptr;
}

std::string describe_stack(const std::vector<Frame>& frames, const CodeOwners& owners, std::size_t max_calls) {
    std::ostringstream out;
    const Frame* first = innermost_own_frame(frames, owners);
    if (first == nullptr) {
        // Nothing of ours to point at: show the innermost frames as they are.
        out << "no frame is in your code or the tests; the innermost frames are:\n";
        std::size_t shown = 0;
        for (const Frame& f : frames) {
            if (shown++ == 5) break;
            out << "  " << short_function_name(f.function) << (f.file.empty() ? "" : " at " + place(f)) << '\n';
        }
        if (frames.empty()) out << "  (no frame could be recorded)\n";
        return out.str();
    }
    // Start at the innermost frame of the student's, or, without one, of the tests.
    auto it = frames.begin() + (first - frames.data());
    std::size_t calls = 0;
    bool folded_helper = false;
    bool first_line = true;
    for (; it != frames.end(); ++it) {
        const Owner owner = owners.owner_of(*it);
        if (owner == Owner::system) continue;
        if (owner == Owner::harness) {
            // The tests' helpers (run_together, bounded waits) once, however deep.
            if (!folded_helper) out << "called through the tests' helper " << short_function_name(it->function) << '\n';
            folded_helper = true;
            continue;
        }
        if (calls == max_calls) {
            out << "...\n";
            break;
        }
        const std::string name = short_function_name(it->function);
        out << (first_line ? "in " : "called from ") << name << " at " << place(*it) << '\n';
        if (first_line) {
            std::string code = source_line(it->file, it->line);
            const auto start = code.find_first_not_of(" \t");
            if (start != std::string::npos) out << "    " << it->line << " | " << code.substr(start) << '\n';
        }
        first_line = false;
        ++calls;
        if (name == "the test case") break;
    }
    return out.str();
}

}  // namespace course
