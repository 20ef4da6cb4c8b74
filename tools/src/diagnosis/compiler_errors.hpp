// compiler_errors.hpp: the compiler's messages about a student's file, cut to the first error, the student's line first.
#pragma once

#include <string>

#include "frames.hpp"

namespace course {

/// The first error of a failed compile, told from the student's side:
///   transfers.hpp:74: error: 'class course::Account' has no member named 'unlock'
///       74 | std::scoped_lock both(from.mutex_, from);
///   (The compiler reports it in <mutex>:703, in code that this line of yours uses.)
/// Include chains (through the precompiled header and <command-line>) are left out. When
/// no error can be placed, the messages are shown as they are: nothing is hidden.
/// `messages` is what the compiler printed (without the build tool's own lines).
std::string first_compiler_error(const std::string& messages, const CodeOwners& owners, const std::string& more_hint);

/// The compiler's messages for one target, from a Ninja log: the lines after its
/// "FAILED:" line and the command, up to the next progress line.
std::string compiler_output_for(const std::string& ninja_output, const std::string& target);

}  // namespace course
