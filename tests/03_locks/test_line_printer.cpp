// test_line_printer.cpp: tests for LinePrinter, the articles' print lock around whole lines.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <set>
#include <sstream>
#include <stdexcept>
#include <streambuf>
#include <string>
#include <thread>
#include <vector>

#include "line_printer.hpp"
#include "bounded_sync.hpp"

using namespace std::chrono_literals;
using course::LinePrinter;
using course_test::run_together;
using course_test::Gate;

namespace {

// A stream buffer that keeps what is written and is slow to write: it yields the processor
// after every write, so that a thread writing a line in several pieces is likely to be
// overtaken between them. It has no lock of its own on purpose: keeping writers apart is
// the printer's job, and ThreadSanitizer sees two unguarded writes here. Its storage is
// allocated once, so that writers racing on it garble text but never the heap.
class SlowRecordingBuffer : public std::streambuf {
public:
    std::string text() const { return std::string(storage_.data(), used_); }

protected:
    int_type overflow(int_type ch) override {
        if (!traits_type::eq_int_type(ch, traits_type::eof())) {
            const char c = traits_type::to_char_type(ch);
            append(&c, 1);
        }
        return traits_type::not_eof(ch);
    }
    std::streamsize xsputn(const char* text, std::streamsize count) override {
        append(text, static_cast<std::size_t>(count));
        return count;
    }

private:
    void append(const char* text, std::size_t count) {
        const std::size_t room = std::min(count, storage_.size() - used_);
        std::memcpy(storage_.data() + used_, text, room);
        used_ += room;
        std::this_thread::yield();
    }

    std::vector<char> storage_ = std::vector<char>(std::size_t{1} << 20);
    std::size_t used_ = 0;
};

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// A part that throws while it is being formatted.
struct Exploding {
    [[maybe_unused]] friend std::ostream& operator<<(std::ostream& out, const Exploding&) {
        throw std::runtime_error("this part cannot be formatted");
        return out;
    }
};

// A part that takes its time to format: it tells `entered` that formatting has begun, then
// waits (at most a few seconds) for `open`. The test opens it once another thread has
// printed a whole line in the meantime.
struct SlowPart {
    Gate* entered;
    Gate* open;
    bool* waited_in_vain;

    [[maybe_unused]] friend std::ostream& operator<<(std::ostream& out, const SlowPart& part) {
        part.entered->open();
        if (!part.open->wait_for(5s)) *part.waited_in_vain = true;
        return out << "[slow part]";
    }
};

struct OvertakeResult {
    std::string text;
    bool waited_in_vain = false;
    bool second_thread_printed = false;
};

// Thread 0 prints a line with a slow part in the middle; while it is formatting that part,
// thread 1 prints a whole line of its own, and only then lets the slow part finish.
OvertakeResult print_while_another_line_is_formatted() {
    SlowRecordingBuffer buffer;
    std::ostream sink(&buffer);
    LinePrinter printer(sink);
    Gate entered;
    Gate open;
    OvertakeResult result;
    // Opened on every way out as well, so that a print() that throws fails the test at once
    // instead of leaving the other thread waiting.
    struct OpenOnExit {
        Gate& gate;
        ~OpenOnExit() { gate.open(); }
    };
    run_together(2, [&](int t) {
        if (t == 0) {
            const OpenOnExit done{entered};
            printer.print("first: begins, ", SlowPart{&entered, &open, &result.waited_in_vain}, ", ends");
            return;
        }
        const OpenOnExit done{open};
        entered.wait_for(5s);
        printer.print("second: whole");
        result.second_thread_printed = true;
    });
    result.text = buffer.text();
    return result;
}

}  // namespace

TEST_CASE("a line is written whole, with a newline at the end") {
    std::ostringstream sink;
    LinePrinter printer(sink);
    printer.print("worker ", 3, " finished step ", 1);
    CHECK(sink.str() == "worker 3 finished step 1\n");
}

TEST_CASE("parts are formatted as operator<< formats them, and no parts give an empty line") {
    std::ostringstream sink;
    LinePrinter printer(sink);
    printer.print("x=", 42, ' ', 1.5, ' ', std::string("text"));
    printer.print();
    printer.print('a', 'b');
    CHECK(sink.str() == "x=42 1.5 text\n\nab\n");
}

