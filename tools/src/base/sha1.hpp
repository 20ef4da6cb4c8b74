// sha1.hpp: SHA-1, for fingerprints that stay the same on every machine and for git's blob names.
#pragma once

#include <string>
#include <string_view>

namespace course {

/// The SHA-1 digest of `data`, as 40 lowercase hex digits.
std::string sha1_hex(std::string_view data);

/// The name git gives a file with this content (`git hash-object`): SHA-1 of
/// "blob <size>\0<content>".
std::string git_blob_id(std::string_view content);

}  // namespace course
