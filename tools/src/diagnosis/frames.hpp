// frames.hpp: stack frames from gdb, ThreadSanitizer and addr2line, read and told for a student.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace course {

/// One frame of a call stack.
struct Frame {
    std::string function;  ///< as the tool printed it (demangled), maybe with arguments
    std::string file;      ///< the source file, as compiled (absolute for the course's code); empty if unknown
    int line = 0;
};

/// Whose code a frame is in.
enum class Owner {
    student,  ///< one of the exercise's files: what the student writes
    test,     ///< the exercise's tests (tests/NN_topic/test_*.cpp)
    harness,  ///< the tests' support code and doctest: helpers a student does not read
    system,   ///< the standard library, the C library, a sanitizer's runtime, or unknown
};

/// Which files are the student's: the exercise's files, by name.
struct CodeOwners {
    std::vector<std::string> student_files;
    Owner owner_of(const Frame& frame) const;
};

/// A C++ function name short enough to read: no template arguments, no parameter types,
/// no return type; a lambda is called so ("lambda in course::transfer()"), doctest's test
/// bodies "the test case".
std::string short_function_name(std::string_view name);

/// "#3 0x00005 in transfer (x=...) at /s/bank.hpp:8" (gdb) into a frame; false if it is not one.
bool parse_gdb_frame(const std::string& text, Frame& frame);

/// "    #0 transfer(...) /s/bank.hpp:8 (binary+0x1234)" (a ThreadSanitizer report) into a frame.
bool parse_tsan_frame(const std::string& text, Frame& frame);

/// The frames addr2line prints for each address with `-a -p -f -C -i`, inlined frames
/// first: "0x0000000000001234: f() at /s/a.hpp:3" and " (inlined by) g() at /s/b.cpp:9".
std::vector<Frame> parse_addr2line(const std::string& output);

/// The line `line` of `file` (1-based), without its line break; empty if unreadable.
std::string source_line(const std::filesystem::path& file, int line);

/// Where a stack is in the code a student should read, innermost first:
///   in <function> at <file>:<line>
///      <line> | <the source line>
///   called from <function> at <file>:<line>
///   ...
/// Frames of the system are left out; frames of the tests' helpers fold into one line; the
/// chain stops at the test case. When no frame is in the student's or the tests' code, the
/// innermost frames are shown as they are, so that nothing is hidden.
std::string describe_stack(const std::vector<Frame>& frames, const CodeOwners& owners, std::size_t max_calls = 4);

/// The innermost frame in the student's files, else in the tests; null if none.
const Frame* innermost_own_frame(const std::vector<Frame>& frames, const CodeOwners& owners);

/// "parallel_sum.hpp:126".
std::string place(const Frame& frame);

}  // namespace course
