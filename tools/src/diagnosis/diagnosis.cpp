// diagnosis.cpp: read gdb backtraces, crash frames and ThreadSanitizer reports for people.
#include "diagnosis.hpp"

#include <algorithm>
#include <map>
#include <array>
#include <regex>
#include <set>
#include <sstream>
#include <string_view>

#include "gdb_locks_py.hpp"
#include "text.hpp"

namespace course {
namespace {

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
        Known{"pthread_mutex_clocklock", "waits for a mutex (timed)"},
        Known{"pthread_mutex_timedlock", "waits for a mutex (timed)"},
        Known{"lll_lock_wait", "waits for a mutex"},
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

std::string describe_thread(const std::string& title, const std::vector<Frame>& frames, const CodeOwners& owners) {
    // What it waits for: the outermost blocking call below the first frame of our code.
    std::string blocked;
    for (const Frame& f : frames) {
        if (owners.owner_of(f) != Owner::system) break;
        if (const std::string meaning = waiting_for(f.function); !meaning.empty()) blocked = meaning;
    }
    std::ostringstream text;
    text << title << ' ';
    if (!blocked.empty()) {
        text << blocked;
    } else if (!frames.empty()) {
        text << "is running (an endless loop?)";
        if (owners.owner_of(frames.front()) == Owner::system) {
            text << " in " << short_function_name(frames.front().function);
        }
    }
    text << '\n' << indent(describe_stack(frames, owners, 3), "  ");
    return text.str();
}

/// "#0 f() /path/file.hpp:20 (binary+0x1234)" -> "f() at file.hpp:20"
std::string frame_line(const Frame& frame) {
    return short_function_name(frame.function) + (frame.file.empty() ? "" : " at " + place(frame));
}

std::string without_addresses(std::string line) {
    static const std::regex address(R"( \(0x[0-9a-f]+\)| at 0x[0-9a-f]+| \([^() ]+\+0x[0-9a-f]+\))");
    static const std::regex pid(R"( \(pid=\d+\))");
    static const std::regex sanitizer_pid(R"(^==\d+==)");
    line = std::regex_replace(line, address, "");
    line = std::regex_replace(line, pid, "");
    return std::regex_replace(line, sanitizer_pid, "");
}

/// A section of a report: a heading ("Write of size 4 at ... by thread T2:") and its frames.
struct Section {
    std::string heading;
    std::vector<Frame> frames;
};

/// Headings that only add context to the one before: shown only with frames to show.
bool is_secondary(const std::string& heading) {
    return heading.find("previously acquired") != std::string::npos || heading.find("created at") != std::string::npos ||
           heading.find("created by") != std::string::npos || heading.find("allocated by") != std::string::npos ||
           heading.find("Location is") != std::string::npos;
}

std::string render_report(const std::string& warning, const std::vector<Section>& sections, const CodeOwners& owners) {
    std::ostringstream out;
    out << warning << '\n';
    const Frame* where = nullptr;
    for (const Section& section : sections) {
        std::vector<const Frame*> shown;
        for (const Frame& f : section.frames) {
            const Owner owner = owners.owner_of(f);
            if ((owner == Owner::student || owner == Owner::test) && shown.size() < 3) shown.push_back(&f);
        }
        const bool location = section.heading.find("Location is") != std::string::npos;
        // Where a mutex or a thread was created says little a student can act on.
        if (section.heading.find("created at") != std::string::npos ||
            section.heading.find("created by") != std::string::npos) {
            continue;
        }
        // "Location is global '<null>' at 0x000000000000": TSan could not tell; say nothing.
        if (location && section.heading.find("'<null>'") != std::string::npos) continue;
        if (shown.empty() && !location) {
            if (is_secondary(section.heading) || section.frames.empty()) {
                if (!section.frames.empty() || is_secondary(section.heading)) continue;
            } else {
                // A main access with no frame in our code: its innermost frame, rather than nothing.
                shown.push_back(&section.frames.front());
            }
        }
        std::string heading = without_addresses(section.heading);
        if (location) heading = std::regex_replace(heading, std::regex(R"( at 0x[0-9a-f]+.*$)"), "");
        out << "  " << heading << '\n';
        for (const Frame* f : shown) out << "    " << frame_line(*f) << '\n';
        if (where == nullptr && !shown.empty() && owners.owner_of(*shown.front()) != Owner::system) where = shown.front();
    }
    if (where != nullptr) {
        std::string code = source_line(where->file, where->line);
        const auto start = code.find_first_not_of(" \t");
        if (start != std::string::npos) out << "  " << place(*where) << " | " << code.substr(start) << '\n';
    }
    return out.str();
}

}  // namespace


std::string gdb_lock_script() {
    // tools/src/diagnosis/gdb_locks.py, built into the tool (see tools/CMakeLists.txt).
    return std::string(course_gdb_locks_py);
}

namespace {

/// What the lock script found out.
struct LockFacts {
    struct Held {
        std::string mutex;
        Frame where;  // the guard's declaration
    };
    std::map<int, long> kernel_id;                    // gdb thread number -> kernel thread id
    std::map<int, std::string> waits;                 // thread -> mutex it waits for
    std::map<int, std::vector<Held>> holds;           // thread -> guards it holds
    std::map<std::string, long> owner;                // mutex -> kernel thread id of its owner
    std::map<int, std::string> condition;             // thread -> condition variable it waits on
    bool any() const { return !waits.empty() || !condition.empty(); }
};

LockFacts read_lock_facts(const std::string& gdb_output) {
    LockFacts facts;
    std::istringstream in(gdb_output);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.starts_with("course-")) continue;
        std::istringstream words(line);
        std::string kind;
        words >> kind;
        if (kind == "course-thread") {
            int thread = 0;
            long id = 0;
            if (words >> thread >> id) facts.kernel_id[thread] = id;
        } else if (kind == "course-waits") {
            int thread = 0;
            std::string mutex;
            if (words >> thread >> mutex) facts.waits[thread] = mutex;
        } else if (kind == "course-holds") {
            int thread = 0;
            LockFacts::Held held;
            if (words >> thread >> held.mutex >> held.where.file >> held.where.line) facts.holds[thread].push_back(held);
        } else if (kind == "course-owner") {
            std::string mutex;
            long id = 0;
            if (words >> mutex >> id) facts.owner[mutex] = id;
        } else if (kind == "course-cv") {
            int thread = 0;
            std::string cv;
            if (words >> thread >> cv) facts.condition[thread] = cv;
        }
    }
    return facts;
}

