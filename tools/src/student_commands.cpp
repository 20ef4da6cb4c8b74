// student_commands.cpp: the student's commands: map, run, check, watch, hint, reset.
#include <CLI/CLI.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
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
#include <thread>

#include "checking.hpp"
#include "commands.hpp"
#include "progress.hpp"

namespace course {
namespace fs = std::filesystem;

namespace {

// ---- map --------------------------------------------------------------------------------

std::string bar(int done, int total, int width) {
    const int filled = total == 0 ? 0 : done * width / total;
    return "[" + std::string(static_cast<std::size_t>(filled), '#') +
           std::string(static_cast<std::size_t>(width - filled), '-') + "]";
}

void show_map() {
    const Context context = Context::discover();
    const Progress progress(context);
    const Style& s = context.style;
    std::cout << s.bold(context.course.title) << "\n\n";
    int done = 0;
    int total = 0;
    for (const Chapter& chapter : context.course.chapters) {
        int chapter_done = 0;
        for (const Exercise& e : chapter.exercises) chapter_done += progress.standing(e) == Standing::passed;
        const int count = static_cast<int>(chapter.exercises.size());
        std::cout << s.bold(chapter.number + " " + chapter.title) << std::string(28 - std::min<std::size_t>(27, chapter.title.size()), ' ')
                  << bar(chapter_done, count, 10) << ' ' << chapter_done << '/' << count << '\n';
        for (const Exercise& e : chapter.exercises) {
            std::string word;
            switch (progress.standing(e)) {
                case Standing::passed: word = s.green("passed     "); break;
                case Standing::failing: word = s.red("failing    "); break;
                case Standing::in_progress: word = s.yellow("in progress"); break;
                case Standing::not_started: word = s.dim("not started"); break;
            }
            std::string name = e.name;
            name.resize(std::max<std::size_t>(name.size(), 20), ' ');
            std::cout << "   " << word << "  " << name << ' ' << s.dim(e.title) << '\n';
        }
        done += chapter_done;
        total += count;
    }
    std::cout << '\n' << s.bold("Progress ") << bar(done, total, 40) << ' ' << done << '/' << total
              << " exercises\n\n";
    if (const Exercise* next = progress.next_unsolved()) {
        std::cout << "Next: " << s.bold(next->id()) << ", " << next->title << ".\n"
                  << "  read   chapters/" << next->chapter_dir << "/README.md\n"
                  << "  edit   exercises/" << next->chapter_dir << "/" << next->files.front() << '\n'
                  << "  check  " << s.bold("./course check " + next->id()) << '\n';
    } else {
        std::cout << s.green("Every exercise passes. Well done!") << '\n';
    }
}

// ---- run --------------------------------------------------------------------------------

struct Example {
    std::string chapter_number;
    std::string chapter_dir;
    std::string stem;  // "03_arguments_are_copied"
};

std::vector<Example> examples_of(const Context& context, const std::string& spec) {
    const std::string chapter_part = spec.substr(0, spec.find('/'));
    const std::string example_part = spec.find('/') == std::string::npos ? "" : spec.substr(spec.find('/') + 1);
    std::vector<fs::path> chapter_dirs;
    for (const auto& entry : fs::directory_iterator(context.root / "chapters")) {
        if (entry.is_directory()) chapter_dirs.push_back(entry.path());
    }
    std::sort(chapter_dirs.begin(), chapter_dirs.end());
    std::vector<std::string> known;
    for (const fs::path& dir : chapter_dirs) {
        const std::string name = dir.filename().string();
        const std::string number = name.substr(0, 2);
        known.push_back(number);
        const std::string padded = chapter_part.size() == 1 ? "0" + chapter_part : chapter_part;
        if (padded != number && chapter_part != name) continue;
        std::vector<Example> found;
        std::vector<std::string> stems;
        for (const auto& entry : fs::directory_iterator(dir)) {
            const std::string file = entry.path().filename().string();
            if (entry.path().extension() != ".cpp" || file.size() < 4 || !std::isdigit(static_cast<unsigned char>(file[0]))) continue;
            stems.push_back(entry.path().stem().string());
        }
        std::sort(stems.begin(), stems.end());
        for (const std::string& stem : stems) {
            const std::string padded_example = example_part.size() == 1 ? "0" + example_part : example_part;
            if (example_part.empty() || stem.rfind(padded_example + "_", 0) == 0 || stem == example_part ||
                stem.substr(3) == example_part || stem.substr(3).rfind(example_part, 0) == 0) {
                found.push_back({number, name, stem});
            }
        }
        if (found.empty()) {
            std::string list;
            for (const std::string& stem : stems) list += "\n  " + number + "/" + stem.substr(0, 2) + "  " + stem;
            throw UserError("chapter " + number + " has no example '" + example_part + "'. Its examples are:" + list);
        }
        if (!example_part.empty() && found.size() > 1) found.resize(1);
        return found;
    }
    const auto near = closest(chapter_part, known);
    throw UserError("there is no chapter '" + chapter_part + "'" +
                    (near.empty() ? "" : ". Did you mean " + near.front() + "?") + " Chapters: 01 to " +
                    (known.empty() ? "?" : known.back()) + ".");
}

void run_examples(const std::string& spec) {
    const Context context = Context::discover();
    const std::vector<Example> examples = examples_of(context, spec);
    std::vector<std::string> targets;
    for (const Example& e : examples) targets.push_back("example." + e.chapter_number + "." + e.stem);
    std::cout << context.style.dim("building " + std::to_string(targets.size()) + " program(s)...") << std::endl;
    const BuildResult build = build_targets(context, targets);
    if (!build.ok) {
        std::cout << build.output;
        throw UserError("building the examples failed");
    }
    int failures = 0;
    for (const Example& e : examples) {
        std::cout << '\n'
                  << context.style.bold("== " + e.chapter_number + "/" + e.stem + " ==") << "   "
                  << context.style.dim("chapters/" + e.chapter_dir + "/" + e.stem + ".cpp") << std::endl;
        const fs::path program = context.build_dir / "chapters" / e.chapter_dir / e.stem;
        // The program is ours and made to end by itself: it runs in the terminal as is.
        const pid_t pid = fork();
        if (pid == 0) {
            execl(program.c_str(), program.c_str(), nullptr);
            _exit(127);
        }
        int status = 0;
        while (waitpid(pid, &status, 0) == -1 && errno == EINTR) {
        }
        if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
            std::cout << context.style.yellow("(exit status " + std::to_string(WEXITSTATUS(status)) + ")") << '\n';
            ++failures;
        } else if (WIFSIGNALED(status)) {
            std::cout << context.style.red("(killed by signal " + std::to_string(WTERMSIG(status)) + ")") << '\n';
            ++failures;
        }
    }
}

// ---- check and watch ---------------------------------------------------------------------

std::vector<const Exercise*> chosen(const Context& context, const Progress& progress, const std::string& spec) {
    if (!spec.empty()) return context.course.select(spec);
    if (const Exercise* next = progress.next_unsolved()) return {next};
    throw UserError("every exercise passes already; name one to check it again, e.g. ./course check 01");
}

int check(const std::string& spec, const CheckOptions& options) {
    const Context context = Context::discover();
    Progress progress(context);
    const auto exercises = chosen(context, progress, spec);
    const auto checks = check_exercises(context, progress, exercises, options);
    print_next_step(context, progress, checks, options);
    return std::all_of(checks.begin(), checks.end(), [](const ExerciseCheck& c) { return c.passed(); }) ? 0 : 1;
}

/// Modification stamps of the files, for the polling fallback.
std::string stamps(const std::vector<fs::path>& files) {
    std::string text;
    for (const fs::path& file : files) {
        struct stat info {};
        if (stat(file.c_str(), &info) == 0) {
            text += std::to_string(info.st_mtim.tv_sec) + "." + std::to_string(info.st_mtim.tv_nsec) + ":" +
                    std::to_string(info.st_size) + ";";
        }
    }
    return text;
}

enum class WatchEvent { changed, quit, hint, recheck };

/// Waits until one of `files` is saved (inotify on their folders, or polling where inotify
/// is unavailable), or the student types a command. Saves in quick succession count once.
WatchEvent wait_for_change(const std::vector<fs::path>& files) {
    const int inotify = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    std::vector<std::string> names;
    for (const fs::path& file : files) {
        names.push_back(file.filename().string());
        // Editors often save by writing a new file and renaming it: watch the folder.
        if (inotify >= 0) inotify_add_watch(inotify, file.parent_path().c_str(), IN_CLOSE_WRITE | IN_MOVED_TO | IN_MODIFY);
    }
    const std::string before = stamps(files);
    bool changed = false;
    auto quiet_since = std::chrono::steady_clock::now();
    for (;;) {
        pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {inotify, POLLIN, 0}};
        const int ready = poll(fds, inotify >= 0 ? 2 : 1, changed ? 100 : 500);
        if (ready > 0 && (fds[0].revents & POLLIN)) {
            std::string line;
            if (!std::getline(std::cin, line)) {
                std::cin.clear();
                fds[0].fd = -1;
            }
            if (line == "q" || line == "quit") return WatchEvent::quit;
            if (line == "h" || line == "hint") return WatchEvent::hint;
            if (line.empty() || line == "r") return WatchEvent::recheck;
        }
        if (inotify >= 0 && ready > 0 && (fds[1].revents & POLLIN)) {
            alignas(inotify_event) char buffer[4096];
            ssize_t n;
            while ((n = read(inotify, buffer, sizeof buffer)) > 0) {
                for (char* p = buffer; p < buffer + n;) {
                    const auto* event = reinterpret_cast<const inotify_event*>(p);
                    if (event->len > 0 && std::find(names.begin(), names.end(), event->name) != names.end()) {
                        changed = true;
                        quiet_since = std::chrono::steady_clock::now();
                    }
                    p += sizeof(inotify_event) + event->len;
                }
            }
        }
        if (inotify < 0 && stamps(files) != before && !changed) {
            changed = true;
            quiet_since = std::chrono::steady_clock::now();
        }
        // Debounce: check once the saving has been quiet for a moment.
        if (changed && std::chrono::steady_clock::now() - quiet_since > std::chrono::milliseconds(300)) {
            if (inotify >= 0) close(inotify);
            return WatchEvent::changed;
        }
    }
}

