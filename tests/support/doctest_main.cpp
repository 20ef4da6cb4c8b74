// doctest_main.cpp: the one doctest main every test links, plus the course's result stream.
//
// The course tool never trusts a test binary's exit code or scrapes its output: a test
// that calls exit(0) early would look like a pass. Instead, when the environment variable
// COURSE_REPORT_FD names an open file descriptor, the listener below writes one JSON
// object per line to it:
//
//   {"event":"schedule","seed":1234}                          (first; see schedule_chaos.cpp)
//   {"event":"case","name":"...","file":"...","line":12}      (with --list-test-cases)
//   {"event":"start","name":"..."}
//   {"event":"failure","file":"...","line":30,"message":"..."}
//   {"event":"end","name":"...","passed":false,"seconds":0.01}
//   {"event":"done","cases":5,"failed":1}
//
// A case that started but has no "end", or a run without "done", tells the tool the
// binary died or left early.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <sstream>
#include <string>
#include <string_view>

#include "schedule_chaos.hpp"

namespace {

// The test process. A child forked by the code under test inherits the stream's
// descriptor and must not write results on its parent's behalf.
pid_t g_owner = 0;
int g_fd = -1;
std::mutex g_write_mutex;

void open_stream() {
    g_owner = getpid();
    const char* text = std::getenv("COURSE_REPORT_FD");
    if (text == nullptr) return;
    char* end = nullptr;
    const long fd = std::strtol(text, &end, 10);
    if (end == text || *end != '\0' || fd < 3 || fd > 1'000'000) return;
    if (fcntl(static_cast<int>(fd), F_GETFD) == -1) return;
    g_fd = static_cast<int>(fd);
    // A program the test starts with exec must not inherit the stream.
    fcntl(g_fd, F_SETFD, FD_CLOEXEC);
}

std::string json_string(std::string_view text) {
    std::string out = "\"";
    for (const char c : text) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char escaped[8];
                    std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
                    out += escaped;
                } else {
                    out += c;
                }
        }
    }
    return out + "\"";
}

// A child process forked by the code under test that comes back into the test program
// (it returned instead of calling _exit) would go on to run the rest of the tests, fork
// again, and report on its parent's behalf. It is stopped as soon as it reaches a test
// event, with a status the tests can see (125) and a message for people.
void stop_stray_child() {
    if (getpid() == g_owner) return;
    const char message[] =
        "course: a child process returned into the test program; end child processes "
        "with _exit() (or exec)\n";
    [[maybe_unused]] const ssize_t n = write(2, message, sizeof message - 1);
    _exit(125);
}

