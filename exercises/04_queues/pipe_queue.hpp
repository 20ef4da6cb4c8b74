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
        // TODO: open the pipe with pipe2(ends, O_CLOEXEC) and keep both descriptors; throw
        //       std::system_error(errno, std::generic_category(), "pipe2") when it fails.
        throw std::logic_error("TODO: pipe_queue.hpp: PipeQueue() is not written yet");
    }
    PipeQueue(const PipeQueue&) = delete;
    PipeQueue& operator=(const PipeQueue&) = delete;

    /// Closes the ends still open.
    ~PipeQueue() {
        // TODO: close whichever ends are still open (a destructor must not throw: nothing to
        //       do until the constructor is written, since a throwing constructor never gets here).
    }

    /// \brief Keeps only the write end, in the sending process: closes the read end.
    void become_writer() {
        // TODO: close the read end (and remember that it is closed).
        throw std::logic_error("TODO: pipe_queue.hpp: become_writer() is not written yet");
    }

    /// \brief Keeps only the read end, in the receiving process: closes the write end, or
    /// get() could never see end-of-file (this process would be a writer still).
    void become_reader() {
        // TODO: close the write end (and remember that it is closed).
        throw std::logic_error("TODO: pipe_queue.hpp: become_reader() is not written yet");
    }

    /// \brief Sends one message: Python's `q.put(message)` (the bytes, not a pickle).
    /// Writes the 4-byte length, then the bytes, looping until all of them are written.
    /// Blocks while the pipe is full, that is until the reader reads.
    /// \throws std::length_error when the message is longer than a `std::uint32_t` can say.
    /// \throws std::system_error when write() fails (EPIPE: no reader is left).
    /// \throws std::logic_error when the write end has been closed (become_reader()).
    void put(std::string_view message) {
        // TODO: throw std::logic_error without a write end, std::length_error for a message
        //       over UINT32_MAX bytes.
        // TODO: build the frame in one std::string: the std::uint32_t length (std::memcpy its
        //       bytes), then the message.
        // TODO: write it all with a loop: write() may write only part of it (retry on EINTR).
        throw std::logic_error("TODO: pipe_queue.hpp: put() is not written yet");
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
        // TODO: throw std::logic_error without a read end.
        // TODO: read the 4 length bytes with a loop, since read() may return fewer bytes than
        //       asked: end-of-file before the first byte is the clean end (std::nullopt);
        //       fewer than 4 bytes is an error (std::runtime_error).
        // TODO: read exactly `length` bytes the same way, into a std::string of that size;
        //       end-of-file before the last byte: throw std::runtime_error.
        throw std::logic_error("TODO: pipe_queue.hpp: get() is not written yet");
    }

    /// The read end's descriptor, or -1 once closed: for poll() and the like.
    int read_fd() const {
        // TODO: return the read end's descriptor, or -1 once it is closed.
        throw std::logic_error("TODO: pipe_queue.hpp: read_fd() is not written yet");
    }
    /// The write end's descriptor, or -1 once closed.
    int write_fd() const {
        // TODO: return the write end's descriptor, or -1 once it is closed.
        throw std::logic_error("TODO: pipe_queue.hpp: write_fd() is not written yet");
    }

private:
    // TODO: the two descriptors (-1 when closed), and helpers: close one end, write a whole
    //       buffer, read up to n bytes stopping only at end-of-file.
};

}  // namespace course
