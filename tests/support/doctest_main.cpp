// doctest_main.cpp: the one doctest main every test links, plus the course's report stream.
//
// The events and their fields are defined in report_stream.hpp, which the course tool
// reads too. doctest's own handling of fatal signals is off: its handler runs code that is
// not async-signal-safe (it can deadlock in a crash inside malloc, and ThreadSanitizer
// reports it as a "signal-unsafe call"); crash_handler.cpp reports crashes instead.
#define DOCTEST_CONFIG_NO_POSIX_SIGNALS
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>

#include "crash_handler.hpp"
#include "platform.hpp"
#include "report_stream.hpp"
#include "report_writer.hpp"
#include "schedule_chaos.hpp"

namespace {

// How many test cases have started: ThreadSanitizer's report hook below says which case
// each report belongs to. Written by the main thread only, read by the hook without
// instrumentation (it runs inside ThreadSanitizer's own report code).
int g_cases_started = 0;

using course::report::json_string;

// A child process forked by the code under test that comes back into the test program
// (it returned instead of calling _exit) would go on to run the rest of the tests, fork
// again, and report on its parent's behalf. It is stopped as soon as it reaches a test
// event, with a status the tests can see (125) and a message for people.
void stop_stray_child() {
    if (getpid() == course_test::stream::owner()) return;
    const char message[] =
        "course: a child process returned into the test program; end child processes "
        "with _exit() (or exec)\n";
    [[maybe_unused]] const ssize_t n = write(2, message, sizeof message - 1);
    _exit(125);
}

void emit(const std::string& json) {
    stop_stray_child();
    course_test::stream::write_event(json);
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
        ++g_cases_started;
        emit("{\"event\":\"start\",\"name\":" + json_string(name_) + "}");
    }
    void test_case_reenter(const doctest::TestCaseData& /*tc*/) override {}
    void test_case_end(const doctest::CurrentTestCaseStats& stats) override {
        emit("{\"event\":\"end\",\"name\":" + json_string(name_) +
             ",\"passed\":" + (stats.testCaseSuccess ? "true" : "false") +
             ",\"seconds\":" + std::to_string(stats.seconds) + "}");
    }
    void test_case_exception(const doctest::TestCaseException& e) override {
        emit("{\"event\":\"exception\",\"message\":" + json_string(e.error_string.c_str()) + "}");
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
    // doctest calls this for every case it does not run, filtered out or skipped: only a
    // skip decorator's case is reported, so that a tool that asked for it by name learns
    // that this build leaves it out (and why) rather than that the program never got to it.
    void test_case_skipped(const doctest::TestCaseData& tc) override {
        if (!tc.m_skip) return;
        emit(std::string("{\"event\":\"skipped\",\"name\":") + json_string(tc.m_name) +
             ",\"reason\":" + json_string(tc.m_description != nullptr ? tc.m_description : "") + "}");
    }

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

#if defined(__SANITIZE_THREAD__)
// ThreadSanitizer calls this after printing each report (to its log file). The event says
// which case was running, so that one process can run every case and each report still
// lands on its own case. It runs inside the sanitizer's report code: no locks, no
// allocation, no instrumented access, a raw write.
extern "C" __attribute__((no_sanitize("thread"))) void __tsan_on_report(const void* /*report*/) {
    if (getpid() != course_test::stream::owner()) return;
    // Formatted by hand: the C library's printf family may be intercepted by the sanitizer.
    static constexpr char head[] = "{\"event\":\"sanitizer_report\",\"case\":";
    char line[96];
    std::size_t used = sizeof head - 1;
    for (std::size_t i = 0; i < used; ++i) line[i] = head[i];
    char digits[16];
    int count = 0;
    for (int value = g_cases_started; count == 0 || value > 0; value /= 10) digits[count++] = static_cast<char>('0' + value % 10);
    while (count > 0) line[used++] = digits[--count];
    line[used++] = '}';
    course_test::stream::write_event_unlocked(std::string_view(line, used));
}
#endif
REGISTER_REPORTER("quiet", 1, Quiet);

namespace {

#if defined(__SANITIZE_THREAD__)
extern "C" void __sanitizer_set_report_fd(void* fd);
#endif

/// Under the course tool, ThreadSanitizer reports to a descriptor the tool owns, never to a
/// file in a folder the code under test could write to (or plant a file in).
void send_sanitizer_reports_to_the_tool() {
#if defined(__SANITIZE_THREAD__)
    const char* text = std::getenv(course::report::sanitizer_variable);
    if (text == nullptr) return;
    const long fd = std::strtol(text, nullptr, 10);
    if (fd < 3 || fcntl(static_cast<int>(fd), F_GETFD) == -1) return;
    fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
    __sanitizer_set_report_fd(reinterpret_cast<void*>(fd));
#endif
}

// Where a case needs Linux and this is not Linux, says once why such cases are skipped
// (doctest itself only counts them).
void explain_linux_only_cases() {
    if (course_test::has_proc) return;
    int count = 0;
    for (const doctest::detail::TestCase& tc : doctest::detail::getRegisteredTests()) {
        if (tc.m_skip && tc.m_description != nullptr &&
            std::strcmp(tc.m_description, course_test::linux_only_reason) == 0) {
            ++count;
        }
    }
    if (count == 0) return;
    std::fprintf(stderr,
                 "note: %d test case(s) of this program are skipped on this system: they watch "
                 "threads or processes through /proc, which only Linux has. Run them on Linux or "
                 "in the course's dev container.\n",
                 count);
}

}  // namespace

int main(int argc, char** argv) {
    course_test::stream::open();
    if (course_test::stream::is_open()) {
        emit("{\"event\":\"stream\",\"version\":" + std::to_string(course::report::version) +
             ",\"pid\":" + std::to_string(getpid()) + "}");
        course_test::install_crash_handler();
    }
    send_sanitizer_reports_to_the_tool();
#if defined(__SANITIZE_THREAD__)
    // ThreadSanitizer starts a helper thread of its own with the program's first thread. We
    // start one now, so that the helper is already there when a case counts the process's
    // threads before and after its work, whichever case runs first.
    std::thread([] {}).join();
#endif
    emit(course_chaos::schedule_event());
    if (!course_test::stream::is_open()) std::fprintf(stderr, "%s\n", course_chaos::replay_hint().c_str());
    // Under the course tool, output goes to a file: line buffering keeps what a test
    // printed before it crashed or hung.
    if (course_test::stream::is_open()) std::setvbuf(stdout, nullptr, _IOLBF, BUFSIZ);
#if defined(__linux__)
    // On a timeout the course tool attaches gdb to show where each thread is blocked.
    // Yama's ptrace_scope=1 (a Linux security module) allows that only if we say so.
    prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
#endif
    explain_linux_only_cases();
    doctest::Context context(argc, argv);
    return context.run();
}
