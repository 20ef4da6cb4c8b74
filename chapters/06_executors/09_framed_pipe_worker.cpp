// 09_framed_pipe_worker.cpp: a worker process that takes tasks and returns results as length-prefixed frames over two pipes (what ProcessPoolExecutor does with pickle).
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

// A file descriptor that closes itself.
class Fd {
public:
    explicit Fd(int fd = -1) : fd_(fd) {}
    Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd& operator=(Fd&& other) noexcept { reset(std::exchange(other.fd_, -1)); return *this; }
    ~Fd() { reset(); }
    int get() const { return fd_; }
    void reset(int fd = -1) { if (fd_ >= 0) ::close(fd_); fd_ = fd; }
private:
    int fd_;
};

// A pipe is a byte stream: one write() may arrive in several read()s and a large
// write() may be split. So we loop, and retry on EINTR (a signal interrupted us).
bool write_all(int fd, const char* data, std::size_t size) {
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}
bool read_exact(int fd, char* data, std::size_t size, int& read_calls) {
    while (size > 0) {
        const ssize_t n = ::read(fd, data, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;  // 0 = end of file: the other side closed its end
        ++read_calls;
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

// A frame is a 4-byte length, then that many bytes. The length tells the reader where
// one message ends, which the byte stream itself never does. (Both ends run on one
// machine, so host byte order is fine; over a network we would fix the order.)
bool write_frame(int fd, const std::string& payload) {
    const auto length = static_cast<std::uint32_t>(payload.size());
    char header[4];
    std::memcpy(header, &length, 4);
    return write_all(fd, header, 4) && write_all(fd, payload.data(), payload.size());
}
std::optional<std::string> read_frame(int fd, int& read_calls) {
    char header[4];
    if (!read_exact(fd, header, 4, read_calls)) return std::nullopt;
    std::uint32_t length = 0;
    std::memcpy(&length, header, 4);
    std::string payload(length, '\0');
    if (!read_exact(fd, payload.data(), length, read_calls)) return std::nullopt;
    return payload;
}

// What the worker can run, looked up by name: a process cannot receive a function,
// only bytes. (pickle sends a function by its module and name for the same reason.)
std::string run_task(const std::string& name, const std::string& argument, int read_calls) {
    if (name == "upper") {
        std::string text = argument;
        for (char& c : text) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
        return text;
    }
    if (name == "count_primes") {
        const long limit = std::stol(argument);
        long count = 0;
        for (long n = 2; n < limit; ++n) {
            bool prime = true;
            for (long d = 2; d * d <= n && prime; ++d) prime = n % d != 0;
            count += prime;
        }
        return std::to_string(count);
    }
    if (name == "size") {
        return std::to_string(argument.size()) + " bytes, in " + std::to_string(read_calls) + " read() calls";
    }
    throw std::invalid_argument("no task named '" + name + "'");
}

// The worker's whole life: read a request, run it, write the reply, until end of file.
// A request is "name\nargument"; a reply starts with 'R' (result) or 'E' (error).
[[noreturn]] void worker_main(int requests, int replies) {
    for (;;) {
        int read_calls = 0;
        const std::optional<std::string> request = read_frame(requests, read_calls);
        if (!request) ::_exit(0);  // the parent closed the pipe: shutdown
        const auto newline = request->find('\n');
        std::string reply;
        try {
            reply = "R" + run_task(request->substr(0, newline), request->substr(newline + 1), read_calls);
        } catch (const std::exception& error) {
            reply = std::string("E") + error.what();  // the exception travels as text
        }
        if (!write_frame(replies, reply)) ::_exit(1);
    }
}

int main() {
    int to_worker[2], from_worker[2];
    if (::pipe(to_worker) != 0 || ::pipe(from_worker) != 0) return 1;
    std::cout.flush();  // or the child inherits our unwritten output and prints it again
    const pid_t pid = ::fork();
    if (pid < 0) return 1;
    if (pid == 0) {
        ::close(to_worker[1]);    // the child must not hold the write end of its own input,
        ::close(from_worker[0]);  // or it would never see end of file
        worker_main(to_worker[0], from_worker[1]);
    }
    ::close(to_worker[0]);
    ::close(from_worker[1]);
    Fd requests(to_worker[1]), replies(from_worker[0]);
    std::cout << "started worker process " << pid << '\n';

    // submit-and-wait, one request at a time. We write the whole request before reading,
    // and the worker reads the whole request before replying, so neither side can be
    // stuck writing into a full pipe that nobody reads (chapter 01's pipe deadlock).
    auto call = [&](const std::string& name, const std::string& argument) {
        int read_calls = 0;
        if (!write_frame(requests.get(), name + "\n" + argument)) throw std::runtime_error("worker is gone");
        const std::optional<std::string> reply = read_frame(replies.get(), read_calls);
        if (!reply) throw std::runtime_error("worker died before replying");
        if (reply->front() == 'E') throw std::runtime_error(reply->substr(1));
        return reply->substr(1);
    };

    std::cout << "upper('hello world!')    -> " << call("upper", "hello world!") << '\n';
    std::cout << "count_primes(100000)     -> " << call("count_primes", "100000") << '\n';
    // One frame of 1 MiB: the pipe holds 64 KiB, so the worker gets it in many pieces
    // and the length prefix is what tells it where the message ends.
    std::cout << "size(1 MiB of 'x')       -> " << call("size", std::string(1 << 20, 'x')) << '\n';
    try {
        call("download", "http://example.org");
    } catch (const std::runtime_error& error) {
        std::cout << "download(...)            -> error from the worker: " << error.what() << '\n';
    }

    // Shutdown: closing our end of the request pipe is the worker's signal to exit.
    // Then we reap it, so that it does not linger as a zombie.
    requests.reset();
    int status = 0;
    ::waitpid(pid, &status, 0);
    std::cout << "worker " << pid << " exited with status "
              << (WIFEXITED(status) ? WEXITSTATUS(status) : -1) << " and was reaped\n";
}

// Output of one run (the PID and the number of read() calls vary):
//
//   $ ./09_framed_pipe_worker
//   started worker process <n>
//   upper('hello world!')    -> HELLO WORLD!
//   count_primes(100000)     -> 9592
//   size(1 MiB of 'x')       -> 1048576 bytes, in <n> read() calls
//   download(...)            -> error from the worker: no task named 'download'
//   worker <n> exited with status 0 and was reaped
