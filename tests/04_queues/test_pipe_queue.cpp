// test_pipe_queue.cpp: tests for PipeQueue, the mirror of multiprocessing.Queue over a pipe.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "bounded_waits.hpp"
#include "pipe_queue.hpp"
#include "process_checks.hpp"

using course::PipeQueue;
using course_test::patience;

namespace {

// A child process running `body` (exit status 0, or 1 when `body` throws). The destructor
// kills and reaps a child that is still there, so a failing test leaves no process behind.
class Child {
public:
    explicit Child(const std::function<void()>& body) {
        pid_ = fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            int status = 0;
            try {
                body();
            } catch (...) {
                status = 1;
            }
            _exit(status);  // never back into the test runner
        }
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    ~Child() {
        if (pid_ > 0) {
            kill(pid_, SIGKILL);
            wait();
        }
    }
    /// Reaps the child; its exit status, or -1 when it did not exit normally.
    int wait() {
        int status = 0;
        while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }

private:
    pid_t pid_ = -1;
};

// Checks that nothing is left in the queue but end-of-file, without risking a hang.
void expect_end(PipeQueue& queue) {
    REQUIRE_MESSAGE(course_test::readable_within(queue.read_fd(), patience),
                    "no end-of-file although the writer has exited: does become_reader() close this "
                    "process's copy of the write end?");
    CHECK_FALSE(queue.get().has_value());
}

std::string patterned(std::size_t size, unsigned seed) {
    std::string bytes(size, '\0');
    for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i * 31 + seed) % 251);
    return bytes;
}

}  // namespace

TEST_CASE("messages sent by a child arrive whole and in order, then the queue ends") {
    PipeQueue queue;
    Child child([&] {
        queue.become_writer();
        for (const char* message : {"one", "two", "three"}) queue.put(message);
    });
    queue.become_reader();
    CHECK(queue.get() == "one");
    CHECK(queue.get() == "two");
    CHECK(queue.get() == "three");
    expect_end(queue);
    CHECK(child.wait() == 0);
}

TEST_CASE("a message far larger than the pipe's buffer arrives whole") {
    const std::string big = patterned((1 << 20) + 7, 3);  // 16 times a pipe's 64 KiB
    PipeQueue queue;
    Child child([&] {
        queue.become_writer();
        queue.put(big);
        queue.put("after");
    });
    queue.become_reader();
    const std::optional<std::string> received = queue.get();
    REQUIRE(received.has_value());
    REQUIRE_MESSAGE(received->size() == big.size(), "a 1 MiB message came back with " << received->size() << " bytes");
    const bool same_bytes = *received == big;  // compared apart: doctest would print a megabyte
    REQUIRE_MESSAGE(same_bytes, "the 1 MiB message came back with the right size but other bytes: "
                                "did one read() fill only the start of it?");
    CHECK(queue.get() == "after");
    expect_end(queue);
    CHECK(child.wait() == 0);
}

TEST_CASE("an empty message is a message, not the end of the queue") {
    PipeQueue queue;
    Child child([&] {
        queue.become_writer();
        queue.put("");
        queue.put("x");
        queue.put("");
    });
    queue.become_reader();
    CHECK(queue.get() == "");
    CHECK(queue.get() == "x");
    CHECK(queue.get() == "");
    expect_end(queue);
    CHECK(child.wait() == 0);
}

TEST_CASE("every byte value survives, zeros and newlines included") {
    std::string all_bytes;
    for (int value = 0; value < 256; ++value) all_bytes += static_cast<char>(value);
    const std::string reversed(all_bytes.rbegin(), all_bytes.rend());
    PipeQueue queue;
    Child child([&] {
        queue.become_writer();
        queue.put(all_bytes);
        queue.put(reversed);
    });
    queue.become_reader();
    const std::optional<std::string> first = queue.get();
    const std::optional<std::string> second = queue.get();
    CHECK_MESSAGE((first == all_bytes), "the message of the 256 byte values came back changed");
    CHECK_MESSAGE((second == reversed), "the same bytes in reverse order came back changed");
    expect_end(queue);
    CHECK(child.wait() == 0);
}

