// commands.cpp: the student's commands: map, run, check, watch, hint, reset (the command line is in cli/).
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <thread>

#include "activity.hpp"
#include "build.hpp"
#include "checking.hpp"
#include "platform_calls.hpp"
#include "student_commands.hpp"
#include "progress.hpp"
#include "text.hpp"

namespace course {
namespace fs = std::filesystem;

namespace {

// ---- map --------------------------------------------------------------------------------

std::string bar(int done, int total, int width) {
    const int filled = total == 0 ? 0 : done * width / total;
    return "[" + std::string(static_cast<std::size_t>(filled), '#') +
           std::string(static_cast<std::size_t>(width - filled), '-') + "]";
}

/// The word the map shows for a standing, and the note under it, if any.
std::pair<std::string, std::string> standing_words(const Context& context, const Exercise& e, Standing standing) {
    const Style& s = context.style;
    switch (standing) {
        case Standing::passed: return {s.green("passed     "), ""};
        case Standing::passed_unchecked:
            return {s.yellow("passed?    "), "passed, not checked for races: " + context.command("check " + e.id())};
        case Standing::race:
            return {s.magenta("race       "),
                    "its tests pass, but ThreadSanitizer found a race: " + context.command("check " + e.id())};
        case Standing::failing: return {s.red("failing    "), ""};
        case Standing::in_progress: return {s.yellow("in progress"), ""};
        case Standing::not_started: return {s.dim("not started"), ""};
    }
    return {"?", ""};
}

}  // namespace

void show_course_map() {
    const Context context = Context::discover();
    const Progress progress(context);
    const Style& s = context.style;
    const std::size_t width = output_width();
    std::cout << wrap(s.bold(context.course.title), width) << '\n';
    int done = 0;
    int total = 0;
    for (const Chapter& chapter : context.course.chapters) {
        int chapter_done = 0;
        for (const Exercise& e : chapter.exercises) chapter_done += progress.standing(e) == Standing::passed;
        const int count = static_cast<int>(chapter.exercises.size());
        std::string heading = chapter.number + " " + chapter.title;
        heading.resize(std::max<std::size_t>(heading.size() + 1, 31), ' ');
        std::cout << s.bold(heading) << bar(chapter_done, count, 10) << ' ' << chapter_done << '/' << count << '\n';
        for (const Exercise& e : chapter.exercises) {
            const auto [word, note] = standing_words(context, e, progress.standing(e));
            std::string name = e.name;
            name.resize(std::max<std::size_t>(name.size(), 19), ' ');
            // "   passed       exit_code           How did it end? ...", the title wrapped under itself.
            std::cout << wrap(s.dim(e.title), width, "   " + word + "  " + name + " ", std::string(36, ' '));
            if (!note.empty()) std::cout << wrap(note, width, "      ", "        ");
        }
        done += chapter_done;
        total += count;
    }
    std::cout << '\n' << s.bold("Progress ") << bar(done, total, 40) << ' ' << done << '/' << total << " exercises\n\n";
    if (const Exercise* next = progress.next_unsolved()) {
        std::cout << wrap("Next: " + s.bold(next->id()) + ", " + next->title + ".", width)
                  << "  read   " << context.shown(context.root / "chapters" / next->chapter_dir / "README.md") << '\n'
                  << "  edit   " << context.shown(context.exercise_file(*next, next->files.front())) << '\n'
                  << "  check  " << s.bold(context.command("check " + next->id())) << '\n';
    } else {
        std::cout << s.green("Every exercise passes. Well done!") << '\n';
    }
}

namespace {


// ---- run --------------------------------------------------------------------------------

/// The chapter programs `spec` names: "02" (a chapter), "02/03", "02/shared_memory".
std::vector<const ExampleBuild*> examples_of(const Context& context, const std::string& spec) {
    const std::string chapter_part = spec.substr(0, spec.find('/'));
    const std::string example_part = spec.find('/') == std::string::npos ? "" : spec.substr(spec.find('/') + 1);
    const Manifest& manifest = context.manifest();
    std::vector<std::string> known;
    for (const ExampleBuild& x : manifest.examples) {
        if (known.empty() || known.back() != x.chapter) known.push_back(x.chapter);
    }
    const std::string padded = chapter_part.size() == 1 ? "0" + chapter_part : chapter_part;
    std::vector<const ExampleBuild*> in_chapter;
    for (const ExampleBuild& x : manifest.examples) {
        const std::string dir = x.source.parent_path().filename().string();
        if (x.chapter == padded || dir == chapter_part) in_chapter.push_back(&x);
    }
    if (in_chapter.empty()) {
        const auto near = closest(chapter_part, known);
        throw UserError("there is no chapter '" + chapter_part + "'" +
                        (near.empty() ? "" : ". Did you mean " + near.front() + "?") + " Chapters: 01 to " +
                        (known.empty() ? "?" : known.back()) + ".");
    }
    if (example_part.empty()) return in_chapter;
    const std::string padded_example = example_part.size() == 1 ? "0" + example_part : example_part;
    for (const ExampleBuild* x : in_chapter) {
        const std::string& stem = x->name;
        if (stem.rfind(padded_example + "_", 0) == 0 || stem == example_part || stem.substr(3) == example_part ||
            stem.substr(3).rfind(example_part, 0) == 0) {
            return {x};
        }
    }
    std::string list;
    for (const ExampleBuild* x : in_chapter) list += "\n  " + x->chapter + "/" + x->name.substr(0, 2) + "  " + x->name;
    throw UserError("chapter " + in_chapter.front()->chapter + " has no example '" + example_part +
                    "'. Its examples are:" + list);
}

}  // namespace

int run_chapter_examples(const std::string& spec) {
    const Context context = Context::discover();
    const std::vector<const ExampleBuild*> examples = examples_of(context, spec);
    std::vector<std::string> targets;
    for (const ExampleBuild* x : examples) targets.push_back(x->target);
    Build build(context, targets);
    {
        Activity activity(context.style);
        activity.start("building " + std::to_string(targets.size()) + " program(s)");
        build.finish([&](double seconds) { activity.tick(seconds); });
    }
    if (!build.ok()) {
        std::cout << build.output();
        throw UserError("building the examples failed");
    }
    int failures = 0;
    for (const ExampleBuild* x : examples) {
        std::cout << '\n'
                  << context.style.bold("== " + x->chapter + "/" + x->name + " ==") << "   "
                  << context.style.dim(context.shown(context.root / x->source)) << std::endl;
        // The program is ours and made to end by itself: it runs in the terminal as is.
        const pid_t pid = fork();
        if (pid == 0) {
            execl(x->binary.c_str(), x->binary.c_str(), nullptr);
            _exit(127);
        }
        int status = 0;
        while (waitpid(pid, &status, 0) == -1 && errno == EINTR) {
        }
        if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
            const bool meant = WEXITSTATUS(status) == x->exit_code;
            std::cout << context.style.yellow("(exit status " + std::to_string(WEXITSTATUS(status)) +
                                              (meant ? ", as this program means to" : "") + ")")
                      << '\n';
            failures += meant ? 0 : 1;
        } else if (WIFEXITED(status) && x->exit_code != 0) {
            std::cout << context.style.red("(exit status 0, where it means to exit with " + std::to_string(x->exit_code) + ")") << '\n';
            ++failures;
        } else if (WIFSIGNALED(status)) {
            std::cout << context.style.red("(killed by " + signal_name(WTERMSIG(status)) + ": " +
                                           signal_meaning(WTERMSIG(status)) + ")")
                      << '\n';
            ++failures;
        }
    }
    return failures == 0 ? 0 : 1;
}

