// text.hpp: small text and file helpers every part of the tool shares: wrapping, indenting, reading, writing.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace course {

/// The whole content of a file (empty when it cannot be read).
std::string read_file(const std::filesystem::path& path);

/// Replaces a file's content with `content`; throws std::runtime_error when it cannot.
void write_file(const std::filesystem::path& path, std::string_view content);

/// `value` with `digits` digits after the decimal point: fixed_decimals(2.5, 2) == "2.50".
std::string fixed_decimals(double value, int digits = 1);

/// The parts of `text` between `separator`s (empty parts kept).
std::vector<std::string> split(std::string_view text, char separator);

/// Writes all of `size` bytes to `fd`, retrying after EINTR and short writes. False on error.
bool write_all(int fd, const void* data, std::size_t size);

/// The last part of a path: "/a/b/queue.hpp" -> "queue.hpp".
std::string basename_of(std::string_view path);

/// Every line of `text` with `prefix` in front.
std::string indent(const std::string& text, const std::string& prefix);

/// The last `count` lines of `text`, with "..." above them when lines were left out.
std::string last_lines(const std::string& text, std::size_t count);

/// How many columns `text` takes on a terminal: UTF-8 code points, colour codes excluded.
std::size_t display_width(std::string_view text);

/// `text` cut to `width` columns, ending in "..." when it was longer.
std::string truncated(std::string_view text, std::size_t width);

/// The width to wrap what the tool prints to: 80 columns, or the terminal's if narrower.
std::size_t output_width();

/// `text` wrapped at word boundaries to `width` columns. Its own line breaks are kept;
/// the first line starts with `first`, every other with `rest` (both count in the width).
/// A word longer than a line (a long path) is broken where the line ends.
std::string wrap(std::string_view text, std::size_t width, std::string_view first = "", std::string_view rest = "");

/// wrap() with the same prefix on every line.
inline std::string wrap_indented(std::string_view text, std::size_t width, std::string_view prefix) {
    return wrap(text, width, prefix, prefix);
}

}  // namespace course
