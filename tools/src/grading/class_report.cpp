// class_report.cpp: the gradebook and the summary page of a class, from each submission's row.
#include "class_report.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <map>
#include <set>
#include <sstream>
#include "text.hpp"

namespace course {

namespace {

/// The statuses that cost points, in the order the reports show them.
const std::vector<Status> costly{Status::failed,     Status::timeout, Status::crashed,
                                 Status::race,       Status::flaky,   Status::no_result,
                                 Status::build_error, Status::tampered};

/// The word a verdict is shown with: its status, or "deadlock" for a timeout in a cycle.
std::string verdict_word(const CaseVerdict& c) {
    return c.deadlock ? "deadlock" : to_string(c.status);
}

std::string html(const std::string& text) {
    std::string out;
    for (const char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

/// How many cases of each costly status a submission has (build errors count exercises).
std::map<Status, int> status_counts(const SubmissionRow& row) {
    std::map<Status, int> counts;
    for (const ExerciseRow& e : row.exercises) {
        if (e.status == Status::build_error) ++counts[Status::build_error];
        for (const CaseVerdict& c : e.cases) {
            if (c.status != Status::passed) ++counts[c.status];
        }
    }
    return counts;
}

std::string counts_text(const std::map<Status, int>& counts) {
    std::string text;
    for (const Status s : costly) {
        const auto it = counts.find(s);
        if (it == counts.end() || it->second == 0) continue;
        text += (text.empty() ? "" : ", ") + to_string(s) + " " + std::to_string(it->second);
    }
    return text;
}

/// Every exercise id in the rows, in course order.
std::vector<std::string> exercise_ids(const Course& course,
                                      const std::vector<SubmissionRow>& rows) {
    std::set<std::string> present;
    for (const SubmissionRow& row : rows) {
        for (const ExerciseRow& e : row.exercises)
            present.insert(e.id);
    }
    std::vector<std::string> ids;
    for (const Exercise* e : course.exercises()) {
        if (present.count(e->id()) > 0) ids.push_back(e->id());
    }
    return ids;
}

const ExerciseRow* find_exercise(const SubmissionRow& row, const std::string& id) {
    for (const ExerciseRow& e : row.exercises) {
        if (e.id == id) return &e;
    }
    return nullptr;
}

/// The verdict colours of the summary page.
std::string colour_of(const std::string& verdict) {
    static const std::map<std::string, std::string> colours{
        {"failed", "#c0392b"},    {"timeout", "#8e44ad"},    {"deadlock", "#5b2c6f"},
        {"crashed", "#d35400"},   {"race", "#b7950b"},       {"flaky", "#1f77b4"},
        {"no_result", "#7f8c8d"}, {"build_error", "#34495e"}};
    const auto it = colours.find(verdict);
    return it == colours.end() ? "#555" : it->second;
}

std::string chip(const std::string& verdict, int count) {
    return "<span class=\"chip\" style=\"background:" + colour_of(verdict) + "\">" + html(verdict) +
           " " + std::to_string(count) + "</span>";
}

/// A horizontal bar of `fraction` (0 to 1), as an inline picture.
std::string bar_svg(double fraction) {
    const int width = static_cast<int>(std::lround(std::clamp(fraction, 0.0, 1.0) * 120));
    return "<svg class=\"bar\" width=\"120\" height=\"12\" viewBox=\"0 0 120 12\" role=\"img\" "
           "aria-label=\"" +
           fixed_decimals(100 * fraction, 0) +
           "%\"><rect width=\"120\" height=\"12\" fill=\"#eee\"/><rect width=\"" +
           std::to_string(width) + "\" height=\"12\" fill=\"#27ae60\"/></svg>";
}

/// The graded rows: a submission that could not be graded counts in no statistic.
std::vector<const SubmissionRow*> graded_rows(const std::vector<SubmissionRow>& rows) {
    std::vector<const SubmissionRow*> graded;
    for (const SubmissionRow& row : rows) {
        if (row.problem.empty()) graded.push_back(&row);
    }
    return graded;
}

/// The histogram of total scores, in ten bins of ten percent, as an inline SVG picture.
std::string histogram_svg(const std::vector<const SubmissionRow*>& rows) {
    std::vector<int> bins(10, 0);
    for (const SubmissionRow* row : rows) {
        const double percent = row->max_score > 0 ? 100 * row->score / row->max_score : 0;
        ++bins[std::min<std::size_t>(9, static_cast<std::size_t>(std::max(0.0, percent) / 10))];
    }
    const int highest = std::max(1, *std::max_element(bins.begin(), bins.end()));
    const int left = 40, bar = 56, height = 200, top = 20;
    std::ostringstream svg;
    svg << "<svg id=\"histogram\" width=\"" << left + 10 * bar + 10 << "\" height=\""
        << height + top + 40
        << "\" role=\"img\" aria-label=\"How many submissions scored in each tenth of the "
           "points\">\n"
        << "<line x1=\"" << left << "\" y1=\"" << top + height << "\" x2=\"" << left + 10 * bar
        << "\" y2=\"" << top + height << "\" stroke=\"#333\"/>\n";
    for (int i = 0; i < 10; ++i) {
        const int count = bins[static_cast<std::size_t>(i)];
        const int h = count * height / highest;
        const int x = left + i * bar;
        svg << "<rect class=\"bin\" x=\"" << x + 4 << "\" y=\"" << top + height - h << "\" width=\""
            << bar - 8 << "\" height=\"" << h << "\" fill=\"#2e86c1\"><title>" << count
            << " submission(s) at " << i * 10 << "-" << (i + 1) * 10 << "%</title></rect>\n";
        if (count > 0) {
            svg << "<text x=\"" << x + bar / 2 << "\" y=\"" << top + height - h - 4
                << "\" text-anchor=\"middle\">" << count << "</text>\n";
        }
        svg << "<text x=\"" << x + bar / 2 << "\" y=\"" << top + height + 16
            << "\" text-anchor=\"middle\" class=\"axis\">" << i * 10 << "-" << (i + 1) * 10
            << "%</text>\n";
    }
    svg << "<text x=\"" << left + 5 * bar << "\" y=\"" << top + height + 34
        << "\" text-anchor=\"middle\" class=\"axis\">share of the course's points</text>\n</svg>";
    return svg.str();
}

/// How often each verdict was given, over every case of every graded submission, as bars.
std::string verdicts_svg(const std::vector<const SubmissionRow*>& rows) {
    std::map<std::string, int> counts;
    for (const SubmissionRow* row : rows) {
        for (const ExerciseRow& e : row->exercises) {
            if (e.status == Status::build_error) ++counts["build_error"];
            for (const CaseVerdict& c : e.cases) {
                if (c.status != Status::passed && e.attempted) ++counts[verdict_word(c)];
            }
        }
    }
    const std::vector<std::string> order{"failed", "timeout", "deadlock",  "crashed",
                                         "race",   "flaky",   "no_result", "build_error"};
    int highest = 1;
    for (const auto& [word, count] : counts)
        highest = std::max(highest, count);
    std::ostringstream svg;
    svg << "<svg id=\"verdicts\" width=\"560\" height=\"" << 24 * order.size() + 8
        << "\" role=\"img\" aria-label=\"How often each verdict was given\">\n";
    for (std::size_t i = 0; i < order.size(); ++i) {
        const int count = counts.count(order[i]) > 0 ? counts[order[i]] : 0;
        const int y = static_cast<int>(24 * i) + 4;
        svg << "<text x=\"0\" y=\"" << y + 14 << "\">" << order[i] << "</text><rect x=\"100\" y=\""
            << y << "\" width=\"" << 400 * count / highest << "\" height=\"18\" fill=\""
            << colour_of(order[i]) << "\"/><text x=\"" << 106 + 400 * count / highest << "\" y=\""
            << y + 14 << "\">" << count << "</text>\n";
    }
    svg << "</svg>";
    return svg.str();
}

/// Each exercise: how many submissions earned all its points, among all and among those
/// that attempted it, the mean score, and the verdicts of its failed cases.
std::string exercises_table(const std::vector<std::string>& ids,
                            const std::vector<const SubmissionRow*>& rows) {
    std::ostringstream out;
    out << "<table id=\"exercises\">\n<thead><tr><th>exercise</th><th>points</th><th>full "
           "marks</th><th>pass rate</th>"
           "<th>attempted</th><th>mean score</th><th>verdicts of failed "
           "cases</th></tr></thead>\n<tbody>\n";
    for (const std::string& id : ids) {
        int graded = 0, full = 0, attempted = 0;
        double points = 0, total = 0;
        std::map<std::string, int> verdicts;
        for (const SubmissionRow* row : rows) {
            const ExerciseRow* e = find_exercise(*row, id);
            if (e == nullptr) continue;
            ++graded;
            points = e->max_score;
            total += e->score;
            if (e->max_score > 0 && e->score + 1e-9 >= e->max_score) ++full;
            if (!e->attempted) continue;
            ++attempted;
            if (e->status == Status::build_error) ++verdicts["build_error"];
            for (const CaseVerdict& c : e->cases) {
                if (c.status != Status::passed) ++verdicts[verdict_word(c)];
            }
        }
        const double rate = graded > 0 ? static_cast<double>(full) / graded : 0;
        out << "<tr><td>" << html(id) << "</td><td>" << fixed_decimals(points, 0) << "</td><td>" << full
            << " of " << graded << "</td><td>" << bar_svg(rate) << " " << fixed_decimals(100 * rate, 0)
            << "%</td><td>" << attempted << "</td><td>" << fixed_decimals(graded > 0 ? total / graded : 0)
            << "</td><td>";
        for (const auto& [word, count] : verdicts)
            out << chip(word, count);
        out << "</td></tr>\n";
    }
    out << "</tbody>\n</table>";
    return out.str();
}

/// The test cases most often failed by the submissions that attempted their exercise, with
/// the verdicts behind the failures.
std::string failed_cases_table(const std::vector<const SubmissionRow*>& rows, std::size_t shown) {
    struct Tally {
        int failed = 0;
        int attempted = 0;
        std::map<std::string, int> verdicts;
    };
    std::map<std::pair<std::string, std::string>, Tally> tallies;
    for (const SubmissionRow* row : rows) {
        for (const ExerciseRow& e : row->exercises) {
            if (!e.attempted) continue;
            for (const CaseVerdict& c : e.cases) {
                Tally& t = tallies[{e.id, (c.hidden ? "[hidden] " : "") + c.name}];
                ++t.attempted;
                if (c.status == Status::passed) continue;
                ++t.failed;
                ++t.verdicts[verdict_word(c)];
            }
        }
    }
    std::vector<std::pair<std::pair<std::string, std::string>, Tally>> sorted(tallies.begin(),
                                                                              tallies.end());
    sorted.erase(std::remove_if(sorted.begin(), sorted.end(),
                                [](const auto& t) { return t.second.failed == 0; }),
                 sorted.end());
    std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
        return a.second.failed > b.second.failed;
    });
    if (sorted.size() > shown) sorted.resize(shown);
    std::ostringstream out;
    out << "<table id=\"failed-cases\">\n<thead><tr><th>exercise</th><th>test case</th><th>failed "
           "by</th>"
           "<th>verdicts</th></tr></thead>\n<tbody>\n";
    for (const auto& [key, t] : sorted) {
        out << "<tr><td>" << html(key.first) << "</td><td>" << html(key.second) << "</td><td>"
            << t.failed << " of " << t.attempted << "</td><td>";
        for (const auto& [word, count] : t.verdicts)
            out << chip(word, count);
        out << "</td></tr>\n";
    }
    if (sorted.empty()) out << "<tr><td colspan=\"4\">No attempted test case failed.</td></tr>\n";
    out << "</tbody>\n</table>";
    return out.str();
}

/// Every submission, with its total and what cost it points.
std::string submissions_table(const std::vector<SubmissionRow>& rows) {
    std::ostringstream out;
    out << "<table "
           "id=\"submissions\">\n<thead><tr><th>submission</th><th>score</th><th>share</"
           "th><th>what cost points</th>"
           "</tr></thead>\n<tbody>\n";
    for (const SubmissionRow& row : rows) {
        const double share = row.max_score > 0 ? row.score / row.max_score : 0;
        out << "<tr><td>" << html(row.name) << "</td><td>" << fixed_decimals(row.score, 2) << " / "
            << fixed_decimals(row.max_score, 2) << "</td><td>" << bar_svg(share) << " "
            << fixed_decimals(100 * share, 0) << "%</td><td>"
            << html(row.problem.empty() ? counts_text(status_counts(row))
                                        : "not graded: " + row.problem)
            << "</td></tr>\n";
    }
    out << "</tbody>\n</table>";
    return out.str();
}

const char* const page_style =
    R"(body{font:15px/1.5 system-ui,sans-serif;margin:2em auto;max-width:70em;color:#222;padding:0 1em}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5em 0}th,td{padding:.25em .7em;border-bottom:1px solid #e5e5e5;text-align:left;vertical-align:middle}
th{background:#f4f6f7}svg text{font:12px system-ui,sans-serif;fill:#222}svg .axis{fill:#555}
.chip{display:inline-block;color:#fff;border-radius:.6em;padding:0 .5em;margin:0 .2em .1em 0;font-size:.85em}
.bar{vertical-align:middle}.note{color:#555})";

/// The mean and the median of the graded totals, as a sentence.
std::string scores_sentence(const std::vector<const SubmissionRow*>& rows, std::size_t all) {
    std::vector<double> totals;
    double max_score = 0;
    for (const SubmissionRow* row : rows) {
        totals.push_back(row->score);
        max_score = std::max(max_score, row->max_score);
    }
    std::sort(totals.begin(), totals.end());
    std::string text = std::to_string(all) + " submission(s)";
    if (rows.size() < all)
        text += ", of which " + std::to_string(all - rows.size()) + " could not be graded";
    if (totals.empty()) return text + ".";
    double sum = 0;
    for (const double t : totals)
        sum += t;
    const std::size_t n = totals.size();
    const double median = n % 2 == 1 ? totals[n / 2] : (totals[n / 2 - 1] + totals[n / 2]) / 2;
    return text + ". Mean score " + fixed_decimals(sum / static_cast<double>(n)) + " of " +
           fixed_decimals(max_score, 0) + ", median " + fixed_decimals(median) + ".";
}

}  // namespace

SubmissionRow summarize(const std::string& name, const GradeReport& report) {
    SubmissionRow row;
    row.name = name;
    row.score = report.score;
    row.max_score = report.max_score;
    row.seconds = report.seconds;
    for (const GradedExercise& e : report.exercises) {
        ExerciseRow exercise{e.exercise->id(), e.score, e.max_score, e.status, true, {}};
        for (const GradedCase& c : e.cases) {
            const bool deadlock = c.result.status == Status::timeout &&
                                  c.result.explanation.find("in a cycle") != std::string::npos;
            exercise.cases.push_back({c.result.name, c.result.status, c.hidden, deadlock});
        }
        row.exercises.push_back(std::move(exercise));
    }
    return row;
}

void to_json(nlohmann::json& json, const SubmissionRow& row) {
    nlohmann::json exercises = nlohmann::json::array();
    for (const ExerciseRow& e : row.exercises) {
        nlohmann::json cases = nlohmann::json::array();
        for (const CaseVerdict& c : e.cases)
            cases.push_back({c.name, to_string(c.status), c.hidden, c.deadlock});
        exercises.push_back({{"id", e.id},
                             {"score", e.score},
                             {"max_score", e.max_score},
                             {"status", to_string(e.status)},
                             {"attempted", e.attempted},
                             {"cases", cases}});
    }
    json = {{"name", row.name},      {"problem", row.problem},     {"inputs", row.inputs},
            {"score", row.score},    {"max_score", row.max_score}, {"seconds", row.seconds},
            {"exercises", exercises}};
}

void from_json(const nlohmann::json& json, SubmissionRow& row) {
    row.name = json.at("name").get<std::string>();
    row.problem = json.at("problem").get<std::string>();
    row.inputs = json.at("inputs").get<std::string>();
    row.score = json.at("score").get<double>();
    row.max_score = json.at("max_score").get<double>();
    row.seconds = json.at("seconds").get<double>();
    for (const nlohmann::json& e : json.at("exercises")) {
        ExerciseRow exercise{
            e.at("id").get<std::string>(),   e.at("score").get<double>(),
            e.at("max_score").get<double>(), status_from_string(e.at("status").get<std::string>()),
            e.at("attempted").get<bool>(),   {}};
        for (const nlohmann::json& c : e.at("cases")) {
            exercise.cases.push_back({c.at(0).get<std::string>(),
                                      status_from_string(c.at(1).get<std::string>()),
                                      c.at(2).get<bool>(), c.at(3).get<bool>()});
        }
        row.exercises.push_back(std::move(exercise));
    }
}

std::string csv_field(const std::string& text) {
    if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
    std::string quoted = "\"";
    for (const char c : text) {
        if (c == '"') quoted += '"';
        quoted += c;
    }
    return quoted + "\"";
}

std::string format_gradebook(const Course& course, const std::vector<SubmissionRow>& rows) {
    const std::vector<std::string> ids = exercise_ids(course, rows);
    std::string out = "submission";
    for (const std::string& id : ids)
        out += "," + csv_field(id);
    out += ",total,max";
    for (const Status s : costly)
        out += "," + to_string(s);
    out += ",problem\r\n";
    for (const SubmissionRow& row : rows) {
        out += csv_field(row.name);
        for (const std::string& id : ids) {
            const ExerciseRow* e = find_exercise(row, id);
            out += "," + (e != nullptr ? fixed_decimals(e->score, 2) : std::string());
        }
        out += "," + fixed_decimals(row.score, 2) + "," + fixed_decimals(row.max_score, 2);
        const std::map<Status, int> counts = status_counts(row);
        for (const Status s : costly) {
            const auto it = counts.find(s);
            out += "," + std::to_string(it == counts.end() ? 0 : it->second);
        }
        std::string problem = row.problem;
        for (const ExerciseRow& e : row.exercises) {
            if (row.problem.empty() && e.status == Status::build_error) {
                problem += (problem.empty() ? "" : "; ") + e.id + " does not build";
            }
        }
        out += "," + csv_field(problem) + "\r\n";
    }
    return out;
}

std::string format_class_summary(const Course& course, const std::vector<SubmissionRow>& rows) {
    const std::vector<const SubmissionRow*> graded = graded_rows(rows);
    std::ostringstream page;
    page << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>"
         << html(course.title) << ": class summary</title>\n<style>\n"
         << page_style << "\n</style>\n</head>\n<body>\n<h1>" << html(course.title)
         << ": class summary</h1>\n<p>" << html(scores_sentence(graded, rows.size())) << "</p>\n"
         << "<h2 id=\"scores\">Scores</h2>\n"
         << histogram_svg(graded) << "\n"
         << "<h2 id=\"exercise-pass-rates\">Exercises</h2>\n<p class=\"note\">Full marks: every "
            "test case passed, "
            "ThreadSanitizer included. Attempted: the submitted files differ from the course's "
            "stubs; the verdicts "
            "count the failed cases of those.</p>\n"
         << exercises_table(exercise_ids(course, rows), graded) << "\n"
         << "<h2 id=\"most-failed\">Test cases most often failed</h2>\n<p class=\"note\">Among the "
            "submissions that "
            "attempted the exercise. A race is a data race or lock-order inversion ThreadSanitizer "
            "saw; a timeout is "
            "almost always a deadlock or an endless loop (a deadlock when its threads were seen "
            "waiting in a cycle); "
            "crashed means a signal such as a segmentation fault; flaky means mixed results over "
            "repeated runs.</p>\n"
         << failed_cases_table(graded, 25) << "\n"
         << "<h2 id=\"verdicts-given\">Verdicts</h2>\n"
         << verdicts_svg(graded) << "\n"
         << "<h2 id=\"all-submissions\">Submissions</h2>\n"
         << submissions_table(rows) << "\n</body>\n</html>\n";
    return page.str();
}

}  // namespace course
