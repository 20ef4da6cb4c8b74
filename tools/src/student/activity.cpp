// activity.cpp: the spinner line on a terminal, progress lines in a pipe.
#include "activity.hpp"

#include <unistd.h>

#include <iostream>

#include "text.hpp"

namespace course {

Activity::Activity(const Style& style) : style_(style), terminal_(isatty(STDOUT_FILENO) != 0) {}

void Activity::start(std::string what, int limit_seconds) {
    stop();
    what_ = std::move(what);
    limit_ = limit_seconds;
    next_report_ = 2;
    started_ = std::chrono::steady_clock::now();
    tick();
}

void Activity::tick(double /*seconds*/) {
    const int whole = static_cast<int>(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_).count());
    const std::string limit = limit_ > 0 ? " of " + std::to_string(limit_) + " s" : " s";
    if (terminal_) {
        static constexpr char spinner[] = {'|', '/', '-', '\\'};
        const std::string time = "  (" + std::to_string(whole) + limit + ")";
        // Cut the description, never the time: the time is what tells it is alive.
        const std::string head = std::string("  ") + spinner[frame_++ % 4] + " " + what_;
        const std::string line = truncated(head, output_width() - 1 - display_width(time)) + time;
        std::cout << "\r\033[K" << style_.dim(line) << std::flush;
        shown_ = true;
        return;
    }
    if (whole >= next_report_) {
        const bool over = limit_ > 0 && whole >= limit_;
        std::cout << wrap("... " + what_ + (over ? ": past its limit of " + std::to_string(limit_) +
                                                       " s, stopped; looking where each thread is"
                                                 : ": still running after " + std::to_string(whole) + " s" +
                                                       (limit_ > 0 ? " (limit " + std::to_string(limit_) + " s)" : "")),
                          output_width(), "  ", "      ")
                  << std::flush;
        next_report_ = whole + 2;
    }
}

void Activity::stop() {
    if (terminal_ && shown_) std::cout << "\r\033[K" << std::flush;
    shown_ = false;
}

}  // namespace course
