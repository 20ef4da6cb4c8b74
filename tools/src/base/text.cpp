// text.cpp: wrapping, indenting, reading and writing, shared by the whole tool.
#include "text.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <iomanip>
#include <stdexcept>
#include <iterator>
#include <sstream>
#include <vector>

namespace course {

std::string read_file(const std::filesystem::path& path) {
    std::ifstream file(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(file), {}};
}

void write_file(const std::filesystem::path& path, std::string_view content) {
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!file.flush()) throw std::runtime_error("cannot write " + path.string());
}

std::string fixed_decimals(double value, int digits) {
    std::ostringstream text;
    text << std::fixed << std::setprecision(digits) << value;
    return text.str();
}

std::vector<std::string> split(std::string_view text, char separator) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (;;) {
        const std::size_t end = text.find(separator, start);
        parts.emplace_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
        if (end == std::string_view::npos) return parts;
        start = end + 1;
    }
}

bool write_all(int fd, const void* data, std::size_t size) {
    const char* p = static_cast<const char*>(data);
    while (size > 0) {
        const ssize_t n = ::write(fd, p, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

std::string basename_of(std::string_view path) {
    const auto slash = path.rfind('/');
    return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

std::string indent(const std::string& text, const std::string& prefix) {
    std::istringstream in(text);
    std::string line;
    std::string out;
    while (std::getline(in, line)) out += prefix + line + "\n";
    return out;
}

std::string last_lines(const std::string& text, std::size_t count) {
    std::size_t pos = text.size();
    if (pos > 0 && text[pos - 1] == '\n') --pos;
    for (std::size_t seen = 0; pos > 0; --pos) {
        if (text[pos - 1] == '\n' && ++seen == count) break;
    }
    return (pos > 0 ? "...\n" : "") + text.substr(pos);
}

std::size_t display_width(std::string_view text) {
    std::size_t width = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == 0x1B && i + 1 < text.size() && text[i + 1] == '[') {
            // A colour code, "\033[...m", takes no column.
            i += 2;
            while (i < text.size() && text[i] != 'm') ++i;
            continue;
        }
        if ((c & 0xC0) != 0x80) ++width;  // count the first byte of each code point
    }
    return width;
}

std::string truncated(std::string_view text, std::size_t width) {
    if (display_width(text) <= width) return std::string(text);
    std::string out;
    std::size_t used = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if ((c & 0xC0) != 0x80 && used + 3 >= width) break;
        out += text[i];
        if ((c & 0xC0) != 0x80) ++used;
    }
    return out + "...";
}

std::size_t output_width() {
    winsize size{};
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col >= 40 &&
        size.ws_col < 80) {
        return size.ws_col;
    }
    return 80;
}

namespace {

/// Splits a long word so that no piece is wider than `width` columns.
std::vector<std::string> pieces_of(const std::string& word, std::size_t width) {
    std::vector<std::string> pieces;
    std::string piece;
    std::size_t used = 0;
    for (std::size_t i = 0; i < word.size(); ++i) {
        const auto c = static_cast<unsigned char>(word[i]);
        if ((c & 0xC0) != 0x80 && used == width) {
            pieces.push_back(piece);
            piece.clear();
            used = 0;
        }
        piece += word[i];
        if ((c & 0xC0) != 0x80) ++used;
    }
    if (!piece.empty()) pieces.push_back(piece);
    return pieces;
}

}  // namespace

std::string wrap(std::string_view text, std::size_t width, std::string_view first, std::string_view rest) {
    // A final line break ends the last line; it does not start an empty one.
    if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    if (text.empty()) return "";
    std::string out;
    bool first_line = true;
    std::size_t start = 0;
    for (;;) {
        const std::size_t end = std::min(text.find('\n', start), text.size());
        const std::string_view paragraph = text.substr(start, end - start);
        // Keep the paragraph's own leading spaces: they indent code, lists and frames.
        const std::size_t lead = paragraph.find_first_not_of(' ');
        const std::string own_indent(lead == std::string_view::npos ? 0 : lead, ' ');
        std::string line(first_line ? first : rest);
        line += own_indent;
        const std::size_t line_start = display_width(line);
        const std::size_t room = width > line_start + 10 ? width - line_start : 10;
        if (display_width(paragraph) - own_indent.size() <= room) {
            // It fits: kept as it is, inner spacing and all (code, aligned columns).
            out += line + std::string(paragraph.substr(own_indent.size())) + "\n";
            first_line = false;
            if (end == text.size()) return out;
            start = end + 1;
            continue;
        }
        std::size_t used = 0;
        std::istringstream words{std::string(paragraph)};
        std::string word;
        bool any = false;
        while (words >> word) {
            for (const std::string& piece : pieces_of(word, room)) {
                const std::size_t w = display_width(piece);
                if (any && used + 1 + w > room) {
                    out += line + "\n";
                    line = std::string(rest) + own_indent;
                    used = 0;
                    any = false;
                }
                if (any) {
                    line += ' ';
                    ++used;
                }
                line += piece;
                used += w;
                any = true;
            }
        }
        out += line + "\n";
        first_line = false;
        if (end == text.size()) return out;
        start = end + 1;
    }
}

}  // namespace course
