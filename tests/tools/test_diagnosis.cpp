// test_diagnosis.cpp: blocked threads, crashes, ThreadSanitizer reports and compiler errors, read for a student.
#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include "compiler_errors.hpp"
#include "diagnosis.hpp"
#include "frames.hpp"

namespace {

std::string fixture(const std::string& name) {
    std::ifstream file(std::string(COURSE_FIXTURES) + "/" + name);
    REQUIRE(file);
    return {std::istreambuf_iterator<char>(file), {}};
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

course::CodeOwners owners(std::initializer_list<std::string> files) {
    course::CodeOwners o;
    o.student_files = files;
    return o;
}

}  // namespace

TEST_CASE("function names are cut to what a student reads") {
    using course::short_function_name;
    CHECK(short_function_name("course::parallel_sum(std::span<long const, 18446744073709551615ul>, int)::{lambda(unsigned "
                              "long, unsigned long, unsigned long)#1}::operator()(unsigned long, unsigned long, unsigned "
                              "long) const") == "lambda in course::parallel_sum()");
    CHECK(short_function_name("void std::__invoke_impl<void, void (*)()>(std::__invoke_other, void (*&&)())") ==
          "std::__invoke_impl()");
    CHECK(short_function_name("DOCTEST_ANON_FUNC_14") == "the test case");
    CHECK(short_function_name("course::transfer(course::Account&, course::Account&, long)") == "course::transfer()");
    CHECK(short_function_name("transfer") == "transfer()");
    CHECK(short_function_name("operator()") == "a lambda");
}

TEST_CASE("each deadlocked thread is named with what it waits for and where") {
    const std::string summary = course::summarise_stacks(fixture("gdb_deadlock.txt"), owners({"bank.hpp"}));
    CHECK(contains(summary, "main thread waits for a thread to finish (join)\n  in main() at bank.hpp:14"));
    CHECK(contains(summary, "thread 2 waits for a mutex\n  in transfer() at bank.hpp:8"));
    CHECK(contains(summary, "thread 3 waits for a mutex\n  in transfer() at bank.hpp:8"));
    // The standard library's plumbing (std::thread, std::__invoke) is left out.
    CHECK_FALSE(contains(summary, "__invoke"));
}

TEST_CASE("a thread in an endless loop is told apart from a blocked one") {
    const std::string gdb =
        "Thread 1 (Thread 0x7f (LWP 5) \"t\"):\n"
        "#0  0x0000555 in spin () at /home/s/exercises/02_threads/spin.hpp:7\n"
        "#1  0x0000555 in main () at /home/s/tests/02_threads/test_spin.cpp:12\n";
    const std::string summary = course::summarise_stacks(gdb, owners({"spin.hpp"}));
    CHECK(contains(summary, "main thread is running (an endless loop?)\n  in spin() at spin.hpp:7"));
    CHECK(contains(summary, "called from main() at test_spin.cpp:12"));
}

TEST_CASE("the tests' helpers fold into one line and the chain stops at the test case") {
    const std::string gdb =
        "Thread 2 (Thread 0x7f (LWP 6) \"t\"):\n"
        "#0  0x00007f in __GI___libc_read (fd=..., buf=..., nbytes=...) at ../sysdeps/unix/sysv/linux/read.c:26\n"
        "#1  0x0000555 in course::call (argv=...) at /s/exercises/01_processes/exit_code.hpp:59\n"
        "#2  0x0000555 in operator() (i=...) at /s/tests/01_processes/test_exit_code.cpp:20\n"
        "#3  0x0000555 in course_test::run_together(int, std::function<void (int)> const&)::{lambda()#1}::operator()() "
        "const (this=...) at /s/tests/support/bounded_sync.hpp:90\n"
        "#4  0x0000555 in course_test::run_together(int, std::function<void (int)> const&)::{lambda()#2}::operator()() "
        "const (this=...) at /s/tests/support/bounded_sync.hpp:95\n"
        "#5  0x0000555 in DOCTEST_ANON_FUNC_4 () at /s/tests/01_processes/test_exit_code.cpp:18\n"
        "#6  0x0000555 in main (argc=..., argv=...) at /s/tests/support/doctest_main.cpp:224\n";
    const std::string summary = course::summarise_stacks(gdb, owners({"exit_code.hpp"}));
    CHECK(contains(summary, "thread 2 is blocked in read() (a pipe with no data"));
    CHECK(contains(summary, "in course::call() at exit_code.hpp:59"));
    CHECK(contains(summary, "called from a lambda at test_exit_code.cpp:20"));
    CHECK(summary.find("run_together") == summary.rfind("run_together"));
    CHECK(contains(summary, "called from the test case at test_exit_code.cpp:18"));
    CHECK_FALSE(contains(summary, "doctest_main.cpp"));
}

TEST_CASE("a race report keeps the accesses and the student's frames, without addresses or library frames") {
    const course::TsanFindings findings = course::read_tsan_log(fixture("tsan_race.txt"), owners({"counter.hpp"}));
    CHECK(findings.kind == "data race");
    CHECK_FALSE(findings.fatal_signal);
    CHECK(contains(findings.trimmed, "Read of size 4 by main thread:"));
    CHECK(contains(findings.trimmed, "Previous write of size 4 by thread T1:"));
    CHECK(contains(findings.trimmed, "bump() at counter.hpp:3"));
    CHECK(contains(findings.trimmed, "Location is global 'counter' of size 4"));
    CHECK_FALSE(contains(findings.trimmed, "std_thread.h"));
    CHECK_FALSE(contains(findings.trimmed, "+0x"));
    CHECK_FALSE(contains(findings.trimmed, "0x55e5a640d094"));
}

TEST_CASE("repeated reports of the same race are shown once") {
    const std::string log = fixture("tsan_race.txt");
    const auto findings = course::read_tsan_log(log + log + log, owners({"counter.hpp"}));
    CHECK(findings.trimmed.find("ThreadSanitizer: data race") == findings.trimmed.rfind("ThreadSanitizer: data race"));
    CHECK(contains(findings.trimmed, "and 2 more reports"));
}

TEST_CASE("a lock-order inversion shows both locks with the student's lines, and no empty heading") {
    const auto findings = course::read_tsan_log(fixture("tsan_lock_order.txt"), owners({"transfers.hpp"}));
    CHECK(findings.kind == "lock-order-inversion (potential deadlock)");
    CHECK(contains(findings.trimmed, "Cycle in lock order graph: M83 => M84 => M83"));
    CHECK(contains(findings.trimmed, "course::transfer() at transfers.hpp:73"));
    CHECK(contains(findings.trimmed, "course::transfer() at transfers.hpp:72"));
    // Every heading has a frame under it.
    std::istringstream lines(findings.trimmed);
    std::string line;
    std::string previous;
    while (std::getline(lines, line)) {
        if (!previous.empty() && previous.back() == ':') {
            INFO("heading: " << previous);
            CHECK(line.rfind("    ", 0) == 0);
        }
        previous = line;
    }
}

TEST_CASE("an unknown location and a thread's creation are left out of a race report") {
    const std::string log =
        "WARNING: ThreadSanitizer: data race (pid=7)\n"
        "  Write of size 1 at 0x7b0400000010 by thread T1:\n"
        "    #0 course::flag_up() /s/exercises/03_locks/flag.hpp:9 (t+0x1)\n"
        "  Previous read of size 1 at 0x7b0400000010 by main thread:\n"
        "    #0 std::atomic_thread_fence() /usr/include/c++/12/bits/atomic_base.h:9 (t+0x2)\n"
        "  Location is global '<null>' at 0x000000000000 (t+0x3)\n"
        "  Thread T1 (tid=8, running) created by main thread at:\n"
        "    #0 pthread_create ../../../../src/libsanitizer/tsan/tsan_interceptors_posix.cpp:1001 (libtsan.so.2+0x5e686)\n"
        "SUMMARY: ThreadSanitizer: data race /s/exercises/03_locks/flag.hpp:9 in course::flag_up()\n";
    const auto findings = course::read_tsan_log(log, owners({"flag.hpp"}));
    CHECK_FALSE(contains(findings.trimmed, "<null>"));
    CHECK_FALSE(contains(findings.trimmed, "created by"));
    // A main access with no frame of ours keeps its innermost frame rather than nothing.
    CHECK(contains(findings.trimmed, "Previous read of size 1 by main thread:\n    std::atomic_thread_fence()"));
}

TEST_CASE("a segfault under ThreadSanitizer is a crash, at the student's line") {
    const auto findings = course::read_tsan_log(fixture("tsan_segv.txt"), owners({"parallel_sum.hpp"}));
    CHECK(findings.fatal_signal);
    CHECK(findings.signal_name == "SEGV");
    CHECK(contains(findings.access, "WRITE"));
    const course::Frame* own = course::innermost_own_frame(findings.crash_frames, owners({"parallel_sum.hpp"}));
    REQUIRE(own != nullptr);
    CHECK(course::place(*own) == "parallel_sum.hpp:126");
}

TEST_CASE("addr2line's frames, inlined ones included, are read") {
    const std::string output =
        "0x00000000000110c9: course::parallel_sum(std::span<long const, 18446744073709551615ul>, int)::{lambda(unsigned "
        "long, unsigned long, unsigned long)#1}::operator()(unsigned long, unsigned long, unsigned long) const at "
        "/s/exercises/02_threads/parallel_sum.hpp:126 (discriminator 1)\n"
        " (inlined by) course::run_in_slices(unsigned long) at /s/exercises/02_threads/parallel_sum.hpp:90\n"
        "0x0000000000001234: ?? ??:0\n";
    const auto frames = course::parse_addr2line(output);
    REQUIRE(frames.size() == 3);
    CHECK(course::place(frames[0]) == "parallel_sum.hpp:126");
    CHECK(course::place(frames[1]) == "parallel_sum.hpp:90");
    CHECK(frames[2].file.empty());
}

TEST_CASE("a stack with no frame of ours is shown as it is, never hidden") {
    const std::vector<course::Frame> frames{{"memcpy", "", 0}, {"std::vector<int>::push_back(int&&)", "/usr/include/c++/12/bits/stl_vector.h", 1}};
    const std::string text = course::describe_stack(frames, owners({"queue.hpp"}));
    CHECK(contains(text, "no frame is in your code or the tests"));
    CHECK(contains(text, "memcpy()"));
}

TEST_CASE("a template error is shown from the student's line, without the include chain") {
    const std::string text = course::first_compiler_error(fixture("gcc_template_error.txt"), owners({"transfers.hpp"}),
                                                          "-v shows all");
    INFO(text);
    CHECK(text.rfind("transfers.hpp:74: error: ", 0) == 0);
    CHECK(contains(text, "has no member named"));
    CHECK(contains(text, "The compiler reports it in <mutex>:703"));
    CHECK(contains(text, "more errors"));
    CHECK(contains(text, "-v shows all"));
    CHECK_FALSE(contains(text, "cmake_pch.hxx"));
    CHECK_FALSE(contains(text, "<command-line>"));
    CHECK_FALSE(contains(text, "In file included from"));
}

TEST_CASE("an error in the student's own line is shown first, with the notes") {
    const std::string messages =
        "In file included from /s/tests/05_deadlocks/test_transfers.cpp:10:\n"
        "/s/exercises/05_deadlocks/transfers.hpp: In function 'bool course::transfer(Account&, Account&, long int)':\n"
        "/s/exercises/05_deadlocks/transfers.hpp:74:60: error: no matching function for call to 'f(int)'\n"
        "   74 |     f(1);\n"
        "      |      ^\n"
        "/usr/include/c++/12/bits/std_mutex.h:231:7: note: candidate: 'void f()'\n";
    const std::string text = course::first_compiler_error(messages, owners({"transfers.hpp"}), "");
    CHECK(text.rfind("transfers.hpp:74: error: no matching function for call to 'f(int)'", 0) == 0);
    CHECK(contains(text, "note: candidate: 'void f()'"));
    CHECK_FALSE(contains(text, "The compiler reports it in"));
}

TEST_CASE("messages with no recognisable error are shown as they are") {
    const std::string messages = "/usr/bin/ld: test.o: undefined reference to `course::f()'\ncollect2: error: ld returned 1 exit status\n";
    const std::string text = course::first_compiler_error(messages, owners({"x.hpp"}), "");
    CHECK(contains(text, "undefined reference to `course::f()'"));
}

TEST_CASE("a lock-order deadlock is told as a cycle: who holds which mutex, where, and who waits") {
    const std::string summary = course::summarise_stacks(fixture("gdb_lock_cycle.txt"), owners({"transfers.hpp"}));
    INFO(summary);
    CHECK(contains(summary, "The threads wait for each other in a cycle (a deadlock):"));
    // Each mutex is named by a letter; the two threads hold one each and wait for the other's.
    CHECK(contains(summary, "thread 2 holds mutex A (locked at transfers.hpp:72)\n  and waits for mutex B (at transfers.hpp:73), which thread 3 holds"));
    CHECK(contains(summary, "thread 3 holds mutex B (locked at transfers.hpp:72)\n  and waits for mutex A (at transfers.hpp:73), which thread 2 holds"));
    // Threads outside the cycle wait for one of its mutexes.
    CHECK(contains(summary, "thread 4 waits for mutex A (at transfers.hpp:72), which thread 2 holds"));
    CHECK(contains(summary, "Where each thread was when it was stopped:"));
}

TEST_CASE("a condition-variable wait with every other thread blocked has nobody to notify it") {
    const std::string gdb =
        "Thread 2 (Thread 0x7f (LWP 11) \"t\"):\n"
        "#0  0x00007f in __futex_abstimed_wait_common64 () at ./nptl/futex-internal.c:57\n"
        "#1  0x00007f in std::condition_variable::wait(std::unique_lock<std::mutex>&) () from /lib/libstdc++.so.6\n"
        "#2  0x0000555 in course::BlockingQueue<int>::pop () at /s/exercises/04_queues/blocking_queue.hpp:40\n"
        "Thread 1 (Thread 0x7f (LWP 10) \"t\"):\n"
        "#0  0x00007f in __pthread_clockjoin_ex () at ./nptl/pthread_join_common.c:102\n"
        "#1  0x00007f in std::thread::join() () from /lib/libstdc++.so.6\n"
        "#2  0x0000555 in DOCTEST_ANON_FUNC_3 () at /s/tests/04_queues/test_blocking_queue.cpp:30\n"
        "course-thread 2 11\n"
        "course-cv 2 0x5555\n"
        "course-thread 1 10\n";
    const std::string summary = course::summarise_stacks(gdb, owners({"blocking_queue.hpp"}));
    CHECK(contains(summary, "thread 2 waits on a condition variable (at blocking_queue.hpp:40)"));
    CHECK(contains(summary, "nobody is left to notify it"));
}