/// The object a lock statement names: "from.mutex_" in "std::lock_guard lock(from.mutex_);".
std::string locked_object(const std::string& code) {
    static const std::regex argument(R"([({]\s*([A-Za-z_][\w.\->\[\]]*)\s*[)}])");
    static const std::regex call(R"(([A-Za-z_][\w.\->\[\]]*)\s*(?:\.|->)\s*lock\s*\()");
    std::smatch m;
    if (std::regex_search(code, m, argument)) return m[1].str();
    if (std::regex_search(code, m, call)) return m[1].str();
    return "";
}

std::string thread_title(int number) { return number == 1 ? "the main thread" : "thread " + std::to_string(number); }

/// The cycle (and the other waits) told in sentences, from the lock facts and the stacks.
class LockStory {
public:
    LockStory(const LockFacts& facts, const std::map<int, std::vector<Frame>>& stacks, const CodeOwners& owners)
        : facts_(facts), stacks_(stacks), owners_(owners) {}

    std::string tell() {
        const std::vector<int> cycle = find_cycle();
        if (!cycle.empty()) {
            out_ << "The threads wait for each other in a cycle (a deadlock):\n";
            for (const int thread : cycle) tell_wait(thread);
        }
        for (const auto& [thread, ignored] : facts_.waits) {
            if (std::find(cycle.begin(), cycle.end(), thread) == cycle.end()) tell_wait(thread);
        }
        tell_condition_waits();
        return out_.str();
    }

private:
    /// Mutexes get letters in the order the story meets them.
    std::string name_of(const std::string& mutex) {
        auto it = letters_.find(mutex);
        if (it == letters_.end()) {
            const char letter = static_cast<char>('A' + std::min<std::size_t>(letters_.size(), 25));
            it = letters_.emplace(mutex, std::string(1, letter)).first;
        }
        return "mutex " + it->second;
    }

    int thread_of(long kernel_id) const {
        for (const auto& [number, id] : facts_.kernel_id) {
            if (id == kernel_id) return number;
        }
        return 0;
    }

