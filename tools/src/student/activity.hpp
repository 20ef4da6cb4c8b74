// activity.hpp: one line that says what the tool is doing, so that it is never silent for more than 2 s.
#pragma once

#include <chrono>
#include <string>

#include "context.hpp"

namespace course {

/// What the tool is busy with, shown while it lasts. On a terminal: a line with a spinner
/// and the seconds so far, rewritten in place and erased when done. Into a pipe or a file:
/// nothing for a step that ends within 2 s, then a plain line every 2 s ("still running
/// after 4 s"), so that a log shows progress without a line per spinner turn.
class Activity {
public:
    explicit Activity(const Style& style);
    Activity(const Activity&) = delete;
    Activity& operator=(const Activity&) = delete;
    ~Activity() { stop(); }

    /// Starts showing `what` ("case 3 of 8: the name"), with its limit if it has one.
    void start(std::string what, int limit_seconds = 0);
    /// Called often while it goes on (every ~100 ms). The time shown is the activity's own,
    /// from start(); `seconds` (the caller's count) is not used for it.
    void tick(double seconds = 0);
    /// Erases the terminal line; the next output starts on a clean line.
    void stop();

private:
    Style style_;
    bool terminal_;
    bool shown_ = false;
    std::string what_;
    int limit_ = 0;
    int next_report_ = 2;  // seconds: when the next plain line is due
    int frame_ = 0;
    std::chrono::steady_clock::time_point started_;
};

}  // namespace course
