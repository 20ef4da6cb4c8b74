// style.cpp: decide once whether to colour the output.
#include "style.hpp"

#include <unistd.h>

#include <cstdlib>

namespace course {

Style Style::for_stdout() {
    const char* no_color = std::getenv("NO_COLOR");
    Style style;
    style.color = isatty(STDOUT_FILENO) && (no_color == nullptr || *no_color == '\0');
    return style;
}

}  // namespace course
