// symbolize.hpp: the frames a crashed test process reported, named with addr2line.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "frames.hpp"

namespace course {

/// Turns the frames a crashed test process reported ("0x1a2b" offsets in `binary`,
/// "libc.so.6+0x10" elsewhere) into frames with function, file and line, with addr2line.
/// `pc` is the faulting instruction; frames before it are the crash handler's own.
std::vector<Frame> symbolize_crash(const std::filesystem::path& binary, const std::string& pc,
                                   const std::vector<std::string>& frames);

}  // namespace course
