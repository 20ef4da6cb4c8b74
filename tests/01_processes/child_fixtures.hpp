// child_fixtures.hpp: a child of the test's own, unflushed text, a program left running.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>

namespace course_test {

/// A child the test process started itself, already ended with `status` and not yet
/// reaped (a zombie) when the code under test runs: code that waits for "any child"
/// (wait(), waitpid(-1, ...)) reaps it instead of, or besides, its own. The destructor
/// reaps it if nobody did.
class ChildOfTheTest {
public:
    explicit ChildOfTheTest(int status) : status_(status) {
        pid_ = fork();
        if (pid_ < 0) throw std::runtime_error("ChildOfTheTest: fork failed");
        if (pid_ == 0) _exit(status);
        // Wait until it has ended, without reaping it (WNOWAIT): it stays a zombie.
        siginfo_t info{};
        while (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOWAIT) != 0) {
        }
    }
    ChildOfTheTest(const ChildOfTheTest&) = delete;
    ChildOfTheTest& operator=(const ChildOfTheTest&) = delete;
    ~ChildOfTheTest() {
        if (!reaped_) waitpid(pid_, nullptr, 0);
    }

    /// True when the child is still there to be reaped, with its own status: the code under
    /// test left it alone. Reaps it.
    bool left_alone() {
        int status = 0;
        const pid_t reaped = waitpid(pid_, &status, WNOHANG);
        reaped_ = true;
        return reaped == pid_ && WIFEXITED(status) && WEXITSTATUS(status) == status_;
    }

private:
    pid_t pid_ = -1;
    int status_;
    bool reaped_ = false;
};

/// A temporary file whose FILE buffer holds `text`, written but not flushed. A forked child
/// copies the buffer; ending with exit() flushes that copy, so the text lands once more per
/// child. _exit() flushes nothing: the file then holds the text once.
class UnflushedFile {
public:
    explicit UnflushedFile(const std::string& text) : file_(std::tmpfile()) {
        if (file_ == nullptr) throw std::runtime_error("UnflushedFile: tmpfile failed");
        std::setvbuf(file_, nullptr, _IOFBF, 1 << 16);
        std::fputs(text.c_str(), file_);
    }
    UnflushedFile(const UnflushedFile&) = delete;
    UnflushedFile& operator=(const UnflushedFile&) = delete;
    ~UnflushedFile() { std::fclose(file_); }

    /// Everything in the file once our own buffer is flushed.
    std::string contents() {
        std::fflush(file_);
        std::rewind(file_);
        std::string text;
        for (int c = std::fgetc(file_); c != EOF; c = std::fgetc(file_)) text += static_cast<char>(c);
        return text;
    }

private:
    std::FILE* file_;
};

/// A program the code under test leaves running in the background: `sleep` started by a
/// shell with its output sent to /dev/null, which writes its PID to a file. It inherits
/// every descriptor that is not close-on-exec; a pipe end among them keeps that pipe open
/// for as long as it runs. The destructor kills it.
class BackgroundSleeper {
public:
    BackgroundSleeper() {
        char name[] = "/tmp/course-sleeper-XXXXXX";
        const int fd = mkstemp(name);
        if (fd < 0) throw std::runtime_error("BackgroundSleeper: mkstemp failed");
        close(fd);
        pid_file_ = name;
    }
    BackgroundSleeper(const BackgroundSleeper&) = delete;
    BackgroundSleeper& operator=(const BackgroundSleeper&) = delete;
    ~BackgroundSleeper() {
        stop();
        std::remove(pid_file_.c_str());
    }

    /// The shell command that starts it: run it with `sh -c`.
    std::string command() const {
        return "sleep 1000 </dev/null >/dev/null 2>&1 & echo $! >'" + pid_file_ + "'";
    }

    /// Kills it, if it was started; a pipe it held is then closed.
    void stop() {
        std::ifstream file(pid_file_);
        long pid = 0;
        if (file >> pid && pid > 1) kill(static_cast<pid_t>(pid), SIGKILL);
    }

private:
    std::string pid_file_;
};

}  // namespace course_test