TEST_CASE("lines_printed counts every line") {
    std::ostringstream sink;
    LinePrinter printer(sink);
    CHECK(printer.lines_printed() == 0);
    printer.print("one");
    printer.print("two");
    CHECK(printer.lines_printed() == 2);
}

TEST_CASE("a part that throws while being formatted leaves no half line behind") {
    std::ostringstream sink;
    LinePrinter printer(sink);
    CHECK_THROWS_AS(printer.print("before ", Exploding{}, " after"), std::runtime_error);
    CHECK(sink.str().empty());
    CHECK(printer.lines_printed() == 0);
    printer.print("next");  // the printer is still usable: its lock was released
    CHECK(sink.str() == "next\n");
}

TEST_CASE("lines printed by many threads at once are all there and all intact") {
    constexpr int threads = 4;
    constexpr int lines_each = 150;
    SlowRecordingBuffer buffer;
    std::ostream sink(&buffer);
    LinePrinter printer(sink);
    run_together(threads, [&](int t) {
        for (int i = 0; i < lines_each; ++i) printer.print("thread ", t, " says line ", i, " of ", lines_each);
    });
    std::set<std::string> expected;
    for (int t = 0; t < threads; ++t) {
        for (int i = 0; i < lines_each; ++i) {
            expected.insert("thread " + std::to_string(t) + " says line " + std::to_string(i) + " of " +
                            std::to_string(lines_each));
        }
    }
    const std::vector<std::string> lines = lines_of(buffer.text());
    std::vector<std::string> broken;
    for (const std::string& line : lines) {
        if (expected.count(line) == 0 && broken.size() < 3) broken.push_back(line);
    }
    INFO("some lines that are not a whole line of one thread: " << (broken.empty() ? "" : broken.front()));
    CHECK(broken.empty());
    CHECK(lines.size() == expected.size());
    CHECK(std::set<std::string>(lines.begin(), lines.end()) == expected);
    CHECK(printer.lines_printed() == expected.size());
    // Each thread's own lines keep the order in which it printed them.
    std::vector<int> next(threads, 0);
    bool in_order = true;
    for (const std::string& line : lines) {
        int t = 0;
        int i = 0;
        if (std::sscanf(line.c_str(), "thread %d says line %d", &t, &i) != 2 || t < 0 ||
            t >= threads)
            continue;
        in_order = in_order && i == next[static_cast<std::size_t>(t)];
        next[static_cast<std::size_t>(t)] = i + 1;
    }
    CHECK_MESSAGE(in_order, "one thread's lines came out in another order than it printed them");
}

TEST_CASE("lines_printed can be read while other threads print") {
    constexpr int printers = 3;
    constexpr int lines_each = 200;
    SlowRecordingBuffer buffer;
    std::ostream sink(&buffer);
    LinePrinter printer(sink);
    std::atomic<int> printers_done{0};
    bool went_down = false;
    run_together(printers + 1, [&](int t) {
        if (t < printers) {
            for (int i = 0; i < lines_each; ++i) printer.print("line ", i);
            printers_done.fetch_add(1);
            return;
        }
        std::size_t last = 0;
        while (printers_done.load() < printers) {
            const std::size_t now = printer.lines_printed();
            went_down = went_down || now < last;
            last = now;
        }
    });
    CHECK_FALSE(went_down);
    CHECK(printer.lines_printed() == printers * lines_each);
    CHECK(lines_of(buffer.text()).size() == printers * lines_each);
}

TEST_CASE("a line printed while another is being formatted does not cut into it") {
    // Writing the parts one by one, each under the lock, lets the second thread's line land
    // in the middle of the first one.
    const OvertakeResult result = print_while_another_line_is_formatted();
    const std::vector<std::string> lines = lines_of(result.text);
    INFO("the stream holds: " << result.text);
    CHECK(std::count(lines.begin(), lines.end(), "first: begins, [slow part], ends") == 1);
    CHECK(std::count(lines.begin(), lines.end(), "second: whole") == (result.second_thread_printed ? 1 : 0));
    CHECK(lines.size() == (result.second_thread_printed ? 2U : 1U));
}

TEST_CASE("another thread can print while a line is still being formatted") {
    // The lock is for the write only. Formatting under the lock makes every other thread
    // wait for the slowest formatting: here the second thread could not print for seconds.
    const OvertakeResult result = print_while_another_line_is_formatted();
    INFO("format the line first, then take the lock only to write it");
    CHECK(result.second_thread_printed);
    CHECK_FALSE(result.waited_in_vain);
}
