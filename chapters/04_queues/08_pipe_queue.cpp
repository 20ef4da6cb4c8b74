// 08_pipe_queue.cpp: a queue between processes over a pipe, the mirror of multiprocessing.Queue: length-prefixed frames, partial reads, EOF as close.
#include <cerrno>
#include <climits>  // PIPE_BUF
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <sys/wait.h>
#include <unistd.h>
#include <utility>

// A file descriptor that closes itself. Forgetting to close a pipe's write end is the
// classic bug here: the reader then never sees end-of-file.
class Fd {
public:
    explicit Fd(int fd = -1) : fd_(fd) {}
    Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd& operator=(Fd&& other) noexcept {
        reset(std::exchange(other.fd_, -1));
        return *this;
    }
    ~Fd() { reset(); }
    void reset(int fd = -1) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = fd;
    }
    int get() const { return fd_; }

private:
    int fd_;
};

// write() may write fewer bytes than asked (a signal, a non-blocking pipe), and read()
// returns whatever is in the pipe right now: both need a loop.
void write_all(int fd, const char* data, std::size_t size) {
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw std::runtime_error(std::string("write: ") + std::strerror(errno));
        data += n;
        size -= static_cast<std::size_t>(n);
    }
}

// The receiving end. get() returns std::nullopt at end-of-file, which a pipe reports once
// every write end is closed: that is our "queue closed", for free.
class PipeQueueReader {
public:
    explicit PipeQueueReader(Fd fd) : fd_(std::move(fd)) {}

    std::optional<std::string> get() {
        std::uint32_t length = 0;
        if (!read_exact(reinterpret_cast<char*>(&length), sizeof length, true)) return std::nullopt;
        std::string payload(length, '\0');
        read_exact(payload.data(), length, false);
        return payload;
    }
    long read_calls() const { return read_calls_; }

private:
    // Returns false on a clean end-of-file before the first byte (when allowed).
    bool read_exact(char* data, std::size_t size, bool eof_ok) {
        std::size_t done = 0;
        while (done < size) {
            const ssize_t n = ::read(fd_.get(), data + done, size - done);
            ++read_calls_;
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) throw std::runtime_error(std::string("read: ") + std::strerror(errno));
            if (n == 0) {
                if (done == 0 && eof_ok) return false;
                throw std::runtime_error("end-of-file inside a frame: a writer died mid-message");
            }
            done += static_cast<std::size_t>(n);
        }
        return true;
    }
    Fd fd_;
    long read_calls_ = 0;
};

// One frame = 4-byte length + payload, sent with ONE write() call. A pipe writes up to
// PIPE_BUF bytes atomically, so small frames from several writers never interleave.
// Two write() calls (length, then payload) would let another writer slip in between.
void put(int fd, std::string_view message) {
    const auto length = static_cast<std::uint32_t>(message.size());
    std::string frame(reinterpret_cast<const char*>(&length), sizeof length);
    frame += message;
    write_all(fd, frame.data(), frame.size());
}

// Fork a producer that runs `produce(write_fd)` and exits. We flush std::cout first, or
// the child would inherit (and later print again) whatever the parent had buffered.
template <typename Produce>
pid_t start_producer(int read_fd, int write_fd, Produce produce) {
    std::cout.flush();
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        ::close(read_fd);  // the child only writes
        produce(write_fd);
        ::_exit(0);        // not exit(): skip the parent's atexit handlers and buffers
    }
    return pid;
}

int main() {
    std::cout << "PIPE_BUF = " << PIPE_BUF << " bytes: writes up to this size are atomic\n";

    // 1. Three producer processes share one pipe, like three processes calling
    //    q.put() on one multiprocessing.Queue.
    {
        int fds[2];
        if (::pipe(fds) != 0) return 1;
        Fd read_end(fds[0]), write_end(fds[1]);
        pid_t pids[3];
        for (int p = 0; p < 3; ++p)
            pids[p] = start_producer(read_end.get(), write_end.get(), [p](int fd) {
                for (int i = 0; i < 200; ++i)
                    put(fd, "producer " + std::to_string(p) + " message " + std::to_string(i));
            });
        write_end.reset();  // our own copy of the write end, or EOF never comes

        PipeQueueReader queue(std::move(read_end));
        std::map<int, int> next_expected;  // per producer: frames arrive in the order sent
        int frames = 0, intact = 0;
        while (std::optional<std::string> message = queue.get()) {
            ++frames;
            int p = 0, i = 0;
            if (std::sscanf(message->c_str(), "producer %d message %d", &p, &i) == 2 &&
                i == next_expected[p]++)
                ++intact;
        }
        for (pid_t pid : pids) ::waitpid(pid, nullptr, 0);
        std::cout << "read " << frames << " frames from 3 processes: " << intact
                  << " intact and in order per sender, then EOF\n";
    }

    // 2. One big message: 1 MiB does not fit in the pipe (64 KiB on Linux), so the
    //    reader gets it piece by piece and must loop until the frame is complete.
    {
        int fds[2];
        if (::pipe(fds) != 0) return 1;
        Fd read_end(fds[0]), write_end(fds[1]);
        const pid_t pid = start_producer(read_end.get(), write_end.get(),
                                         [](int fd) { put(fd, std::string(1 << 20, 'x')); });
        write_end.reset();
        PipeQueueReader queue(std::move(read_end));
        const std::optional<std::string> big = queue.get();
        const long calls = queue.read_calls();
        const bool eof = !queue.get().has_value();
        int status = 0;
        ::waitpid(pid, &status, 0);
        std::cout << "one frame of " << (big ? big->size() : 0) << " bytes: " << calls
                  << " read() calls; then EOF: " << std::boolalpha << eof
                  << "; writer's exit status " << WEXITSTATUS(status) << '\n';
    }
}

// Output of one run (the number of read() calls varies from run to run):
//
//   $ ./08_pipe_queue
//   PIPE_BUF = 4096 bytes: writes up to this size are atomic
//   read 600 frames from 3 processes: 600 intact and in order per sender, then EOF
//   one frame of 1048576 bytes: <n> read() calls; then EOF: true; writer's exit status 0
