// commands.cpp: the teacher's commands: grade a submission, export a student kit or a Gradescope autograder zip.
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "class_grading.hpp"
#include "grade_commands.hpp"
#include "grading.hpp"
#include "kit.hpp"
#include "reports.hpp"

namespace course {
namespace fs = std::filesystem;

namespace {

int run_class_grade(const Context& context, const GradeArgs& args) {
    if (args.output_dir.empty()) throw UserError("--class needs --output-dir: where the gradebook and results go");
    if (!args.output.empty()) throw UserError("--class writes its files to --output-dir, not to -o");
    ClassOptions options;
    options.grading = args.options;
    options.grading.tsan = args.tsan;
    options.class_dir = args.class_dir;
    options.output_dir = args.output_dir;
    const ClassResult result = grade_class(context, options);
    const fs::path out = fs::absolute(args.output_dir);
    std::cerr << "wrote " << (out / "gradebook.csv").string() << ", " << (out / "summary.html").string() << " and "
              << result.rows.size() << " Gradescope results: " << result.graded << " graded now, " << result.reused
              << " kept from before, " << result.not_graded << " could not be graded; "
              << static_cast<long>(result.seconds) << " s\n";
    return result.not_graded == static_cast<int>(result.rows.size()) ? 1 : 0;
}

}  // namespace

int run_grade(const GradeArgs& args) {
    const Context context = Context::discover();
    if (!args.class_dir.empty()) return run_class_grade(context, args);
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
    if (report.grader_errors > 0) {
        std::cerr << "grading incomplete: the grader's sandbox failed in " << report.grader_errors
                  << " test case(s), which are not the submission's fault; grade it again\n";
        return 2;
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
