// 07_capture_output.cpp: capture output with a pipe (capture_output=True); the full-pipe deadlock.
//
// A pipe is a kernel buffer with a read end and a write end. We make the
// child's stdout the write end, read the other end until EOF, and only then
// wait for the child. Two classic mistakes, both shown safely (with a time
// limit) below: waiting before reading, which deadlocks once the output fills
// the pipe, and keeping our own copy of the write end open, so EOF never comes.

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <iostream>
#include <string>
#include <system_error>
#include <thread>

extern char** environ;

// A file descriptor that closes itself; close() early to say "we are done with it".
class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() { close(); }
    int get() const { return fd_; }
    void close() {
        if (fd_ != -1) ::close(fd_);
        fd_ = -1;
    }

private:
    int fd_;
};

struct Pipe {
    Fd read_end;
    Fd write_end;
};

Pipe make_pipe() {
    int fds[2];
    if (pipe(fds) == -1) throw std::system_error(errno, std::generic_category(), "pipe");
    return {Fd{fds[0]}, Fd{fds[1]}};
}

// read() returns 0 (EOF) only when the pipe is empty AND no write end is open
// anywhere: not in the child, not in us.
std::string read_to_eof(int fd) {
    std::string text;
    char buffer[4096];
    for (;;) {
        const ssize_t got = read(fd, buffer, sizeof buffer);
        if (got == 0) return text;
        if (got == -1 && errno != EINTR) {
            throw std::system_error(errno, std::generic_category(), "read");
        }
        if (got > 0) text.append(buffer, static_cast<std::size_t>(got));
    }
}

int wait_for(pid_t pid) {
    int status = 0;
    while (waitpid(pid, &status, 0) == -1 && errno == EINTR) {
    }
    return status;
}

// A child whose stdout is the pipe (dup2) and who writes `bytes` bytes to it.
pid_t start_writer(Pipe& out, std::size_t bytes) {
    const std::string chunk(4096, 'x');  // prepared before fork
    std::cout.flush();
    const pid_t pid = fork();
    if (pid == -1) throw std::system_error(errno, std::generic_category(), "fork");
    if (pid == 0) {
        dup2(out.write_end.get(), STDOUT_FILENO);
        out.read_end.close();  // the child never reads
        out.write_end.close();  // fd 1 is its copy now
        for (std::size_t left = bytes; left > 0;) {
            const ssize_t put = write(STDOUT_FILENO, chunk.data(), std::min(left, chunk.size()));
            if (put > 0) left -= static_cast<std::size_t>(put);
        }
        _exit(0);
    }
    return pid;
}

int main() {
    // 1. The right way, with posix_spawnp: its file actions do the dup2 and the
    //    closes in the child for us. Then: close our write end, read to EOF, wait.
    Pipe out = make_pipe();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out.write_end.get(), STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out.read_end.get());
    posix_spawn_file_actions_addclose(&actions, out.write_end.get());
    const char* args[] = {"sh", "-c", "echo hello from the child; echo my pid is $$", nullptr};
    pid_t pid = -1;
    const int error =
        posix_spawnp(&pid, args[0], &actions, nullptr, const_cast<char* const*>(args), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (error != 0) throw std::system_error(error, std::generic_category(), "posix_spawnp");
    out.write_end.close();
    const std::string captured = read_to_eof(out.read_end.get());
    const int status = wait_for(pid);
    std::cout << "captured from child " << pid << " (exit status " << WEXITSTATUS(status) << "):\n"
              << captured;

    // 2. A pipe holds a fixed amount; a writer to a full pipe sleeps until someone reads.
    Pipe big = make_pipe();
#ifdef F_GETPIPE_SZ
    std::cout << "pipe capacity (F_GETPIPE_SZ): " << fcntl(big.read_end.get(), F_GETPIPE_SZ)
              << " bytes\n";
#endif

    // 3. The deadlock: a child writes 1 MiB while we wait for it BEFORE reading.
    //    waitpid(pid, &status, 0) would never return; we check for 1 s instead.
    pid = start_writer(big, std::size_t{1} << 20);
    big.write_end.close();
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    pid_t done = 0;
    while ((done = waitpid(pid, nullptr, WNOHANG)) == 0 &&
           std::chrono::steady_clock::now() < give_up) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));  // a time limit, not a sync
    }
    if (done == 0) {
        int queued = 0;
        ioctl(big.read_end.get(), FIONREAD, &queued);
        std::string where = "(no /proc here)";
        std::getline(std::ifstream{"/proc/" + std::to_string(pid) + "/wchan"}, where);
        std::cout << "after 1 s, child " << pid << " is still alive and the pipe holds " << queued
                  << " bytes: full\n  the kernel shows the child asleep in " << where << '\n'
                  << "deadlock: the child is blocked writing to a full pipe, we are blocked waiting"
                  << " for it\n";
    }
    // The cure is the right order: drain to EOF, then wait.
    const std::size_t drained = read_to_eof(big.read_end.get()).size();
    std::cout << "we read " << drained << " bytes to EOF; child " << pid
              << " then exited with status " << WEXITSTATUS(wait_for(pid)) << '\n';

    // 4. Forgetting to close our write end: the child is gone, yet EOF never comes.
    Pipe small = make_pipe();
    pid = start_writer(small, 5);
    wait_for(pid);  // safe here: 5 bytes fit in the pipe
    // Here we "forget" small.write_end.close(), the mistake of this part.
    char buffer[16];
    const ssize_t got = read(small.read_end.get(), buffer, sizeof buffer);
    // The next read() would block forever. We ask poll() instead, with 0.5 s to answer.
    pollfd pipe_state{small.read_end.get(), POLLIN, 0};
    const int ready = poll(&pipe_state, 1, 500);
    std::cout << "child " << pid << " wrote " << got << " bytes and exited; 0.5 s later the pipe"
              << (ready == 0 ? " shows no data and no EOF" : " has an event") << ":\n"
              << "  a read() would block forever: our own write end, never closed,"
              << " keeps the pipe open\n";
    small.write_end.close();
    std::cout << "  after closing our write end, read() returns "
              << read(small.read_end.get(), buffer, sizeof buffer) << ": EOF\n";
}

// Output of one run (PIDs differ; so does the name of the kernel function the writer sleeps in):
//
//   $ ./07_capture_output
//   captured from child <n> (exit status 0):
//   hello from the child
//   my pid is <n>
//   pipe capacity (F_GETPIPE_SZ): 65536 bytes
//   after 1 s, child <n> is still alive and the pipe holds 65536 bytes: full
//     the kernel shows the child asleep in <...>
//   deadlock: the child is blocked writing to a full pipe, we are blocked waiting for it
//   we read 1048576 bytes to EOF; child <n> then exited with status 0
//   child <n> wrote 5 bytes and exited; 0.5 s later the pipe shows no data and no EOF:
//     a read() would block forever: our own write end, never closed, keeps the pipe open
//     after closing our write end, read() returns 0: EOF