namespace {


// ---- check and watch ---------------------------------------------------------------------

std::vector<const Exercise*> chosen(const Context& context, const Progress& progress, const std::string& spec) {
    if (!spec.empty()) return context.course.select(spec);
    if (const Exercise* next = progress.next_unsolved()) return {next};
    throw UserError("every exercise passes already; name one to check it again, e.g. " + context.command("check 01"));
}

}  // namespace

int check_command(const std::string& spec, const CheckOptions& options) {
    const Context context = Context::discover();
    Progress progress(context);
    const auto exercises = chosen(context, progress, spec);
    const auto checks = check_exercises(context, progress, exercises, options);
    print_next_step(context, progress, checks, options);
    return std::all_of(checks.begin(), checks.end(), [](const ExerciseCheck& c) { return c.passed(); }) ? 0 : 1;
}

namespace {


enum class WatchEvent { changed, quit, hint, recheck };

/// What `watch` listens to: the student's keyboard (until it reaches its end) and the
/// exercise's files (the platform's watcher: inotify, or polling where inotify is silent).
class Watcher {
public:
    explicit Watcher(const std::vector<fs::path>& files) : files_(platform::watch_files(files)) {}

    /// How the files are watched, when that is worth telling: polling, and why.
    std::string note() const { return files_->descriptor() < 0 ? files_->how() : ""; }