    /// Who holds a mutex: glibc's owner, else a guard that names it; -1 for a thread that
    /// has ended, 0 when nobody can be told.
    int holder_of(const std::string& mutex) const {
        if (const auto it = facts_.owner.find(mutex); it != facts_.owner.end() && it->second != 0) {
            const int number = thread_of(it->second);
            return number != 0 ? number : -1;
        }
        for (const auto& [thread, held] : facts_.holds) {
            for (const auto& h : held) {
                if (h.mutex == mutex) return thread;
            }
        }
        return 0;
    }

    std::string where_locked(int thread, const std::string& mutex) const {
        const auto it = facts_.holds.find(thread);
        if (it == facts_.holds.end()) return "";
        for (const auto& h : it->second) {
            if (h.mutex != mutex) continue;
            const std::string object = locked_object(source_line(h.where.file, h.where.line));
            return (object.empty() ? "" : object + ", ") + "locked at " + place(h.where);
        }
        return "";
    }

    std::string where_waiting(int thread) const {
        const auto it = stacks_.find(thread);
        if (it == stacks_.end()) return "";
        const Frame* own = innermost_own_frame(it->second, owners_);
        if (own == nullptr) return "";
        const std::string object = locked_object(source_line(own->file, own->line));
        return (object.empty() ? "" : object + ", ") + "at " + place(*own);
    }

    /// Follows "waits for a mutex that thread X holds" from each thread: a walk that comes
    /// back to a thread it has seen is a cycle.
    std::vector<int> find_cycle() const {
        for (const auto& [start, ignored] : facts_.waits) {
            std::vector<int> path{start};
            for (int thread = start;;) {
                const auto w = facts_.waits.find(thread);
                if (w == facts_.waits.end()) break;
                const int next = holder_of(w->second);
                if (next <= 0) break;
                const auto seen = std::find(path.begin(), path.end(), next);
                if (seen != path.end()) return {seen, path.end()};
                path.push_back(next);
                thread = next;
            }
        }
        return {};
    }

    /// "thread 2 holds mutex A (...) and waits for mutex B (...), which thread 3 holds".
    void tell_wait(int thread) {
        const std::string& waited = facts_.waits.at(thread);
        const int holder = holder_of(waited);
        // What it holds that another thread waits for.
        std::string holding;
        if (const auto it = facts_.holds.find(thread); it != facts_.holds.end()) {
            for (const auto& h : it->second) {
                bool wanted = false;
                for (const auto& [other, m] : facts_.waits) wanted = wanted || (m == h.mutex && other != thread);
                if (wanted) holding += (holding.empty() ? "" : " and ") + name_of(h.mutex) + " (" + where_locked(thread, h.mutex) + ")";
            }
        }
        out_ << thread_title(thread) << ' ';
        if (!holding.empty()) out_ << "holds " << holding << "\n  and ";
        const std::string at = where_waiting(thread);
        out_ << "waits for " << name_of(waited) << (at.empty() ? "" : " (" + at + ")");
        if (holder > 0) out_ << ", which " << thread_title(holder) << " holds";
        else if (holder < 0) out_ << ", held by a thread that has ended without unlocking it";
        out_ << '\n';
    }

    /// A condition-variable wait with every other thread blocked: nobody is left to notify.
    void tell_condition_waits() {
        bool someone_running = false;
        for (const auto& [thread, frames] : stacks_) {
            if (facts_.waits.count(thread) || facts_.condition.count(thread)) continue;
            bool blocked = false;
            for (const Frame& f : frames) {
                if (owners_.owner_of(f) != Owner::system) break;
                blocked = blocked || !waiting_for(f.function).empty();
            }
            someone_running = someone_running || !blocked;
        }
        for (const auto& [thread, cv] : facts_.condition) {
            const std::string at = where_waiting(thread);
            out_ << thread_title(thread) << " waits on a condition variable" << (at.empty() ? "" : " (" + at + ")");
            if (!someone_running) out_ << ":\n  every other thread is blocked too, so nobody is left to notify it";
            out_ << '\n';
        }
    }

    const LockFacts& facts_;
    const std::map<int, std::vector<Frame>>& stacks_;
    const CodeOwners& owners_;
    std::map<std::string, std::string> letters_;
    std::ostringstream out_;
};

}  // namespace

