// user_error.hpp: a mistake in what the user asked for, said in words they can act on.
#pragma once

#include <stdexcept>

namespace course {

/// Thrown for a bad command line, a missing chapter, a broken setup: the tool prints the
/// message and exits with status 2. Anything else that escapes is a bug of the tool.
struct UserError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

}  // namespace course