    /// Waits until one of the files is saved, or the student types a command. Saves in
    /// quick succession count once.
    WatchEvent next() {
        bool changed = false;
        auto quiet_since = std::chrono::steady_clock::now();
        for (;;) {
            pollfd fds[2] = {{keyboard_open_ ? STDIN_FILENO : -1, POLLIN, 0}, {files_->descriptor(), POLLIN, 0}};
            const int ready = poll(fds, 2, changed ? 100 : 500);
            if (ready > 0 && (fds[0].revents & (POLLIN | POLLHUP)) != 0) {
                std::string line;
                if (!std::getline(std::cin, line)) {
                    // The end of the input (a closed pipe, Ctrl-D): stop listening to it;
                    // only saved files trigger a check from now on.
                    keyboard_open_ = false;
                } else if (line == "q" || line == "quit") {
                    return WatchEvent::quit;
                } else if (line == "h" || line == "hint") {
                    return WatchEvent::hint;
                } else if (line.empty() || line == "r") {
                    return WatchEvent::recheck;
                }
            }
            if (files_->changed()) {
                changed = true;
                quiet_since = std::chrono::steady_clock::now();
            }
            // Debounce: check once the saving has been quiet for a moment.
            if (changed && std::chrono::steady_clock::now() - quiet_since > std::chrono::milliseconds(300)) {
                return WatchEvent::changed;
            }
        }
    }

private:
    std::unique_ptr<platform::FileWatcher> files_;
    bool keyboard_open_ = true;
};

void show_hint(const Context& context, Progress& progress, const Exercise& e);

std::string clock_time() {
    const std::time_t now = std::time(nullptr);
    char text[16];
    std::strftime(text, sizeof text, "%H:%M:%S", std::localtime(&now));
    return text;
}

}  // namespace

int watch_command(const std::string& spec, const CheckOptions& options) {
    const Context context = Context::discover();
    Progress progress(context);
    const Exercise* current = chosen(context, progress, spec).front();
    const std::size_t width = output_width();
    for (;;) {
        if (context.style.color) std::cout << "\033[2J\033[H";  // a clean screen for each round
        std::cout << context.style.dim("checking " + current->id() + " (" + clock_time() + ")...") << '\n';
        const auto checks = check_exercises(context, progress, {current}, options);
        const bool passed = checks.front().passed();
        if (passed && spec.empty()) {
            const Exercise* next = progress.next_unsolved();
            if (next == nullptr) {
                std::cout << context.style.green("Every exercise passes. Well done!") << '\n';
                return 0;
            }
            std::cout << wrap(context.style.green(current->id() + " passes!") + " On to " + context.style.bold(next->id()) +
                                  ": edit " + context.shown(context.exercise_file(*next, next->files.front())),
                              width);
            current = next;
        }
        std::vector<fs::path> files;
        for (const std::string& f : current->files) files.push_back(context.exercise_file(*current, f));
        Watcher watcher(files);
        const std::string note = watcher.note().empty() ? "" : " (" + watcher.note() + ")";
        std::cout << '\n'
                  << wrap(context.style.dim("Last checked at " + clock_time() + ". Watching " +
                                            context.shown(context.exercise_file(*current, current->files.front())) +
                                            " for changes" + note +
                                            ". Type h + Enter for a hint, Enter to check again, q + Enter to quit."),
                          width)
                  << std::flush;
        for (;;) {
            const WatchEvent event = watcher.next();
            if (event == WatchEvent::quit) return 0;
            if (event == WatchEvent::hint) {
                show_hint(context, progress, *current);
                continue;
            }
            break;
        }
    }
}

