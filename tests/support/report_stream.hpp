// report_stream.hpp: the events a course test binary writes for the course tool, one JSON object per line.
//
// The course tool never trusts a test binary's exit status or scrapes what it prints: a
// test that calls exit(0) early would look like a pass. When the environment variable
// COURSE_REPORT_FD names an open descriptor, the test main writes these events to it:
//
//   {"event":"stream","version":2,"pid":123}                first, always
//   {"event":"schedule","seed":42}                           the schedule-perturbing seed
//   {"event":"case","name":"...","file":"...","line":12}    with --list-test-cases
//   {"event":"skipped","name":"...","reason":"..."}        a case this build leaves out (a skip
//                                                            decorator: Linux only, not under TSan)
//   {"event":"start","name":"..."}
//   {"event":"failure","file":"...","line":30,"message":"...","context":"..."}
//   {"event":"exception","message":"..."}                   escaped the test case
//   {"event":"crash","signal":11,"address":"0x0","thread":124,"sent":false,"access":"write",
//    "pc":"0x1234","frames":["0x1a2b","libc.so.6+0x3c050",...]}
//   {"event":"sanitizer_report","case":3}                 ThreadSanitizer printed a report
//                                                            while the 3rd case to start ran (0: none)
//   {"event":"end","name":"...","passed":false,"seconds":0.01}
//   {"event":"done","cases":5,"failed":1}
//
// Each event ends with its sequence number and signature, ',"seq":<n>,"mac":"<40 hex>"}',
// when the tool passed a key (COURSE_REPORT_KEY_FD names the descriptor it comes on; the
// test main reads it before any code under test runs and closes it): the MAC is
// HMAC-SHA-1(key, "<n>:<the event without seq and mac>") (report_mac.hpp). Sequence
// numbers count from 0, each used once.
//
// ThreadSanitizer's reports go to the descriptor COURSE_SANITIZER_FD names, when set: an
// anonymous file of the tool's, never a file in a folder the code under test can write.
//
// "crash" frames are return addresses relative to the test binary's load address (so
// that addr2line can name them) or, outside the binary, "libname+0xoffset". A case that
// started but has no "end", or a run without "done", tells the tool the binary died or
// left early. The tool refuses a stream of another version.
//
// This header is read by both sides: tests/support/doctest_main.cpp writes the stream,
// the course tool (tools/src) reads it.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace course::report {

/// Bumped whenever an event or field changes meaning.
inline constexpr int version = 4;

/// The environment variable that names the descriptor to write to.
inline constexpr const char* descriptor_variable = "COURSE_REPORT_FD";
/// The environment variable that names the descriptor the run's key comes on.
inline constexpr const char* key_variable = "COURSE_REPORT_KEY_FD";
/// The environment variable that names the descriptor ThreadSanitizer reports to.
inline constexpr const char* sanitizer_variable = "COURSE_SANITIZER_FD";

/// The event names.
namespace event {
inline constexpr std::string_view stream = "stream";
inline constexpr std::string_view schedule = "schedule";
inline constexpr std::string_view listed = "case";
inline constexpr std::string_view skipped = "skipped";
inline constexpr std::string_view start = "start";
inline constexpr std::string_view failure = "failure";
inline constexpr std::string_view exception = "exception";
inline constexpr std::string_view crash = "crash";
inline constexpr std::string_view sanitizer_report = "sanitizer_report";
inline constexpr std::string_view end = "end";
inline constexpr std::string_view done = "done";
}  // namespace event

/// The length of the valid UTF-8 sequence at the start of `text`, or 0 if it does not
/// start with one (a stray continuation byte, a truncated or overlong sequence, a
/// surrogate, a code point beyond U+10FFFF).
inline std::size_t utf8_sequence_length(std::string_view text) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char lead = byte(0);
    std::size_t length = 0;
    unsigned minimum = 0;
    unsigned code = 0;
    if (lead < 0x80) return 1;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2, minimum = 0x80, code = lead & 0x1Fu;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3, minimum = 0x800, code = lead & 0x0Fu;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4, minimum = 0x10000, code = lead & 0x07u;
    } else {
        return 0;
    }
    if (text.size() < length) return 0;
    for (std::size_t i = 1; i < length; ++i) {
        if ((byte(i) & 0xC0u) != 0x80u) return 0;
        code = (code << 6) | (byte(i) & 0x3Fu);
    }
    if (code < minimum || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
    return length;
}

/// Appends `text` to `out` as a JSON string. Quotes, backslashes and control characters
/// are escaped; a byte that is not part of valid UTF-8 becomes the visible text `\xFF`
/// (a backslash, x and two hex digits), so every line is valid JSON whatever the code
/// under test printed or compared, and the student still sees which byte it was.
inline void append_json_string(std::string& out, std::string_view text) {
    out += '"';
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        const std::size_t length = utf8_sequence_length(text.substr(i));
        char escaped[8];
        if (length == 0) {
            std::snprintf(escaped, sizeof escaped, "\\\\x%02X", static_cast<unsigned>(c));
            out += escaped;
            ++i;
            continue;
        }
        if (length > 1) {
            out.append(text.substr(i, length));
            i += length;
            continue;
        }
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20 || c == 0x7F) {
                    std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
                    out += escaped;
                } else {
                    out += static_cast<char>(c);
                }
        }
        ++i;
    }
    out += '"';
}

/// `text` as a JSON string (see append_json_string).
inline std::string json_string(std::string_view text) {
    std::string out;
    append_json_string(out, text);
    return out;
}

}  // namespace course::report
