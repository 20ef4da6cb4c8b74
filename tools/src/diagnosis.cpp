// diagnosis.cpp: read gdb backtraces and ThreadSanitizer reports for people.
#include "diagnosis.hpp"

#include <algorithm>
#include <array>
#include <regex>
#include <set>
#include <sstream>
#include <string_view>
#include <vector>

namespace course {
namespace {

struct Frame {
    std::string function;
    std::string file;  // empty when gdb knows no source file
    int line = 0;
};

std::string basename_of(const std::string& path) {
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

/// A frame in the code a student or a test wrote, rather than in the standard library,
/// the C library or a sanitizer's runtime.
bool is_user_file(const std::string& file) {
    if (file.empty()) return false;
    // System headers, and the C library's own sources (./nptl/..., ../sysdeps/...).
    if (file.rfind("/usr/", 0) == 0 || file.rfind("./", 0) == 0 || file.rfind("../", 0) == 0) return false;
    if (file.find("/libsanitizer/") != std::string::npos) return false;
    if (file.find("/gcc/") != std::string::npos || file.find("libstdc++") != std::string::npos) {
        return false;
    }
    return file.find('/') != std::string::npos || file.find('.') != std::string::npos;
}

/// Parses one "#N  0x... in function (...) at file:line" line of a gdb backtrace.
bool parse_gdb_frame(const std::string& text, Frame& frame) {
    static const std::regex pattern(R"(^#\d+\s+(?:0x[0-9a-f]+ in )?(.*?)(?: at (\S+):(\d+)| from (\S+))?$)");
    std::smatch m;
    if (!std::regex_match(text, m, pattern)) return false;
    std::string function = m[1].str();
    // Drop the argument list gdb prints after the name: " (...)" or " ()".
    if (const auto open = function.rfind(" ("); open != std::string::npos) function.resize(open);
    frame.function = function;
    frame.file = m[2].matched ? m[2].str() : "";
    frame.line = m[3].matched ? std::stoi(m[3].str()) : 0;
    return true;
}

/// What a thread blocked in `function` is waiting for, or empty.
std::string waiting_for(const std::string& function) {
    struct Known {
        std::string_view needle;
        std::string_view meaning;
    };
    static constexpr std::array known{
        Known{"condition_variable", "waits on a condition variable"},
        Known{"pthread_cond_", "waits on a condition variable"},
        Known{"mutex::lock", "waits for a mutex"},
        Known{"mutex::try_lock_", "waits for a mutex (timed)"},
        Known{"pthread_mutex_lock", "waits for a mutex"},
        Known{"pthread_rwlock_", "waits for a shared mutex"},
        Known{"std::lock<", "waits for several mutexes (std::lock)"},
        Known{"thread::join", "waits for a thread to finish (join)"},
        Known{"pthread_join", "waits for a thread to finish (join)"},
        Known{"pthread_clockjoin", "waits for a thread to finish (join)"},
        Known{"future", "waits for a future's result"},
        Known{"__atomic_wait", "waits on an atomic (atomic wait, latch, barrier or semaphore)"},
        Known{"semaphore", "waits on a semaphore"},
        Known{"sem_wait", "waits on a semaphore"},
        Known{"sem_timedwait", "waits on a semaphore"},
        Known{"latch", "waits on a latch"},
        Known{"barrier", "waits at a barrier"},
        Known{"wait4", "waits for a child process (waitpid)"},
        Known{"waitpid", "waits for a child process (waitpid)"},
        Known{"waitid", "waits for a child process (waitid)"},
        Known{"libc_read", "is blocked in read() (a pipe with no data, whose write end is still open somewhere?)"},
        Known{"__GI___read", "is blocked in read() (a pipe with no data, whose write end is still open somewhere?)"},
        Known{"libc_write", "is blocked in write() (a full pipe that nobody reads?)"},
        Known{"__GI___write", "is blocked in write() (a full pipe that nobody reads?)"},
        Known{"poll", "waits for I/O (poll)"},
        Known{"accept", "waits for a connection (accept)"},
        Known{"recv", "waits for data on a socket"},
        Known{"nanosleep", "is sleeping"},
        Known{"sleep_for", "is sleeping"},
    };
    for (const Known& k : known) {
        if (function.find(k.needle) != std::string::npos) return std::string(k.meaning);
    }
    return "";
}

std::string describe_thread(const std::string& title, const std::vector<Frame>& frames) {
    std::string blocked;
    std::string blocked_in;
    for (const Frame& f : frames) {
        if (is_user_file(f.file)) break;
        if (const std::string meaning = waiting_for(f.function); !meaning.empty()) {
            blocked = meaning;
            blocked_in = f.function;
        }
    }
    std::vector<const Frame*> mine;
    for (const Frame& f : frames) {
        // The course's own doctest main is no place a student looks for a bug.
        if (is_user_file(f.file) && basename_of(f.file) != "doctest_main.cpp") mine.push_back(&f);
    }
    // doctest names a test case's body DOCTEST_ANON_FUNC_<n>.
    const auto function_name = [](const Frame& f) {
        return f.function.rfind("DOCTEST_ANON_", 0) == 0 ? std::string("the test case") : f.function + "()";
    };
    std::ostringstream line;
    line << title << ' ';
    if (!blocked.empty()) {
        line << blocked;
    } else if (!frames.empty()) {
        line << "is running (an endless loop?)";
        if (!is_user_file(frames.front().file)) line << " in " << frames.front().function << "()";
    }
    if (!mine.empty()) {
        line << " in " << function_name(*mine.front()) << " at " << basename_of(mine.front()->file) << ':'
             << mine.front()->line;
        for (std::size_t i = 1; i < mine.size() && i < 3; ++i) {
            line << "\n    called from " << function_name(*mine[i]) << " at "
                 << basename_of(mine[i]->file) << ':' << mine[i]->line;
        }
    }
    return line.str();
}

std::string without_tsan_noise(std::string line) {
    // "#0 f() /path/file.hpp:20 (binary+0x1234)" -> "#0 f() file.hpp:20"
    static const std::regex module(R"( \([^()]*\+0x[0-9a-f]+\)$)");
    static const std::regex path(R"( /\S*/([^/\s]+:\d+))");
    static const std::regex pid(R"( \(pid=\d+\))");
    line = std::regex_replace(line, module, "");
    line = std::regex_replace(line, path, " $1");
    line = std::regex_replace(line, pid, "");
    return line;
}

}  // namespace

std::string summarise_stacks(const std::string& gdb_output) {
    static const std::regex thread_title(R"(^Thread (\d+) \(.*\):$)");
    std::istringstream in(gdb_output);
    std::string text;
    std::vector<std::pair<std::string, std::vector<Frame>>> threads;
    while (std::getline(in, text)) {
        std::smatch m;
        if (std::regex_match(text, m, thread_title)) {
            threads.push_back({"thread " + m[1].str(), {}});
        } else if (!threads.empty() && !text.empty() && text[0] == '#') {
            Frame frame;
            if (parse_gdb_frame(text, frame)) threads.back().second.push_back(frame);
        }
    }
    // gdb lists the newest thread first; the main thread (1) reads best at the top.
    std::reverse(threads.begin(), threads.end());
    std::ostringstream out;
    for (const auto& [title, frames] : threads) {
        out << describe_thread(title == "thread 1" ? "main thread" : title, frames) << '\n';
    }
    return out.str();
}

std::string tsan_report_kind(const std::string& log) {
    static const std::regex warning(R"(WARNING: ThreadSanitizer: ([^(\n]*[^ (\n])(?: \((potential deadlock)\))?)");
    std::smatch m;
    if (!std::regex_search(log, m, warning)) return "";
    return m[2].matched ? m[1].str() + " (" + m[2].str() + ")" : m[1].str();
}

std::string trim_tsan_report(const std::string& log, int max_reports) {
    std::istringstream in(log);
    std::string text;
    std::ostringstream out;
    std::set<std::string> seen_summaries;
    std::string current;
    int kept = 0;
    int skipped = 0;
    int frames_in_section = 0;
    bool in_report = false;
    std::string first_frame;  // of the current section, kept if no user frame shows up
    auto flush = [&](const std::string& summary) {
        if (seen_summaries.insert(summary).second && kept < max_reports) {
            out << current << without_tsan_noise(summary) << "\n\n";
            ++kept;
        } else {
            ++skipped;
        }
        current.clear();
    };
    while (std::getline(in, text)) {
        if (text.rfind("WARNING: ThreadSanitizer:", 0) == 0) {
            in_report = true;
            current = without_tsan_noise(text) + "\n";
            frames_in_section = 0;
            continue;
        }
        if (!in_report) continue;
        if (text.rfind("SUMMARY: ThreadSanitizer:", 0) == 0) {
            flush(text);
            in_report = false;
            continue;
        }
        const auto first = text.find_first_not_of(' ');
        if (first == std::string::npos) continue;
        if (text[first] == '#') {
            // "#3 function /path/file:line (module+0x...)": keep frames in user files.
            static const std::regex frame(R"(#\d+ (.*) (\S+):(\d+)(?::\d+)? \(.*\)$)");
            std::smatch m;
            const bool user = std::regex_search(text, m, frame) && is_user_file(m[2].str());
            if (user && frames_in_section < 3) {
                current += without_tsan_noise(text) + "\n";
                ++frames_in_section;
            }
            continue;
        }
        if (text.find("Mutex M") != std::string::npos && text.find("created at") == std::string::npos) {
            current += without_tsan_noise(text) + "\n";
            continue;
        }
        // A section header: "Write of size 4 at ... by thread T2:", "Previous read ...",
        // "Location is heap block ...", "Thread T2 ... created by main thread at:".
        current += without_tsan_noise(text) + "\n";
        frames_in_section = 0;
    }
    if (skipped > 0) out << "(and " << skipped << " more report" << (skipped > 1 ? "s" : "") << " of the same kind or beyond the first " << max_reports << ")\n";
    return out.str();
}

}  // namespace course