namespace {


// ---- hint and reset ------------------------------------------------------------------------

/// Each line dimmed on its own, so that no colour code spans a line break.
std::string dim_lines(const Style& style, const std::string& text) {
    std::istringstream in(text);
    std::string line;
    std::string out;
    while (std::getline(in, line)) out += style.dim(line) + "\n";
    return out;
}

void show_hint(const Context& context, Progress& progress, const Exercise& e) {
    const Style& s = context.style;
    const std::size_t width = output_width();
    if (e.hints.empty()) {
        std::cout << wrap("There are no hints for " + e.id() + ": its lesson has what you need.", width);
        return;
    }
    ExerciseState& state = progress[e.name];
    const int total = static_cast<int>(e.hints.size());
    const bool had_all = state.hints_seen >= total;
    state.hints_seen = std::min(state.hints_seen + 1, total);
    progress.save();
    for (int i = 0; i < state.hints_seen; ++i) {
        const std::string title = "Hint " + std::to_string(i + 1) + " of " + std::to_string(total) + " for " + e.id() + ":";
        const bool newest = i + 1 == state.hints_seen;
        const std::string& hint = e.hints[static_cast<std::size_t>(i)];
        std::cout << (newest ? s.bold(title) : s.dim(title)) << '\n';
        // Dim the older hints line by line, so that wrapping keeps the colour codes whole.
        const std::string wrapped = wrap(hint, width);
        std::cout << (newest ? wrapped : dim_lines(s, wrapped)) << '\n';
    }
    if (had_all) {
        std::cout << wrap("That was the last hint. Re-read the specification above the function in " +
                              context.shown(context.exercise_file(e, e.files.front())) + ", and the tests in " +
                              context.shown(context.root / "tests" / e.chapter_dir / ("test_" + e.name + ".cpp")) + ".",
                          width);
    } else if (state.hints_seen < total) {
        std::cout << s.dim("Ask again for the next hint.") << '\n';
    }
}

}  // namespace

int hint_command(const std::string& spec) {
    const Context context = Context::discover();
    Progress progress(context);
    show_hint(context, progress, *chosen(context, progress, spec).front());
    return 0;
}

int reset_command(const std::string& spec, bool yes) {
    const Context context = Context::discover();
    Progress progress(context);
    const auto exercises = context.course.select(spec);
    struct Restore {
        const Exercise* exercise;
        std::string file;
        std::string original;
        std::string from;
    };
    std::vector<Restore> changed;
    std::vector<std::string> lost;
    for (const Exercise* e : exercises) {
        for (const std::string& file : e->files) {
            std::string from;
            const auto original = progress.stubs().original(*e, file, &from);
            if (!original) {
                lost.push_back(context.shown(context.exercise_file(*e, file)));
                continue;
            }
            if (read_file(context.exercise_file(*e, file)) != *original) changed.push_back({e, file, *original, from});
        }
    }
    if (!lost.empty()) {
        std::string list;
        for (const std::string& file : lost) list += "\n  " + file;
        throw UserError("cannot find the original of:" + list +
                        "\nThis copy of the course has no git history and no copy of the untouched file in .course/originals/. "
                        "Take the file from the course's repository, or clone it with git.");
    }
    if (changed.empty()) {
        std::cout << "Nothing to reset: " << spec << " is as it was at the start.\n";
        return 0;
    }
    std::cout << "This puts back the original stub of:\n";
    for (const Restore& r : changed) std::cout << "  " << context.shown(context.exercise_file(*r.exercise, r.file)) << '\n';
    if (!yes) {
        if (!isatty(STDIN_FILENO)) {
            throw UserError("reset asks for confirmation in a terminal; add --yes to confirm from a script");
        }
        std::cout << "Your changes are kept in " << context.shown(context.state_dir / "backups") << ". Go ahead? [y/N] "
                  << std::flush;
        std::string answer;
        std::getline(std::cin, answer);
        if (answer != "y" && answer != "Y" && answer != "yes") {
            std::cout << "Nothing changed.\n";
            return 1;
        }
    }
    const std::time_t now = std::time(nullptr);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
    for (const Restore& r : changed) {
        const fs::path target = context.exercise_file(*r.exercise, r.file);
        const fs::path backup = context.state_dir / "backups" / r.exercise->chapter_dir / (r.file + "." + stamp);
        fs::create_directories(backup.parent_path());
        fs::copy_file(target, backup, fs::copy_options::overwrite_existing);
        std::ofstream(target, std::ios::binary | std::ios::trunc) << r.original;
        std::cout << wrap("restored " + context.shown(target) + " from " + r.from + " (your version: " +
                              context.shown(backup) + ")",
                          output_width(), "", "  ");
        progress[r.exercise->name].last_status.clear();
    }
    progress.save();
    return 0;
}

/// exercises/stubs.json: checked (the default) or written again (maintainers).
int stubs_command(bool write) {
    const Context context = Context::discover();
    const std::string wanted = Stubs::manifest_for(context);
    const fs::path path = Stubs::manifest_path(context);
    if (write) {
        std::ofstream(path) << wanted;
        std::cout << "wrote " << context.shown(path) << '\n';
        return 0;
    }
    if (read_file(path) == wanted) {
        std::cout << context.shown(path) << " matches the exercise files\n";
        return 0;
    }
    std::cout << context.shown(path) << " does not match the exercise files: a stub changed. Run "
              << context.command("stubs --write") << " and commit the result.\n";
    return 1;
}

}  // namespace course
