// compiler_errors.cpp: read GCC's and Clang's messages, and show the error a student can act on.
#include "compiler_errors.hpp"

#include <regex>
#include <sstream>
#include <vector>

#include "text.hpp"

namespace course {

namespace {

/// "file:line:col: error: message" (or note, warning), with where it points.
struct Message {
    std::string kind;  // "error", "fatal error", "note", "warning", or "" for a context line
    Frame place;       // file and line
    std::string text;
};

bool parse_message(const std::string& line, Message& message) {
    static const std::regex located(R"(^(\S.*?):(\d+):(?:\d+:)? (fatal error|error|note|warning): (.*)$)");
    // "file:line:col:   required from here" and friends: GCC's template context.
    static const std::regex context(R"(^(\S.*?):(\d+):(?:\d+:)?\s+(required from.*|recursively required.*|required by.*|  .*)$)");
    std::smatch m;
    if (std::regex_match(line, m, located)) {
        message = {m[3].str(), {"", m[1].str(), std::stoi(m[2].str())}, m[4].str()};
        return true;
    }
    if (std::regex_match(line, m, context)) {
        message = {"", {"", m[1].str(), std::stoi(m[2].str())}, m[3].str()};
        return true;
    }
    return false;
}

/// One error with what the compiler said around it.
struct Diagnostic {
    Message error;
    std::vector<Message> context;  // the template instantiation chain before it
    std::vector<Message> notes;    // after it
};

std::vector<Diagnostic> read_diagnostics(const std::string& messages) {
    std::vector<Diagnostic> found;
    std::vector<Message> context;
    bool in_error = false;
    std::istringstream in(messages);
    std::string line;
    while (std::getline(in, line)) {
        Message message;
        if (!parse_message(line, message)) {
            // "In file included from", "In instantiation of", code excerpts, carets.
            if (line.starts_with("In file included from") || line.starts_with("                 from ")) continue;
            if (line.find(": In instantiation of") != std::string::npos ||
                line.find(": In function") != std::string::npos || line.find(": In member function") != std::string::npos ||
                line.find(": In constructor") != std::string::npos || line.find(": In lambda") != std::string::npos) {
                in_error = false;
                context.clear();
            }
            continue;
        }
        if (message.kind == "error" || message.kind == "fatal error") {
            found.push_back({message, context, {}});
            context.clear();
            in_error = true;
        } else if (message.kind == "note") {
            if (in_error && !found.empty()) found.back().notes.push_back(message);
        } else if (message.kind.empty()) {
            if (in_error) {
                in_error = false;
                context.clear();
            }
            context.push_back(message);
        }
    }
    return found;
}

/// The student's line a diagnostic comes from: the error's own place, the "required from
/// here" of the instantiation chain, or a note that names it (Clang's "requested here").
const Frame* student_place(const Diagnostic& d, const CodeOwners& owners) {
    if (owners.owner_of(d.error.place) == Owner::student) return &d.error.place;
    for (auto it = d.context.rbegin(); it != d.context.rend(); ++it) {
        if (owners.owner_of(it->place) == Owner::student) return &it->place;
    }
    for (const Message& note : d.notes) {
        if (owners.owner_of(note.place) == Owner::student) return &note.place;
    }
    for (const Owner fallback : {Owner::test, Owner::harness}) {
        if (owners.owner_of(d.error.place) == fallback) return &d.error.place;
        for (const Message& c : d.context) {
            if (owners.owner_of(c.place) == fallback) return &c.place;
        }
    }
    return nullptr;
}

std::string code_excerpt(const Frame& place) {
    std::string code = source_line(place.file, place.line);
    const auto start = code.find_first_not_of(" \t");
    if (start == std::string::npos) return "";
    return "    " + std::to_string(place.line) + " | " + code.substr(start) + "\n";
}

}  // namespace

std::string first_compiler_error(const std::string& messages, const CodeOwners& owners, const std::string& more_hint) {
    const std::vector<Diagnostic> diagnostics = read_diagnostics(messages);
    if (diagnostics.empty()) {
        // Nothing recognisable (a linker error, an unknown compiler): show it as it is.
        std::string text = last_lines(messages, 30);
        if (!more_hint.empty() && messages != text) text += more_hint + "\n";
        return text;
    }
    const Diagnostic& first = diagnostics.front();
    const Frame* mine = student_place(first, owners);
    std::ostringstream out;
    const Frame& shown = mine != nullptr ? *mine : first.error.place;
    out << place(shown) << ": " << first.error.kind << ": " << first.error.text << '\n' << code_excerpt(shown);
    if (mine != nullptr && mine != &first.error.place) {
        const bool system = owners.owner_of(first.error.place) == Owner::system;
        out << "  (The compiler reports it in " << (system ? "<" + basename_of(first.error.place.file) + ">" : place(first.error.place))
            << (system ? ":" + std::to_string(first.error.place.line) : "") << ", in code that this line of yours uses.)\n";
    }
    std::size_t notes = 0;
    for (const Message& note : first.notes) {
        if (notes++ == 3) break;
        out << "  note: " << note.text << '\n';
    }
    // Errors that repeat the same line of the student's add nothing.
    std::size_t others = 0;
    for (std::size_t i = 1; i < diagnostics.size(); ++i) {
        const Frame* at = student_place(diagnostics[i], owners);
        if (at == nullptr || mine == nullptr || at->file != mine->file || at->line != mine->line ||
            diagnostics[i].error.text != first.error.text) {
            ++others;
        }
    }
    if (diagnostics.size() > 1) {
        out << "(" << diagnostics.size() - 1 << " more error" << (diagnostics.size() > 2 ? "s" : "")
            << (others < diagnostics.size() - 1 ? ", some from the same line" : "") << ". " << more_hint << ")\n";
    } else if (!more_hint.empty()) {
        out << "(" << more_hint << ")\n";
    }
    return out.str();
}

std::string compiler_output_for(const std::string& ninja_output, const std::string& target) {
    // Ninja prints "FAILED: <output>", then the command, then the compiler's messages,
    // until the next "[n/m]" progress line or the end.
    std::istringstream in(ninja_output);
    std::string line;
    std::string messages;
    bool inside = false;
    bool skipped_command = false;
    const std::string object_dir = "CMakeFiles/" + target + ".dir/";
    while (std::getline(in, line)) {
        if (line.starts_with("FAILED: ")) {
            inside = line.find(object_dir) != std::string::npos ||
                     (line.size() > target.size() && line.compare(line.size() - target.size(), target.size(), target) == 0) ||
                     line.find("/" + target + " ") != std::string::npos;
            skipped_command = false;
            continue;
        }
        if (!inside) continue;
        if (!line.empty() && line[0] == '[' && line.find('/') != std::string::npos && line.find(']') != std::string::npos) {
            inside = false;
            continue;
        }
        if (line.starts_with("ninja: ")) {
            inside = false;
            continue;
        }
        if (!skipped_command) {  // the compiler's command line: long, and no help to a student
            skipped_command = true;
            continue;
        }
        messages += line + "\n";
    }
    return messages;
}

}  // namespace course
