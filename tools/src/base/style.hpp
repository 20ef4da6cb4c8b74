// style.hpp: terminal colours, only on a terminal and never when NO_COLOR is set.
#pragma once

#include <string>

namespace course {

struct Style {
    bool color = false;
    std::string green(const std::string& text) const { return wrap("32", text); }
    std::string red(const std::string& text) const { return wrap("31", text); }
    std::string yellow(const std::string& text) const { return wrap("33", text); }
    std::string magenta(const std::string& text) const { return wrap("35", text); }
    std::string bold(const std::string& text) const { return wrap("1", text); }
    std::string dim(const std::string& text) const { return wrap("2", text); }
    /// Colour when standard output is a terminal and NO_COLOR is unset or empty.
    static Style for_stdout();

private:
    std::string wrap(const char* code, const std::string& text) const {
        return color ? "\033[" + std::string(code) + "m" + text + "\033[0m" : text;
    }
};

}  // namespace course
