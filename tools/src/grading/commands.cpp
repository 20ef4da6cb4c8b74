// commands.cpp: the teacher's commands: grade a submission, export a student kit or a Gradescope autograder zip.
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "grade_commands.hpp"
#include "grading.hpp"
#include "kit.hpp"
#include "reports.hpp"

namespace course {
namespace fs = std::filesystem;

int run_grade(const GradeArgs& args) {
    const Context context = Context::discover();
    GradeOptions options = args.options;
    options.tsan = args.tsan;
    const GradeReport report = grade(context, options);
    std::string text;
    if (args.format == "table") text = format_table(report, args.output.empty() ? context.style : Style{});
    else if (args.format == "gradescope") text = format_gradescope(report);
    else if (args.format == "junit") text = format_junit(report);
    else text = format_json(report);
    if (args.output.empty() || args.output == "-") {
        std::cout << text;
    } else {
        const fs::path path = args.output;
        if (path.has_parent_path()) fs::create_directories(path.parent_path());
        std::ofstream file(path);
        file << text;
        if (!file) throw UserError("cannot write " + path.string());
        std::cerr << "wrote " << path.string() << " (score " << report.score << " / " << report.max_score << ")\n";
    }
    return below(report, args.fail_under) ? 1 : 0;
}

int run_export(const std::string& destination, bool force, const std::string& gradescope_zip,
               const std::string& hidden_tests) {
    const Context context = Context::discover();
    if (!gradescope_zip.empty()) {
        const fs::path zip = export_gradescope_zip(context, gradescope_zip, hidden_tests);
        std::cout << "wrote " << zip.string() << ": upload it as the autograder of a Gradescope programming assignment\n";
        return 0;
    }
    const int copied = export_student_kit(context, destination, force);
    std::cout << "wrote a student kit of " << copied << " files to " << fs::absolute(destination).string()
              << "\n  without solutions/, tests/mutants/ and the course's own checks;"
                 "\n  with .github/workflows/classroom.yml for GitHub Classroom autograding.\n";
    return 0;
}

}  // namespace course
