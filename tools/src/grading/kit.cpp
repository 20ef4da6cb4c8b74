// kit.cpp: export a student kit (no solutions, no mutants) and a Gradescope autograder zip.
#include "kit.hpp"

#include "build.hpp"
#include "text.hpp"

#include <unistd.h>

#include <cctype>
#include <fstream>
#include <sstream>

namespace course {
namespace fs = std::filesystem;

namespace {

/// The files of the repository that belong in a student's kit: no solutions, no mutants,
/// none of the course's own checks that need them, no build or progress.
bool belongs_in_kit(const fs::path& relative) {
    const std::string first = relative.begin()->string();
    if (first == "build" || first == ".course" || first == ".git" || first == "solutions" || first == ".ci") return false;
    const std::string text = relative.generic_string();
    for (const char* excluded : {"tests/mutants", "tests/tools", "tests/grading"}) {
        if (text == excluded || text.rfind(std::string(excluded) + "/", 0) == 0) return false;
    }
    return true;
}

/// Copies the files of the repository that belong in a kit to `destination`; returns how many.
int copy_kit_files(const fs::path& root, const fs::path& destination) {
    int copied = 0;
    for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
        const fs::path relative = fs::relative(it->path(), root);
        if (!belongs_in_kit(relative)) {
            if (it->is_directory()) it.disable_recursion_pending();
            continue;
        }
        if (it->is_directory()) continue;
        fs::create_directories((destination / relative).parent_path());
        fs::copy_file(it->path(), destination / relative,
                      fs::copy_options::overwrite_existing | fs::copy_options::copy_symlinks);
        ++copied;
    }
    return copied;
}

}  // namespace

std::string classroom_workflow(const Course& course) {
    std::ostringstream out;
    out << "# GitHub Classroom autograding: each exercise is one test, worth its points when all its\n"
           "# test cases pass (under ThreadSanitizer too). Made by ./course export.\n"
           "name: Autograding\n"
           "on: [push, repository_dispatch, workflow_dispatch]\n"
           "permissions:\n  checks: write\n  actions: read\n  contents: read\n"
           "jobs:\n  grade:\n    runs-on: ubuntu-24.04\n    timeout-minutes: 30\n    steps:\n"
           "      - uses: actions/checkout@v4\n"
           "      - name: Install the course's tools (README's list of packages)\n"
           "        run: tools/install-packages.sh\n"
           "      - name: Build the course tool\n        run: ./course --help >/dev/null\n";
    std::string runners;
    std::string env;
    for (const Exercise* e : course.exercises()) {
        const std::string id = "ex-" + e->chapter_number + "-" + e->name;
        std::string upper = id;
        for (char& c : upper) c = c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        out << "      - name: " << e->id() << "\n        id: " << id
            << "\n        uses: classroom-resources/autograding-command-grader@v1\n        with:\n"
            << "          test-name: " << e->id() << "\n          command: ./course grade --only " << e->id()
            << " --fail-under 100\n          timeout: 15\n          max-score: " << e->points << '\n';
        runners += (runners.empty() ? "" : ",") + id;
        env += "          " + upper + "_RESULTS: \"${{ steps." + id + ".outputs.result }}\"\n";
    }
    out << "      - name: Report\n        uses: classroom-resources/autograding-grading-reporter@v1\n        env:\n"
        << env << "        with:\n          runners: " << runners << '\n';
    return out.str();
}

fs::path export_gradescope_zip(const Context& context, const fs::path& zip_path, const fs::path& hidden_tests) {
    // Gradescope unpacks the zip into /autograder/source and runs setup.sh once, then
    // run_autograder for every submission.
    const fs::path zip = fs::absolute(zip_path);
    const fs::path stage = fs::temp_directory_path() / ("course-autograder-" + std::to_string(getpid()));
    fs::remove_all(stage);
    // The autograder needs what a student kit has (the tests included), not the solutions.
    copy_kit_files(context.root, stage);
    if (!hidden_tests.empty()) fs::copy(hidden_tests, stage / "hidden_tests", fs::copy_options::recursive);
    for (const char* file : {"setup.sh", "run_autograder"}) {
        fs::copy_file(context.root / "tools" / "gradescope" / file, stage / file);
        fs::permissions(stage / file, fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read |
                                          fs::perms::group_exec | fs::perms::others_exec);
    }
    fs::remove(zip);
    std::vector<std::string> argv{"cmake", "-E", "tar", "cf", zip.string(), "--format=zip"};
    for (const auto& entry : fs::directory_iterator(stage)) argv.push_back(entry.path().filename().string());
    Limits limits;
    limits.wall = std::chrono::minutes(5);
    limits.file_bytes = 0;
    const Outcome zipped = run_command(stage, argv, limits);
    fs::remove_all(stage);
    if (zipped.ending != Ending::exited || zipped.exit_code != 0) throw UserError("making the zip failed:\n" + zipped.output);
    return zip;
}

int export_student_kit(const Context& context, const fs::path& destination, bool force) {
    const fs::path kit = fs::absolute(destination);
    if (fs::exists(kit) && !fs::is_empty(kit) && !force) {
        throw UserError(kit.string() + " is not empty; choose a new folder or add --force");
    }
    // Inside the repository, only the build tree is safe: it is never copied into a kit.
    const fs::path build = context.root / "build";
    if (kit == context.root || (kit.string().rfind(context.root.string() + "/", 0) == 0 &&
                                kit.string().rfind(build.string() + "/", 0) != 0)) {
        throw UserError("export into a folder outside the repository (or inside its build/ folder)");
    }
    // A kit must hand out stubs: an exercise file that equals its solution is a mistake.
    for (const Exercise* e : context.course.exercises()) {
        for (const std::string& file : e->files) {
            const fs::path solution = context.root / "solutions" / e->chapter_dir / file;
            if (fs::exists(solution) && read_file(solution) == read_file(context.exercise_file(*e, file))) {
                throw UserError("exercises/" + e->chapter_dir + "/" + file +
                                " is the solution: restore the stub (./course reset " + e->id() + ") before exporting");
            }
        }
    }
    const int copied = copy_kit_files(context.root, kit);
    fs::create_directories(kit / ".github" / "workflows");
    std::ofstream(kit / ".github" / "workflows" / "classroom.yml") << classroom_workflow(context.course);
    return copied;
}

}  // namespace course