TEST_CASE("messages that start with digits keep their boundaries") {
    const std::vector<std::string> messages = {"42 is the answer", "7", "1234567890", "0", "9 lives"};
    PipeQueue queue;
    Child child([&] {
        queue.become_writer();
        for (const std::string& message : messages) queue.put(message);
    });
    queue.become_reader();
    for (const std::string& message : messages) CHECK(queue.get() == message);
    expect_end(queue);
    CHECK(child.wait() == 0);
}

TEST_CASE("hundreds of messages of many sizes keep their boundaries") {
    constexpr unsigned count = 400;
    const auto message = [](unsigned i) { return patterned((i * 97) % 9000, i); };
    PipeQueue queue;
    Child child([&] {
        queue.become_writer();
        for (unsigned i = 0; i < count; ++i) queue.put(message(i));
    });
    queue.become_reader();
    for (unsigned i = 0; i < count; ++i) {
        const std::optional<std::string> received = queue.get();
        REQUIRE_MESSAGE(received.has_value(), "the queue ended after " << i << " of " << count << " messages");
        const bool same_bytes = *received == message(i);
        REQUIRE_MESSAGE(same_bytes, "message " << i << " (" << message(i).size() << " bytes) came back as "
                                               << received->size() << " other bytes");
    }
    expect_end(queue);
    CHECK(child.wait() == 0);
}

TEST_CASE("two children can send into one queue; it ends when both have exited") {
    constexpr int per_child = 300;
    PipeQueue queue;
    const auto send = [&](char name) {
        queue.become_writer();
        for (int i = 0; i < per_child; ++i) queue.put(std::string(1, name) + std::to_string(i));
    };
    Child first([&] { send('a'); });
    Child second([&] { send('b'); });
    queue.become_reader();
    int next_a = 0;
    int next_b = 0;
    for (int i = 0; i < 2 * per_child; ++i) {
        const std::optional<std::string> received = queue.get();
        REQUIRE(received.has_value());
        REQUIRE(!received->empty());
        int& next = received->front() == 'a' ? next_a : next_b;
        CHECK(received->substr(1) == std::to_string(next));  // in order per sender
        ++next;
    }
    CHECK(next_a == per_child);
    CHECK(next_b == per_child);
    expect_end(queue);
    CHECK(first.wait() == 0);
    CHECK(second.wait() == 0);
}

TEST_CASE("a frame cut short by a dying writer is an error, not a message") {
    PipeQueue queue;
    Child child([&] {
        queue.become_writer();
        // A frame announcing 100 bytes, of which only 10 are sent before the writer dies.
        const std::uint32_t length = 100;
        std::string partial(reinterpret_cast<const char*>(&length), sizeof length);
        partial += "0123456789";
        if (write(queue.write_fd(), partial.data(), partial.size()) != static_cast<ssize_t>(partial.size())) _exit(2);
    });
    queue.become_reader();
    REQUIRE(course_test::readable_within(queue.read_fd(), patience));
    CHECK(child.wait() == 0);
    CHECK_THROWS_AS(queue.get(), std::runtime_error);
}

TEST_CASE("the pipe's descriptors are closed on exec, on become_reader and by the destructor") {
    const std::size_t before = course_test::open_descriptor_count();
    {
        PipeQueue queue;
        CHECK(course_test::open_descriptor_count() == before + 2);
        REQUIRE(queue.read_fd() >= 0);
        REQUIRE(queue.write_fd() >= 0);
        CHECK((fcntl(queue.read_fd(), F_GETFD) & FD_CLOEXEC) != 0);
        CHECK((fcntl(queue.write_fd(), F_GETFD) & FD_CLOEXEC) != 0);
        queue.become_reader();
        CHECK(queue.write_fd() == -1);
        CHECK(course_test::open_descriptor_count() == before + 1);
    }
    CHECK(course_test::open_descriptor_count() == before);
    {
        PipeQueue queue;
        queue.become_writer();
        CHECK(queue.read_fd() == -1);
    }
    CHECK(course_test::open_descriptor_count() == before);
    CHECK(course_test::no_children_left());
}