void show_hint(const Context& context, Progress& progress, const Exercise& e);

int watch(const std::string& spec, const CheckOptions& options) {
    const Context context = Context::discover();
    Progress progress(context);
    const Exercise* current = chosen(context, progress, spec).front();
    for (;;) {
        if (context.style.color) std::cout << "\033[2J\033[H";  // a clean screen for each round
        const auto checks = check_exercises(context, progress, {current}, options);
        const bool passed = checks.front().passed();
        if (passed && spec.empty()) {
            const Exercise* next = progress.next_unsolved();
            if (next == nullptr) {
                std::cout << context.style.green("Every exercise passes. Well done!") << '\n';
                return 0;
            }
            std::cout << context.style.green(current->id() + " passes!") << " On to " << context.style.bold(next->id())
                      << ": edit exercises/" << next->chapter_dir << "/" << next->files.front() << '\n';
            current = next;
        }
        std::cout << context.style.dim("\nWatching exercises/" + current->chapter_dir + "/" + current->files.front() +
                                       " for changes. Type h + Enter for a hint, Enter to check again, q + Enter to quit.")
                  << std::endl;
        std::vector<fs::path> files;
        for (const std::string& f : current->files) files.push_back(context.exercise_file(*current, f));
        for (;;) {
            const WatchEvent event = wait_for_change(files);
            if (event == WatchEvent::quit) return 0;
            if (event == WatchEvent::hint) {
                show_hint(context, progress, *current);
                continue;
            }
            break;
        }
    }
}