std::string summarise_stacks(const std::string& gdb_output, const CodeOwners& owners) {
    static const std::regex thread_title_line(R"(^Thread (\d+) \(.*\):$)");
    std::istringstream in(gdb_output);
    std::string text;
    std::vector<std::pair<int, std::vector<Frame>>> threads;
    while (std::getline(in, text)) {
        std::smatch m;
        if (std::regex_match(text, m, thread_title_line)) {
            threads.push_back({std::stoi(m[1].str()), {}});
        } else if (!threads.empty() && !text.empty() && text[0] == '#') {
            Frame frame;
            if (parse_gdb_frame(text, frame)) threads.back().second.push_back(frame);
        }
    }
    if (threads.empty()) return "";
    // gdb lists the newest thread first; the main thread (1) reads best at the top.
    std::reverse(threads.begin(), threads.end());
    std::ostringstream out;
    const LockFacts facts = read_lock_facts(gdb_output);
    if (facts.any()) {
        const std::map<int, std::vector<Frame>> stacks(threads.begin(), threads.end());
        out << LockStory(facts, stacks, owners).tell() << "\nWhere each thread was when it was stopped:\n";
    }
    for (const auto& [number, frames] : threads) {
        out << describe_thread(number == 1 ? "main thread" : "thread " + std::to_string(number), frames, owners);
    }
    return out.str();
}

TsanFindings read_tsan_log(const std::string& log, const CodeOwners& owners, int max_reports) {
    TsanFindings findings;
    static const std::regex warning(R"(^(?:==\d+==)?(?:WARNING|ERROR): ThreadSanitizer: (.*?)(?: \(pid=\d+\))?$)");
    static const std::regex fatal(R"(^(SEGV|BUS|FPE|ILL|ABRT|TRAP|signal \d+)\b)");
    std::istringstream in(log);
    std::string text;
    std::set<std::string> seen_summaries;
    std::ostringstream out;
    int kept = 0;
    int skipped = 0;
    bool in_report = false;
    std::string heading_line;
    std::vector<Section> sections;
    const auto finish = [&](const std::string& summary) {
        const std::string key = summary.empty() ? heading_line : summary;
        if (seen_summaries.insert(key).second && kept < max_reports) {
            out << render_report(heading_line, sections, owners) << '\n';
            ++kept;
        } else {
            ++skipped;
        }
        sections.clear();
        in_report = false;
    };
    while (std::getline(in, text)) {
        std::smatch m;
        if (std::regex_match(text, m, warning)) {
            if (in_report) finish("");
            in_report = true;
            std::string kind = m[1].str();
            std::smatch f;
            const bool is_fatal = std::regex_search(kind, f, fatal);
            if (findings.kind.empty()) {
                findings.kind = kind;
                if (is_fatal) {
                    findings.fatal_signal = true;
                    findings.signal_name = f[1].str();
                    // "SEGV on unknown address 0x000000000000 (pc ... T8659)" -> keep the address
                    findings.kind = std::regex_replace(kind, std::regex(R"( \(pc .*\)$)"), "");
                }
            }
            heading_line = "ThreadSanitizer: " + std::regex_replace(kind, std::regex(R"( \(pc .*\)$)"), "");
            continue;
        }
        if (!in_report) continue;
        if (text.starts_with("SUMMARY: ThreadSanitizer:")) {
            finish(text);
            continue;
        }
        const auto first = text.find_first_not_of(' ');
        if (first == std::string::npos) continue;
        Frame frame;
        if (text[first] == '#' && parse_tsan_frame(text, frame)) {
            if (sections.empty()) sections.push_back({"", {}});
            sections.back().frames.push_back(frame);
            if (findings.fatal_signal && kept == 0 && sections.size() == 1) findings.crash_frames.push_back(frame);
            continue;
        }
        const std::string line = without_addresses(text.substr(first));
        if (line.find("The signal is caused by") != std::string::npos || line.starts_with("Hint:")) {
            if (findings.fatal_signal && kept == 0) findings.access += (findings.access.empty() ? "" : " ") + line;
            continue;
        }
        if (line.starts_with("ThreadSanitizer can not provide") || line.starts_with("ABORTING")) continue;
        if (line.starts_with("Cycle in lock order graph")) {
            heading_line += "\n  " + line;
            continue;
        }
        sections.push_back({line, {}});
    }
    if (in_report) finish("");
    if (skipped > 0) {
        out << "(and " << skipped << " more report" << (skipped > 1 ? "s" : "") << " of the same kind or beyond the first "
            << max_reports << ")\n";
    }
    findings.trimmed = out.str();
    while (!findings.trimmed.empty() && (findings.trimmed.back() == '\n' || findings.trimmed.back() == ' ')) {
        findings.trimmed.pop_back();
    }
    findings.trimmed += '\n';
    return findings;
}

}  // namespace course
