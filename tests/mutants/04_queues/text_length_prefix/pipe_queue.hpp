// pipe_queue.hpp: multiprocessing.Queue in C++: length-prefixed messages over a pipe.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace course {

/// \brief A one-way queue of messages between two processes, over a pipe: the C++ mirror of
/// `multiprocessing.Queue` (and of `multiprocessing.Pipe(duplex=False)`).
///
/// Make it before `fork()`: both processes then hold both ends of the pipe. The sending
/// process calls become_writer(), the receiving one become_reader(), and each end is then
/// used by one side only.
///
/// A pipe carries a stream of bytes with no boundaries, so each message travels as a
/// *frame*: its length as a 4-byte `std::uint32_t` (in this machine's byte order), then its
/// bytes. Messages may hold any bytes, zeros included, may be empty, and may be far larger
/// than the pipe's buffer (64 KiB on Linux): both put() and get() loop until the whole
/// frame has gone through, since write() may write and read() may read only part of it.
///
/// get() returns std::nullopt at end-of-file, which the pipe reports once every copy of
/// the write end is closed, in every process: the writer's exit is the "queue closed"
/// signal. That is why become_reader() must close the reader's own copy of the write end.
///
/// Both descriptors are opened with `O_CLOEXEC`, so a program started with exec does not
/// inherit them; the destructor closes whichever ends are still open.
///
/// Thread-safety: none; use one PipeQueue object per process side from one thread.
///
/// \code
/// course::PipeQueue queue;
/// if (fork() == 0) {          // the child sends
///     queue.become_writer();
///     queue.put("hello");
///     queue.put(std::string(1 << 20, 'x'));
///     _exit(0);               // closes the write end: the reader sees end-of-file
/// }
/// queue.become_reader();
/// while (std::optional<std::string> message = queue.get()) use(*message);
/// waitpid(...);               // reap the child
/// \endcode
class PipeQueue {
public:
    /// \brief Opens the pipe (both ends, close-on-exec).
    /// \throws std::system_error when the pipe cannot be made (too many open files).
    PipeQueue() {
        int ends[2];
        if (::pipe2(ends, O_CLOEXEC) != 0)
            throw std::system_error(errno, std::generic_category(), "pipe2");
        read_fd_ = ends[0];
        write_fd_ = ends[1];
    }
    PipeQueue(const PipeQueue&) = delete;
    PipeQueue& operator=(const PipeQueue&) = delete;

    /// Closes the ends still open.
    ~PipeQueue() {
        close_end(read_fd_);
        close_end(write_fd_);
    }

    /// \brief Keeps only the write end, in the sending process: closes the read end.
    void become_writer() { close_end(read_fd_); }

    /// \brief Keeps only the read end, in the receiving process: closes the write end, or
    /// get() could never see end-of-file (this process would be a writer still).
    void become_reader() { close_end(write_fd_); }

    /// \brief Sends one message: Python's `q.put(message)` (the bytes, not a pickle).
    /// Writes the 4-byte length, then the bytes, looping until all of them are written.
    /// Blocks while the pipe is full, that is until the reader reads.
    /// \throws std::length_error when the message is longer than a `std::uint32_t` can say.
    /// \throws std::system_error when write() fails (EPIPE: no reader is left).
    /// \throws std::logic_error when the write end has been closed (become_reader()).
    void put(std::string_view message) {
        if (write_fd_ < 0) throw std::logic_error("PipeQueue::put: this side has no write end");
        if (message.size() > std::numeric_limits<std::uint32_t>::max())
            throw std::length_error("PipeQueue::put: message too long for a 4-byte length");
        // The length as decimal text, then the message: readable in a hex dump.
        std::string frame = std::to_string(message.size());
        frame.append(message);
        write_all(frame.data(), frame.size());
    }

    /// \brief Receives the next message, waiting until one arrives: Python's `q.get()`.
    /// Reads the 4-byte length, then exactly that many bytes, looping over partial reads.
    /// \returns the message, or std::nullopt at end-of-file before a new frame (every writer
    /// has closed its end: the queue is closed).
    /// \throws std::runtime_error when the pipe ends in the middle of a frame (a writer died
    /// while sending).
    /// \throws std::system_error when read() fails.
    /// \throws std::logic_error when the read end has been closed (become_writer()).
    std::optional<std::string> get() {
        if (read_fd_ < 0) throw std::logic_error("PipeQueue::get: this side has no read end");
        // Digits make up the length; the first other byte is the message's first byte.
        std::size_t length = 0;
        char byte = 0;
        bool any_digit = false;
        std::string message;
        for (;;) {
            if (read_up_to(&byte, 1) == 0) {
                if (!any_digit) return std::nullopt;
                throw std::runtime_error("PipeQueue::get: the pipe ended inside a frame's length");
            }
            if (byte < '0' || byte > '9') break;
            any_digit = true;
            length = length * 10 + static_cast<std::size_t>(byte - '0');
            if (length > (1u << 30)) throw std::runtime_error("PipeQueue::get: absurd length");
        }
        if (length == 0) return message;
        message.resize(length);
        message[0] = byte;
        if (read_up_to(message.data() + 1, length - 1) < length - 1)
            throw std::runtime_error("PipeQueue::get: the pipe ended inside a message");
        return message;
    }

    /// The read end's descriptor, or -1 once closed: for poll() and the like.
    int read_fd() const { return read_fd_; }
    /// The write end's descriptor, or -1 once closed.
    int write_fd() const { return write_fd_; }

private:
    static void close_end(int& fd) {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }

    // write() may write fewer bytes than asked (a signal arriving, a non-blocking pipe).
    void write_all(const char* data, std::size_t size) {
        while (size > 0) {
            const ssize_t written = ::write(write_fd_, data, size);
            if (written < 0) {
                if (errno == EINTR) continue;
                throw std::system_error(errno, std::generic_category(), "PipeQueue::put: write");
            }
            data += written;
            size -= static_cast<std::size_t>(written);
        }
    }

    // read() returns what the pipe holds right now, possibly part of a frame: loop until
    // `size` bytes or end-of-file. Returns how many bytes were read.
    std::size_t read_up_to(char* data, std::size_t size) {
        std::size_t done = 0;
        while (done < size) {
            const ssize_t got = ::read(read_fd_, data + done, size - done);
            if (got < 0) {
                if (errno == EINTR) continue;
                throw std::system_error(errno, std::generic_category(), "PipeQueue::get: read");
            }
            if (got == 0) break;  // end-of-file
            done += static_cast<std::size_t>(got);
        }
        return done;
    }

    int read_fd_ = -1;
    int write_fd_ = -1;
};

}  // namespace course