// ---- hint and reset ------------------------------------------------------------------------

void show_hint(const Context& context, Progress& progress, const Exercise& e) {
    const Style& s = context.style;
    if (e.hints.empty()) {
        std::cout << "There are no hints for " << e.id() << ": its lesson has what you need.\n";
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
        std::cout << (newest ? s.bold(title) : s.dim(title)) << '\n'
                  << (newest ? e.hints[static_cast<std::size_t>(i)] : s.dim(e.hints[static_cast<std::size_t>(i)])) << "\n\n";
    }
    if (had_all) {
        std::cout << "That was the last hint. Re-read the specification above the function in exercises/"
                  << e.chapter_dir << "/" << e.files.front() << ", and the tests in tests/" << e.chapter_dir
                  << "/test_" << e.name << ".cpp.\n";
    } else if (state.hints_seen < total) {
        std::cout << s.dim("Ask again for the next hint.") << '\n';
    }
}

int hint(const std::string& spec) {
    const Context context = Context::discover();
    Progress progress(context);
    show_hint(context, progress, *chosen(context, progress, spec).front());
    return 0;
}

int reset(const std::string& spec, bool yes) {
    const Context context = Context::discover();
    Progress progress(context);
    const auto exercises = context.course.select(spec);
    std::vector<std::pair<const Exercise*, std::string>> changed;
    for (const Exercise* e : exercises) {
        for (const std::string& file : e->files) {
            std::ifstream now(context.exercise_file(*e, file), std::ios::binary);
            std::ifstream original(progress.original(*e, file), std::ios::binary);
            const std::string a{std::istreambuf_iterator<char>(now), {}};
            const std::string b{std::istreambuf_iterator<char>(original), {}};
            if (a != b) changed.push_back({e, file});
        }
    }
    if (changed.empty()) {
        std::cout << "Nothing to reset: " << spec << " is as it was at the start.\n";
        return 0;
    }
    std::cout << "This puts back the original of:\n";
    for (const auto& [e, file] : changed) std::cout << "  exercises/" << e->chapter_dir << "/" << file << '\n';
    if (!yes) {
        if (!isatty(STDIN_FILENO)) {
            throw UserError("reset asks for confirmation in a terminal; add --yes to confirm from a script");
        }
        std::cout << "Your changes are kept in .course/backups/. Go ahead? [y/N] " << std::flush;
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
    for (const auto& [e, file] : changed) {
        const fs::path target = context.exercise_file(*e, file);
        const fs::path backup = context.state_dir / "backups" / e->chapter_dir / (file + "." + stamp);
        fs::create_directories(backup.parent_path());
        fs::copy_file(target, backup, fs::copy_options::overwrite_existing);
        fs::copy_file(progress.original(*e, file), target, fs::copy_options::overwrite_existing);
        std::cout << "restored exercises/" << e->chapter_dir << "/" << file << " (your version: "
                  << fs::relative(backup, context.root).string() << ")\n";
        progress[e->name].last_status.clear();
    }
    progress.save();
    return 0;
}

/// Runs a command's body and turns its status into CLI11's way of ending with it.
void finish(int status) {
    if (status != 0) throw CLI::RuntimeError(status);
}

void add_check_options(CLI::App* cmd, CheckOptions& options) {
    cmd->add_flag("--tsan", options.tsan, "Run the ThreadSanitizer build, which also reports data races and lock-order inversions");
    cmd->add_option("--time-limit", options.time_limit, "Seconds each test case may take (default: the exercise's own limit)")
        ->check(CLI::Range(1, 3600));
    cmd->add_flag("-v,--verbose", options.verbose, "Show passing test cases and everything the tests printed");
}

}  // namespace

