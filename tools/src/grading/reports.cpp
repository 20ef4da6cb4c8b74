// reports.cpp: the formats classroom platforms and people read.
#include "reports.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <iomanip>
#include <sstream>

#include "text.hpp"

namespace course {

namespace {

double rounded(double value) { return std::round(value * 100.0) / 100.0; }

std::string dump(const nlohmann::json& json) {
    return json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

/// What a student reads about one case: the verdict's explanation, the failed checks,
/// the diagnosis, and the end of what it printed.
std::string case_text(const CaseResult& r) {
    std::string text = r.explanation;
    for (const Failure& f : r.failures) {
        if (!text.empty()) text += "\n";
        if (!f.file.empty()) text += f.file.substr(f.file.rfind('/') + 1) + ":" + std::to_string(f.line) + ": ";
        text += f.message;
        if (!f.context.empty()) text += "\n" + f.context;
    }
    if (!r.details.empty()) text += "\n" + r.details;
    if (r.runs > 1) text += "\npassed " + std::to_string(r.passes) + " of " + std::to_string(r.runs) + " runs";
    if (r.stray_processes > 0) {
        text += "\nleft " + std::to_string(r.stray_processes) + " process(es) running; the grader killed them";
    }
    if (!r.output.empty() && r.status != Status::passed) {
        text += "\n--- what it printed ---\n" + r.output.substr(r.output.size() > 4000 ? r.output.size() - 4000 : 0);
    }
    return text;
}

std::string summary_line(const GradeReport& report) {
    return "Score " + fixed_decimals(report.score) + " / " + fixed_decimals(report.max_score) + ". Isolation: " +
           report.isolation.describe() + ". ThreadSanitizer pass: " + (report.tsan ? "on" : "off") +
           ". Runs per test case: " + std::to_string(report.repeat) + ".";
}

std::string xml_escape(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            default:
                if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') {
                    out += '?';  // not allowed in XML 1.0 at all
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    // Bytes that are not valid UTF-8 become '?': nlohmann's replacement does the checking.
    const std::string checked = nlohmann::json(out).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return nlohmann::json::parse(checked).get<std::string>();
}

}  // namespace

std::string format_table(const GradeReport& report, const Style& s) {
    std::ostringstream out;
    out << s.bold("Grading of " + report.submission) << '\n' << s.dim(summary_line(report)) << "\n\n";
    for (const GradedExercise& e : report.exercises) {
        std::string id = e.exercise->id();
        id.resize(std::max<std::size_t>(id.size(), 28), ' ');
        std::string status = to_string(e.status);
        status.resize(12, ' ');
        const std::string score = fixed_decimals(e.score) + " / " + fixed_decimals(e.max_score);
        out << id << ' ' << (e.status == Status::passed ? s.green(status) : s.red(status)) << ' ' << score << '\n';
        if (!e.problem.empty()) {
            std::istringstream lines(e.problem);
            std::string line;
            for (int n = 0; n < 12 && std::getline(lines, line); ++n) out << "      " << line << '\n';
        }
        for (const GradedCase& c : e.cases) {
            if (c.result.status == Status::passed) continue;
            out << "    " << status_label(s, c.result.status) << ' ' << (c.hidden ? "[hidden] " : "") << c.result.name;
            // The first failed check says more than a count of them.
            std::string why = c.result.failures.empty() || c.result.status != Status::failed
                                  ? c.result.explanation : c.result.failures.front().message;
            why = why.substr(0, why.find('\n'));
            if (why.size() > 110) why = why.substr(0, 107) + "...";
            if (!why.empty()) out << ": " << why;
            out << '\n';
        }
    }
    const double percent = percent_of(report);
    out << '\n' << s.bold("total " + fixed_decimals(report.score) + " / " + fixed_decimals(report.max_score) + " (" + fixed_decimals(percent, 0) + "%)")
        << "   graded in " << fixed_decimals(report.seconds) << " s\n";
    return out.str();
}

std::string format_gradescope(const GradeReport& report) {
    nlohmann::json tests = nlohmann::json::array();
    int number = 0;
    for (const GradedExercise& e : report.exercises) {
        ++number;
        const std::vector<std::string> base_tags{"ch" + e.exercise->chapter_number, e.exercise->name};
        if (!e.problem.empty()) {
            tests.push_back({{"name", e.exercise->id() + ": builds"},
                             {"number", std::to_string(number) + ".0"},
                             {"score", 0},
                             {"max_score", rounded(e.max_score)},
                             {"status", "failed"},
                             {"output", e.problem},
                             {"output_format", "text"},
                             {"tags", {base_tags[0], base_tags[1], "build_error"}},
                             {"visibility", "visible"}});
            continue;
        }
        int index = 0;
        for (const GradedCase& c : e.cases) {
            ++index;
            nlohmann::json tags = base_tags;
            tags.push_back(to_string(c.result.status));
            tests.push_back({{"name", e.exercise->id() + ": " + c.result.name},
                             {"number", std::to_string(number) + "." + std::to_string(index)},
                             {"score", rounded(c.points)},
                             {"max_score", rounded(c.max_points)},
                             {"status", c.result.status == Status::passed ? "passed" : "failed"},
                             {"output", c.result.status == Status::passed ? "" : to_string(c.result.status) + ": " + case_text(c.result)},
                             {"output_format", "text"},
                             {"tags", tags},
                             // Hidden tests show once the grades are published.
                             {"visibility", c.hidden ? "after_published" : "visible"}});
        }
    }
    const nlohmann::json results{{"score", rounded(report.score)},
                                 {"execution_time", static_cast<int>(std::ceil(report.seconds))},
                                 {"output", summary_line(report)},
                                 {"output_format", "text"},
                                 {"visibility", "visible"},
                                 {"stdout_visibility", "hidden"},
                                 {"tests", tests}};
    return dump(results);
}

std::string format_junit(const GradeReport& report) {
    std::ostringstream suites;
    int all_tests = 0;
    int all_failures = 0;
    int all_errors = 0;
    for (const GradedExercise& e : report.exercises) {
        std::ostringstream cases;
        int tests = 0;
        int failures = 0;
        int errors = 0;
        double seconds = 0;
        const std::string classname = "ch" + e.exercise->chapter_number + "." + e.exercise->name;
        if (!e.problem.empty()) {
            ++tests;
            ++errors;
            cases << "    <testcase name=\"builds\" classname=\"" << classname << "\" time=\"0\">\n"
                  << "      <error type=\"build_error\" message=\"" << xml_escape(e.problem.substr(0, e.problem.find('\n')))
                  << "\">" << xml_escape(e.problem) << "</error>\n    </testcase>\n";
        }
        for (const GradedCase& c : e.cases) {
            ++tests;
            seconds += c.result.seconds;
            cases << "    <testcase name=\"" << xml_escape((c.hidden ? "[hidden] " : "") + c.result.name) << "\" classname=\""
                  << classname << "\" time=\"" << fixed_decimals(c.result.seconds, 3) << "\"";
            if (c.result.status == Status::passed) {
                cases << "/>\n";
                continue;
            }
            // Wrong answers are failures; a program that did not run to a verdict is an error.
            const bool error = c.result.status == Status::crashed || c.result.status == Status::no_result ||
                               c.result.status == Status::build_error;
            (error ? errors : failures) += 1;
            const std::string tag = error ? "error" : "failure";
            const std::string text = case_text(c.result);
            cases << ">\n      <" << tag << " type=\"" << to_string(c.result.status) << "\" message=\""
                  << xml_escape(text.substr(0, text.find('\n'))) << "\">" << xml_escape(text) << "</" << tag
                  << ">\n    </testcase>\n";
        }
        suites << "  <testsuite name=\"" << xml_escape(e.exercise->id()) << "\" tests=\"" << tests << "\" failures=\""
               << failures << "\" errors=\"" << errors << "\" skipped=\"0\" time=\"" << fixed_decimals(seconds, 3) << "\">\n"
               << cases.str() << "  </testsuite>\n";
        all_tests += tests;
        all_failures += failures;
        all_errors += errors;
    }
    std::ostringstream out;
    out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        << "<testsuites name=\"" << xml_escape(report.course) << "\" tests=\"" << all_tests << "\" failures=\""
        << all_failures << "\" errors=\"" << all_errors << "\" time=\"" << fixed_decimals(report.seconds, 3) << "\">\n"
        << suites.str() << "</testsuites>\n";
    return out.str();
}

std::string format_json(const GradeReport& report) {
    nlohmann::json exercises = nlohmann::json::array();
    for (const GradedExercise& e : report.exercises) {
        nlohmann::json cases = nlohmann::json::array();
        for (const GradedCase& c : e.cases) {
            nlohmann::json one = c.result;
            one["hidden"] = c.hidden;
            one["points"] = rounded(c.points);
            one["max_points"] = rounded(c.max_points);
            cases.push_back(one);
        }
        exercises.push_back({{"exercise", e.exercise->id()},
                             {"status", to_string(e.status)},
                             {"problem", e.problem},
                             {"score", rounded(e.score)},
                             {"max_score", rounded(e.max_score)},
                             {"cases", cases}});
    }
    return dump({{"course", report.course},
                 {"submission", report.submission},
                 {"score", rounded(report.score)},
                 {"max_score", rounded(report.max_score)},
                 {"seconds", rounded(report.seconds)},
                 {"tsan", report.tsan},
                 {"repeat", report.repeat},
                 {"isolation", {{"kind", report.isolation.kind}, {"description", report.isolation.describe()}}},
                 {"exercises", exercises}});
}

double percent_of(const GradeReport& report) { return report.max_score > 0 ? 100.0 * report.score / report.max_score : 0; }

bool below(const GradeReport& report, double percent) { return percent >= 0 && percent_of(report) + 1e-9 < percent; }

}  // namespace course