void emit(const std::string& json) {
    stop_stray_child();
    if (g_fd < 0) return;
    const std::string line = json + "\n";
    const std::lock_guard lock(g_write_mutex);
    std::size_t done = 0;
    while (done < line.size()) {
        const ssize_t n = write(g_fd, line.data() + done, line.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        done += static_cast<std::size_t>(n);
    }
}

// The text doctest's console reporter prints for a failed assertion, without colours.
std::string describe(const doctest::AssertData& a) {
    using doctest::assertType::is_nothrow;
    using doctest::assertType::is_throws;
    using doctest::assertType::is_throws_as;
    using doctest::assertType::is_throws_with;
    std::ostringstream s;
    s << doctest::assertString(a.m_at) << "( " << a.m_expr;
    if (a.m_at & is_throws_with) s << ", \"" << a.m_exception_string.c_str() << '"';
    if (a.m_at & is_throws_as) s << ", " << a.m_exception_type;
    s << " ) ";
    if (a.m_at & (is_throws | is_throws_as | is_throws_with)) {
        if (!a.m_threw) return s.str() + "did NOT throw at all!";
        s << "threw a DIFFERENT exception: " << a.m_exception;
    } else if (a.m_at & is_nothrow) {
        s << "THREW exception: " << a.m_exception;
    } else if (a.m_threw) {
        s << "THREW exception: " << a.m_exception;
    } else {
        s << "is NOT correct!\n  values: " << doctest::assertString(a.m_at) << "( " << a.m_decomp
          << " )";
    }
    return s.str();
}

// INFO() and CAPTURE() scopes active at the failure, as doctest prints them.
std::string active_context() {
    std::ostringstream s;
    const int count = doctest::IReporter::get_num_active_contexts();
    const auto* contexts = doctest::IReporter::get_active_contexts();
    for (int i = 0; i < count; ++i) {
        contexts[i]->stringify(&s);
        s << '\n';
    }
    return s.str();
}

std::string failure(const char* file, int line, const std::string& message) {
    return std::string("{\"event\":\"failure\",\"file\":") + json_string(file) +
           ",\"line\":" + std::to_string(line) + ",\"message\":" + json_string(message) +
           ",\"context\":" + json_string(active_context()) + "}";
}

class ResultStream : public doctest::IReporter {
public:
    explicit ResultStream(const doctest::ContextOptions& /*options*/) {}

    void report_query(const doctest::QueryData& query) override {
        for (unsigned i = 0; i < query.num_data; ++i) {
            const doctest::TestCaseData& tc = *query.data[i];
            emit(std::string("{\"event\":\"case\",\"name\":") + json_string(tc.m_name) +
                 ",\"file\":" + json_string(tc.m_file.c_str()) +
                 ",\"line\":" + std::to_string(tc.m_line) + "}");
        }
    }
    void test_run_start() override {}
    void test_run_end(const doctest::TestRunStats& stats) override {
        emit("{\"event\":\"done\",\"cases\":" + std::to_string(stats.numTestCasesPassingFilters) +
             ",\"failed\":" + std::to_string(stats.numTestCasesFailed) + "}");
    }
    void test_case_start(const doctest::TestCaseData& tc) override {
        name_ = tc.m_name;
        emit("{\"event\":\"start\",\"name\":" + json_string(name_) + "}");
    }
    void test_case_reenter(const doctest::TestCaseData& /*tc*/) override {}
    void test_case_end(const doctest::CurrentTestCaseStats& stats) override {
        emit("{\"event\":\"end\",\"name\":" + json_string(name_) +
             ",\"passed\":" + (stats.testCaseSuccess ? "true" : "false") +
             ",\"seconds\":" + std::to_string(stats.seconds) + "}");
    }
    void test_case_exception(const doctest::TestCaseException& e) override {
        emit(std::string("{\"event\":\"exception\",\"crash\":") + (e.is_crash ? "true" : "false") +
             ",\"message\":" + json_string(e.error_string.c_str()) + "}");
    }
    void subcase_start(const doctest::SubcaseSignature& /*signature*/) override {}
    void subcase_end() override {}
    void log_assert(const doctest::AssertData& a) override {
        if (a.m_failed) emit(failure(a.m_file, a.m_line, describe(a)));
    }
    void log_message(const doctest::MessageData& m) override {
        // FAIL(), FAIL_CHECK() and WARN() messages; plain MESSAGE() is not a failure.
        if (m.m_severity & (doctest::assertType::is_check | doctest::assertType::is_require))
            emit(failure(m.m_file, m.m_line, m.m_string.c_str()));
    }
    void test_case_skipped(const doctest::TestCaseData& /*tc*/) override {}

private:
    std::string name_;
};

// Prints nothing: the course tool selects it with --reporters=quiet, so that a test's
// captured output is only what the code under test printed.
class Quiet : public doctest::IReporter {
public:
    explicit Quiet(const doctest::ContextOptions& /*options*/) {}
    void report_query(const doctest::QueryData& /*query*/) override {}
    void test_run_start() override {}
    void test_run_end(const doctest::TestRunStats& /*stats*/) override {}
    void test_case_start(const doctest::TestCaseData& /*tc*/) override {}
    void test_case_reenter(const doctest::TestCaseData& /*tc*/) override {}
    void test_case_end(const doctest::CurrentTestCaseStats& /*stats*/) override {}
    void test_case_exception(const doctest::TestCaseException& /*e*/) override {}
    void subcase_start(const doctest::SubcaseSignature& /*signature*/) override {}
    void subcase_end() override {}
    void log_assert(const doctest::AssertData& /*a*/) override {}
    void log_message(const doctest::MessageData& /*m*/) override {}
    void test_case_skipped(const doctest::TestCaseData& /*tc*/) override {}
};

}  // namespace

REGISTER_LISTENER("course", 1, ResultStream);
REGISTER_REPORTER("quiet", 1, Quiet);

int main(int argc, char** argv) {
    open_stream();
    emit(course_chaos::schedule_event());
    if (g_fd < 0) std::fprintf(stderr, "%s\n", course_chaos::replay_hint().c_str());
    // Under the course tool, output goes to a file: line buffering keeps what a test
    // printed before it crashed or hung.
    if (g_fd >= 0) std::setvbuf(stdout, nullptr, _IOLBF, BUFSIZ);
    // On a timeout the course tool attaches gdb to show where each thread is blocked.
    // Yama's ptrace_scope=1 allows that only if we say so.
    prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
    doctest::Context context(argc, argv);
    return context.run();
}