void add_student_commands(CLI::App& app) {
    app.callback([&app] {
        if (app.get_subcommands().empty()) show_map();
    });

    auto spec = std::make_shared<std::string>();
    auto options = std::make_shared<CheckOptions>();
    auto yes = std::make_shared<bool>(false);

    CLI::App* map = app.add_subcommand("map", "Show the course map: every exercise passed, failing or not started (the default)");
    map->callback([] { show_map(); });

    CLI::App* run = app.add_subcommand("run", "Build and run a chapter's example programs, or one of them");
    run->add_option("what", *spec, "A chapter (02) or one example (02/03, or 02/shared_memory)")->required();
    run->callback([spec] { run_examples(*spec); });
    run->footer("Examples:\n  ./course run 01      every program of chapter 01, in order\n  ./course run 01/05   only 05_exit_status");

    CLI::App* check_cmd = app.add_subcommand("check", "Build exercises and run their tests, with a verdict for every test case");
    check_cmd->add_option("what", *spec, "An exercise (01/exit_code or exit_code) or a chapter (01); default: the next unsolved exercise");
    add_check_options(check_cmd, *options);
    check_cmd->callback([spec, options] { finish(check(*spec, *options)); });
    check_cmd->footer(
        "Verdicts: PASS, FAIL (with the failed check and its values), TIMEOUT (probably a deadlock: shows\n"
        "where each thread was waiting), CRASH (with the signal), RACE (ThreadSanitizer's report, with --tsan),\n"
        "NO RESULT (the program ended before the test did), BUILD (the compiler's errors).");

    CLI::App* watch_cmd = app.add_subcommand("watch", "Check the current exercise again every time you save it");
    watch_cmd->add_option("what", *spec, "An exercise to watch; default: the next unsolved one, then the next...");
    add_check_options(watch_cmd, *options);
    watch_cmd->callback([spec, options] { finish(watch(*spec, *options)); });

    CLI::App* hint_cmd = app.add_subcommand("hint", "Show the next hint for an exercise (one more each time)");
    hint_cmd->add_option("what", *spec, "An exercise (01/exit_code); default: the next unsolved one");
    hint_cmd->callback([spec] { finish(hint(*spec)); });

    CLI::App* reset_cmd = app.add_subcommand("reset", "Put an exercise's original file back (your version is kept in .course/backups/)");
    reset_cmd->add_option("what", *spec, "An exercise (01/exit_code) or a chapter (01)")->required();
    reset_cmd->add_flag("-y,--yes", *yes, "Do not ask for confirmation");
    reset_cmd->callback([spec, yes] { finish(reset(*spec, *yes)); });
}

}  // namespace course
