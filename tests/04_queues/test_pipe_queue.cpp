// test_pipe_queue.cpp: tests for PipeQueue, the mirror of multiprocessing.Queue over a pipe.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include "bounded_waits.hpp"
#include "pipe_queue.hpp"
#include "process_checks.hpp"

using course::PipeQueue;
using course_test::patience;
using namespace std::chrono_literals;

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
    /// Like wait(), but gives up after `limit`: std::nullopt, and the destructor kills it.
    std::optional<int> wait_within(std::chrono::milliseconds limit) {
        const auto give_up = std::chrono::steady_clock::now() + limit;
        int status = 0;
        while (std::chrono::steady_clock::now() < give_up) {
            const pid_t reaped = waitpid(pid_, &status, WNOHANG);
            if (reaped == pid_) {
                pid_ = -1;
                return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        return std::nullopt;
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

// While it lives, SIGUSR1 has a handler that does nothing, installed without SA_RESTART: a
// blocking read() or write() it interrupts then returns what it did so far, or fails with
// EINTR when it had done nothing yet. That is what a program with signal handlers sees.
class InterruptingSignal {
public:
    InterruptingSignal() {
        struct sigaction action {};
        action.sa_handler = [](int) {};
        sigemptyset(&action.sa_mask);
        action.sa_flags = 0;
        sigaction(SIGUSR1, &action, &previous_);
    }
    InterruptingSignal(const InterruptingSignal&) = delete;
    InterruptingSignal& operator=(const InterruptingSignal&) = delete;
    ~InterruptingSignal() { sigaction(SIGUSR1, &previous_, nullptr); }

private:
    struct sigaction previous_ {};
};

// A thread of the test that calls the queue, with what is needed to interrupt it.
struct Caller {
    std::atomic<pid_t> id{0};
    pthread_t handle{};
    std::optional<std::string> got;

    void tell() {
        handle = pthread_self();
        id.store(course_test::kernel_thread_id());
    }
    void wait_until_told() const {
        const auto give_up = std::chrono::steady_clock::now() + patience;
        while (id.load() == 0 && std::chrono::steady_clock::now() < give_up)
            std::this_thread::yield();
    }
    // Interrupts the caller `times` times, each time once it is blocked in `call` again.
    void interrupt_in(long call, int times) {
        for (int i = 0; i < times; ++i) {
            if (!course_test::blocks_within(id.load(), call, patience)) return;  // it ended
            pthread_kill(handle, SIGUSR1);
        }
    }
};

// A channel for the test to tell a child process when to go on (a socket pair, so that
// telling a child that has died already fails instead of raising SIGPIPE).
class GoSignal {
public:
    GoSignal() { REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends_) == 0); }
    GoSignal(const GoSignal&) = delete;
    GoSignal& operator=(const GoSignal&) = delete;
    ~GoSignal() {
        for (const int end : ends_) {
            if (end >= 0) close(end);
        }
    }
    // In the child: waits for the parent's go (or its end).
    void wait_in_child() {
        close(ends_[1]);
        char go = 0;
        while (read(ends_[0], &go, 1) < 0 && errno == EINTR) {
        }
    }
    // In the parent: after the fork, keeps only the end it writes to.
    void keep_parent_end() {
        close(ends_[0]);
        ends_[0] = -1;
    }
    void go() {
        const char go = 'g';
        send(ends_[1], &go, 1, MSG_NOSIGNAL);
    }

private:
    int ends_[2] = {-1, -1};
};

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

TEST_CASE("a message that arrives in pieces is read whole") {
    // The writer sends the frame's length and the first half of the message, and the rest
    // only once the reader has taken everything the pipe held and waits in read() for more:
    // one read() cannot return the whole message, get() must read again.
    const std::string message = patterned(1000, 7);
    auto queue = std::make_shared<PipeQueue>();
    GoSignal writer_may_finish;
    course_test::Shared<std::atomic<bool>> first_half_sent(false);
    Child child([&] {
        queue->become_writer();
        const auto length = static_cast<std::uint32_t>(message.size());
        std::string first(reinterpret_cast<const char*>(&length), sizeof length);
        first += message.substr(0, 500);
        if (write(queue->write_fd(), first.data(), first.size()) !=
            static_cast<ssize_t>(first.size()))
            _exit(2);
        first_half_sent->store(true);
        writer_may_finish.wait_in_child();
        if (write(queue->write_fd(), message.data() + 500, 500) != 500) _exit(2);
    });
    writer_may_finish.keep_parent_end();
    queue->become_reader();
    auto reader = std::make_shared<Caller>();
    course_test::Crew crew;
    crew.start([=] {
        reader->tell();
        reader->got = queue->get();
    });
    reader->wait_until_told();
    // Until the first half has been sent and read, and the reader waits in read() for more
    // (or has returned already).
    const auto give_up = std::chrono::steady_clock::now() + patience;
    const auto first_half_taken = [&] {
        int unread = -1;
        if (!first_half_sent->load() || ioctl(queue->read_fd(), FIONREAD, &unread) != 0 ||
            unread != 0)
            return false;
        return crew.finished() == 1 ||
               course_test::blocks_within(reader->id.load(), SYS_read, 20ms);
    };
    while (!first_half_taken() && std::chrono::steady_clock::now() < give_up) {
        std::this_thread::sleep_for(1ms);
    }
    writer_may_finish.go();
    REQUIRE_MESSAGE(crew.finish_within(patience),
                    "get() never returned although the whole message was sent");
    crew.rethrow_error();
    REQUIRE(reader->got.has_value());
    const bool same_bytes = *reader->got == message;
    CHECK_MESSAGE(
        same_bytes,
        "a message sent in two pieces came back changed: read() returns what the pipe holds "
        "now, so read again until the whole message is there");
    expect_end(*queue);
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

TEST_CASE("a signal that interrupts get() while it waits loses nothing") {
    // A read() that a signal interrupts before any byte came fails with EINTR: that is no
    // error and no end of the queue, get() reads again.
    const InterruptingSignal interrupting;
    auto queue = std::make_shared<PipeQueue>();
    GoSignal writer_may_send;
    Child child([&] {
        queue->become_writer();
        writer_may_send.wait_in_child();
        queue->put("after the signals");
    });
    writer_may_send.keep_parent_end();
    queue->become_reader();
    auto reader = std::make_shared<Caller>();
    course_test::Crew crew;
    crew.start([=] {
        reader->tell();
        reader->got = queue->get();
    });
    reader->wait_until_told();
    reader->interrupt_in(SYS_read, 3);
    writer_may_send.go();
    REQUIRE_MESSAGE(crew.finish_within(patience),
                    "get() never returned although a message was sent");
    crew.rethrow_error();
    CHECK_MESSAGE(reader->got == "after the signals",
                  "get() returned " << (reader->got ? "another message" : "nothing")
                                    << " after a signal interrupted it: on EINTR, read again");
    expect_end(*queue);
    CHECK(child.wait() == 0);
}

TEST_CASE("a signal that interrupts put() while the pipe is full loses no byte") {
    // A write() that a signal interrupts returns how much it wrote so far (or fails with
    // EINTR when that was nothing): put() goes on with the rest.
    const InterruptingSignal interrupting;
    const std::string big = patterned((1 << 20) + 3, 5);
    auto queue = std::make_shared<PipeQueue>();
    GoSignal reader_may_read;
    Child child([&] {
        queue->become_reader();
        reader_may_read.wait_in_child();
        if (queue->get() != big) throw std::runtime_error("the big message came out changed");
        if (queue->get() != "after")
            throw std::runtime_error("the message after it came out changed");
    });
    reader_may_read.keep_parent_end();
    queue->become_writer();
    auto writer = std::make_shared<Caller>();
    course_test::Crew crew;
    crew.start([=] {
        writer->tell();
        queue->put(big);
        queue->put("after");
    });
    writer->wait_until_told();
    writer->interrupt_in(SYS_write, 3);
    reader_may_read.go();
    REQUIRE_MESSAGE(crew.finish_within(patience), "put() never returned although the reader read");
    crew.rethrow_error();
    queue.reset();  // the write end closes: the reader sees the end of the pipe
    const std::optional<int> status = child.wait_within(patience);
    REQUIRE_MESSAGE(status.has_value(), "the reader is still waiting for bytes that never came");
    CHECK_MESSAGE(*status == 0,
                  "the reader did not receive the two messages intact: after a signal, "
                  "write the rest of the frame (write() may write only part of it)");
}

TEST_CASE("put to a queue whose reader has gone fails with EPIPE") {
    // The writer must have closed its own copy of the read end (become_writer()): otherwise
    // a reader is still there, in this very process, and the bytes just pile up.
    struct IgnoreSigpipe {  // SIGPIPE would end the test program: get EPIPE instead
        struct sigaction previous {};
        IgnoreSigpipe() {
            struct sigaction action {};
            action.sa_handler = SIG_IGN;
            sigemptyset(&action.sa_mask);
            sigaction(SIGPIPE, &action, &previous);
        }
        ~IgnoreSigpipe() { sigaction(SIGPIPE, &previous, nullptr); }
    } ignore;
    PipeQueue queue;
    Child reader([&] { queue.become_reader(); });  // and exits at once
    queue.become_writer();
    REQUIRE(reader.wait() == 0);
    int error = 0;
    try {
        queue.put("nobody will read this");
    } catch (const std::system_error& failure) {
        error = failure.code().value();
    }
    CHECK_MESSAGE(error == EPIPE,
                  "put() with no reader left did not fail with EPIPE: does become_writer() "
                  "close this process's copy of the read end?");
}

TEST_CASE("each side refuses the other side's call") {
    PipeQueue reading;
    reading.become_reader();
    CHECK_THROWS_AS(reading.put("x"), std::logic_error);
    PipeQueue writing;
    writing.become_writer();
    CHECK_THROWS_AS(writing.get(), std::logic_error);
}

TEST_CASE("a read() that fails is reported as std::system_error") {
    PipeQueue queue;
    queue.become_reader();
    // The read end's number now names the write end of another pipe: read() fails (EBADF).
    int other[2];
    REQUIRE(pipe(other) == 0);
    REQUIRE(dup2(other[1], queue.read_fd()) == queue.read_fd());
    close(other[0]);
    close(other[1]);
    CHECK_THROWS_AS(queue.get(), std::system_error);
}

TEST_CASE("a message longer than a 4-byte length can say is refused with std::length_error") {
    // 4 GiB and one byte, mapped but never touched (every page reads as zero). A put() that
    // copies it before checking its length would need 4 GiB of memory: the child that runs
    // it has its address space limited, so such a put() fails there instead of using it up.
    if (course_test::thread_sanitizer)
        return;  // ThreadSanitizer cannot run with a limited address space
    Child child([] {
        const std::size_t size = (std::size_t{1} << 32) + 1;
        void* bytes =
            mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (bytes == MAP_FAILED) _exit(4);
        std::ifstream statm("/proc/self/statm");
        unsigned long pages = 0;
        if (!(statm >> pages)) _exit(4);
        const rlim_t room =
            static_cast<rlim_t>(pages) * static_cast<rlim_t>(sysconf(_SC_PAGESIZE)) +
            (rlim_t{256} << 20);
        const rlimit bounded{room, room};
        if (setrlimit(RLIMIT_AS, &bounded) != 0) _exit(4);
        PipeQueue queue;
        try {
            queue.put(std::string_view(static_cast<const char*>(bytes), size));
        } catch (const std::length_error&) {
            _exit(0);
        } catch (...) {
            _exit(3);
        }
        _exit(2);
    });
    const std::optional<int> status = child.wait_within(2 * patience);
    REQUIRE_MESSAGE(status.has_value(),
                    "put() of a 4 GiB message did not return: check the length first");
    REQUIRE_MESSAGE(*status != 4, "the test could not set up its 4 GiB message");
    CHECK_MESSAGE(*status == 0,
                  "put() of a message longer than 4 GiB did not throw std::length_error "
                      << (*status == 2 ? "(it sent something)" : "(it threw something else)"));
}

TEST_CASE("a pipe that cannot be made is reported as std::system_error") {
    // In a child that may open no more descriptors, pipe2() fails (EMFILE).
    Child child([] {
        const rlimit none{0, 0};
        if (setrlimit(RLIMIT_NOFILE, &none) != 0) _exit(4);
        try {
            PipeQueue queue;
        } catch (const std::system_error&) {
            _exit(0);
        } catch (...) {
            _exit(3);
        }
        _exit(2);
    });
    const std::optional<int> status = child.wait_within(patience);
    REQUIRE(status.has_value());
    REQUIRE_MESSAGE(*status != 4, "the test could not lower the limit of open descriptors");
    CHECK_MESSAGE(*status == 0,
                  "PipeQueue() did not throw std::system_error when pipe2() failed "
                      << (*status == 2 ? "(it threw nothing)" : "(it threw something else)"));
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
