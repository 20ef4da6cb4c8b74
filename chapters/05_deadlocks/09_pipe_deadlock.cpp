// 09_pipe_deadlock.cpp: processes deadlock too: parent and child each block writing to a full pipe the other never reads; detected with a bounded wait, then fixed with poll().
#include <cerrno>
#include <csignal>
#include <cstddef>
#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <poll.h>
#include <stdexcept>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <utility>

constexpr std::size_t message_size = 256 * 1024;  // 4 times a Linux pipe's 64 KiB

// A file descriptor that closes itself.
class Fd {
public:
    explicit Fd(int fd = -1) : fd_(fd) {}
    Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd& operator=(Fd&&) = delete;
    ~Fd() { reset(); }
    void reset() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }
    int get() const { return fd_; }

private:
    int fd_;
};

// The child is naive, like many real programs: it writes its whole answer first and only
// then reads its input. Blocking I/O: write() sleeps while the pipe is full.
[[noreturn]] void child_main(int from_parent, int to_parent) {
    const std::string answer(message_size, 'c');
    for (std::size_t done = 0; done < answer.size();) {
        const ssize_t n = ::write(to_parent, answer.data() + done, answer.size() - done);
        if (n < 0) ::_exit(2);
        done += static_cast<std::size_t>(n);
    }
    ::close(to_parent);
    std::size_t received = 0;
    char buffer[65536];
    for (ssize_t n; (n = ::read(from_parent, buffer, sizeof buffer)) > 0;)
        received += static_cast<std::size_t>(n);
    ::_exit(received == message_size ? 0 : 1);
}

struct Child {
    pid_t pid;
    Fd to_child;
    Fd from_child;
};

Child start_child() {
    int down[2], up[2];
    if (::pipe(down) != 0 || ::pipe(up) != 0) throw std::runtime_error("pipe failed");
    std::cout.flush();
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        // Close the parent's ends, or our own copy of the write end would keep the
        // pipe open and our read() would never see end-of-file.
        ::close(down[1]);
        ::close(up[0]);
        child_main(down[0], up[1]);
    }
    ::close(down[0]);
    ::close(up[1]);
    // Non-blocking writes let the parent wait with a time limit (poll) instead of forever.
    ::fcntl(down[1], F_SETFL, ::fcntl(down[1], F_GETFL) | O_NONBLOCK);
    return Child{pid, Fd(down[1]), Fd(up[0])};
}

std::string proc_field(pid_t pid, const char* file) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/" + file);
    std::string text;
    std::getline(in, text);
    return in ? text : "(unknown: no /proc here)";
}

// 1. The parent is just as naive: write everything, then read. We bound each wait at 1 s.
void naive() {
    Child child = start_child();
    const std::string request(message_size, 'p');
    std::size_t sent = 0;
    while (sent < request.size()) {
        const ssize_t n =
            ::write(child.to_child.get(), request.data() + sent, request.size() - sent);
        if (n > 0) {
            sent += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EINTR) break;
        pollfd writable{child.to_child.get(), POLLOUT, 0};
        if (::poll(&writable, 1, 1000) == 0) break;  // no room for 1 s: the child is not reading
    }
    if (sent < request.size()) {
        std::cout << "parent: wrote " << sent << " of " << request.size()
                  << " bytes; the pipe to the child has stayed full for 1 s\n";
        const std::string stat = proc_field(child.pid, "stat");
        const std::size_t state_at = stat.rfind(')');
        const char state = state_at == std::string::npos ? '?' : stat[state_at + 2];
        std::cout << "child:  state " << state << (state == 'S' ? " (sleeping)" : "")
                  << ", kernel wait channel: " << proc_field(child.pid, "wchan") << '\n';
        std::cout << "each process waits for the other to read first: a deadlock between "
                     "processes\n";
        ::kill(child.pid, SIGKILL);  // clean up: nothing else will ever wake it
    }
    int status = 0;
    ::waitpid(child.pid, &status, 0);
    if (WIFSIGNALED(status))
        std::cout << "cleaned up: the child ended by signal " << WTERMSIG(status) << '\n';
}

// 2. The fix: the parent writes and reads at the same time, serving whichever pipe is
// ready (this is what Python's Popen.communicate() does).
void with_poll() {
    Child child = start_child();
    const std::string request(message_size, 'p');
    std::size_t sent = 0, received = 0;
    char buffer[65536];
    bool reading = true;
    while (reading || child.to_child.get() >= 0) {
        pollfd fds[2] = {{child.to_child.get(), POLLOUT, 0}, {child.from_child.get(), POLLIN, 0}};
        if (!reading) fds[1].fd = -1;  // poll() skips negative descriptors
        if (::poll(fds, 2, 2000) == 0) {
            std::cout << "no progress for 2 s: giving up\n";
            ::kill(child.pid, SIGKILL);
            break;
        }
        if (fds[0].revents != 0) {
            const ssize_t n = ::write(fds[0].fd, request.data() + sent, request.size() - sent);
            if (n > 0) sent += static_cast<std::size_t>(n);
            if (sent == request.size() || (n < 0 && errno != EAGAIN))
                child.to_child.reset();  // end-of-file for the child's read loop
        }
        if (fds[1].revents != 0) {
            const ssize_t n = ::read(fds[1].fd, buffer, sizeof buffer);
            if (n > 0) received += static_cast<std::size_t>(n);
            if (n == 0) reading = false;  // the child closed its end
        }
    }
    int status = 0;
    ::waitpid(child.pid, &status, 0);
    std::cout << "with poll(): sent " << sent << " and received " << received
              << " bytes; the child exited with status " << WEXITSTATUS(status) << '\n';
}

int main() {
    // A write to a pipe whose reader has gone would kill us with SIGPIPE; we prefer EPIPE.
    std::signal(SIGPIPE, SIG_IGN);
    naive();
    with_poll();
}

// Output of one run (the byte count before the pipe filled up depends on the system's pipe
// size; the wait channel's name depends on the kernel, and reads "(unknown ...)" where
// there is no /proc):
//
//   $ ./09_pipe_deadlock
//   parent: wrote <n> of 262144 bytes; the pipe to the child has stayed full for 1 s
//   child:  state S (sleeping), kernel wait channel: <...>
//   each process waits for the other to read first: a deadlock between processes
//   cleaned up: the child ended by signal 9
//   with poll(): sent 262144 and received 262144 bytes; the child exited with status 0
