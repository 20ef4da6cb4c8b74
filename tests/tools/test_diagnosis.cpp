// test_diagnosis.cpp: blocked threads and ThreadSanitizer reports, read for a student.
#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "diagnosis.hpp"

namespace {

std::string fixture(const std::string& name) {
    std::ifstream file(std::string(COURSE_FIXTURES) + "/" + name);
    REQUIRE(file);
    return {std::istreambuf_iterator<char>(file), {}};
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("each deadlocked thread is named with what it waits for and where") {
    const std::string summary = course::summarise_stacks(fixture("gdb_deadlock.txt"));
    CHECK(contains(summary, "main thread waits for a thread to finish (join) in main() at bank.hpp:14"));
    CHECK(contains(summary, "thread 2 waits for a mutex in transfer() at bank.hpp:8"));
    CHECK(contains(summary, "thread 3 waits for a mutex in transfer() at bank.hpp:8"));
}

TEST_CASE("a thread in an endless loop is told apart from a blocked one") {
    const std::string gdb =
        "Thread 1 (Thread 0x7f (LWP 5) \"t\"):\n"
        "#0  0x0000555 in spin () at /home/s/exercises/02_threads/spin.hpp:7\n"
        "#1  0x0000555 in main () at /home/s/tests/02_threads/test_spin.cpp:12\n";
    const std::string summary = course::summarise_stacks(gdb);
    CHECK(contains(summary, "main thread is running (an endless loop?) in spin() at spin.hpp:7"));
    CHECK(contains(summary, "called from main() at test_spin.cpp:12"));
}

TEST_CASE("a doctest test body is called the test case") {
    const std::string gdb =
        "Thread 1 (Thread 0x7f (LWP 5) \"t\"):\n"
        "#0  0x00007f in __GI___libc_read (fd=..., buf=..., nbytes=...) at ../sysdeps/unix/sysv/linux/read.c:26\n"
        "#1  0x0000555 in course::call (argv=...) at /s/exercises/01_processes/exit_code.hpp:59\n"
        "#2  0x0000555 in DOCTEST_ANON_FUNC_4 () at /s/tests/01_processes/test_exit_code.cpp:18\n"
        "#3  0x0000555 in main (argc=..., argv=...) at /s/tests/support/doctest_main.cpp:224\n";
    const std::string summary = course::summarise_stacks(gdb);
    CHECK(contains(summary, "main thread is blocked in read() (a pipe with no data"));
    CHECK(contains(summary, "in course::call() at exit_code.hpp:59"));
    CHECK(contains(summary, "called from the test case at test_exit_code.cpp:18"));
    CHECK_FALSE(contains(summary, "doctest_main.cpp"));
}

TEST_CASE("a race report keeps the accesses, the student's frames and the summary") {
    const std::string log = fixture("tsan_race.txt");
    const std::string trimmed = course::trim_tsan_report(log);
    CHECK(course::tsan_report_kind(log) == "data race");
    CHECK(contains(trimmed, "Read of size 4"));
    CHECK(contains(trimmed, "Previous write of size 4"));
    CHECK(contains(trimmed, "#0 bump() counter.hpp:3"));
    CHECK(contains(trimmed, "SUMMARY: ThreadSanitizer: data race counter.hpp:3 in bump()"));
    // Frames inside the standard library say nothing the student can act on.
    CHECK_FALSE(contains(trimmed, "std_thread.h"));
    CHECK_FALSE(contains(trimmed, "+0x"));
}

TEST_CASE("repeated reports of the same race are shown once") {
    const std::string log = fixture("tsan_race.txt");
    const std::string trimmed = course::trim_tsan_report(log + log + log);
    CHECK(trimmed.find("WARNING") == trimmed.rfind("WARNING"));
    CHECK(contains(trimmed, "and 2 more reports"));
}

TEST_CASE("a lock-order inversion is named a potential deadlock") {
    const std::string log =
        "WARNING: ThreadSanitizer: lock-order-inversion (potential deadlock) (pid=7)\n"
        "  Cycle in lock order graph: M1 (0x1) => M2 (0x2) => M1\n"
        "SUMMARY: ThreadSanitizer: lock-order-inversion (potential deadlock) /a/bank.hpp:9 in transfer\n";
    CHECK(course::tsan_report_kind(log) == "lock-order-inversion (potential deadlock)");
}

TEST_CASE("a log without a report has no kind") {
    CHECK(course::tsan_report_kind("ThreadSanitizer: reported 0 warnings\n").empty());
}
