// 10_fork_and_threads.cpp: fork() in a threaded program: another thread's mutex stays locked.
//
// fork() copies all of the memory but only the calling thread. A lock that
// another thread holds at that instant is copied in its locked state, and the
// thread that would unlock it does not exist in the child. That goes for our
// own mutexes and for the hidden ones inside malloc, stdio, iostreams and
// other libraries. So between fork() and exec in a threaded program POSIX only
// allows async-signal-safe functions (write, read, open, close, dup2, exec,
// _exit...). The fix is to start programs with posix_spawn, or to exec at once.
//
// Chapter 01 gave the rule; now that we know threads and mutexes, we watch it break.
// This program shows the stuck lock without getting stuck: the child only
// try_lock()s. ThreadSanitizer accepts it (in a child of a threaded process it
// stops checking and hopes for an exec); it was checked with -fsanitize=thread.
// Under TSan the parent counts one thread more: the sanitizer's own.

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <latch>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>

extern char** environ;

std::mutex table_lock;  // guards some table that a worker thread updates

// Async-signal-safe output: write(2) on a ready-made string, no allocation, no stdio lock.
void say(const char* text) {
    for (std::size_t left = std::strlen(text); left > 0;) {
        const ssize_t put = write(STDOUT_FILENO, text, left);
        if (put <= 0) return;
        text += put;
        left -= static_cast<std::size_t>(put);
    }
}

// Prints the "Threads:" line of /proc/self/status, async-signal-safely: open,
// read, close, write and plain string functions only, into a stack buffer.
void say_thread_count(const char* who) {
    char status[4096] = {};
    const int fd = open("/proc/self/status", O_RDONLY);
    if (fd == -1) return;
    const ssize_t got = read(fd, status, sizeof status - 1);
    close(fd);
    char* line = got > 0 ? std::strstr(status, "Threads:") : nullptr;
    if (line == nullptr) return;
    if (char* end = std::strchr(line, '\n'); end != nullptr) end[1] = '\0';
    if (char* tab = std::strchr(line, '\t'); tab != nullptr) *tab = ' ';
    say(who);
    say(line);
}

int main() {
    // A worker thread takes the lock and keeps it, as if in the middle of a
    // long update (simulated: it waits for our signal to finish). Two latches of one
    // count each are the signals: "lock taken" from the worker, "finish" from us.
    std::latch lock_taken{1};
    std::latch finish_update{1};
    std::jthread worker([&] {
        const std::lock_guard guard{table_lock};
        lock_taken.count_down();
        finish_update.wait();
    });
    lock_taken.wait();
    std::cout << "parent " << getpid() << ": the worker thread holds table_lock" << std::endl;
    say_thread_count("parent: ");

    // Everything the child will print is ready before fork(), see say().
    const pid_t pid = fork();
    if (pid == -1) throw std::system_error(errno, std::generic_category(), "fork");
    if (pid == 0) {
        say_thread_count("child:  ");  // only the thread that called fork() came along
        // lock() would hang. try_lock() cannot block, so we use it to look; but it is not
        // on POSIX's list of async-signal-safe functions, so strictly it is not allowed
        // here either. It works with glibc, where trying a plain mutex is one atomic
        // compare-and-swap; a program that must be portable would only exec or _exit.
        const bool got_it = table_lock.try_lock();
        say(got_it ? "child:  got table_lock (not expected)\n"
                   : "child:  table_lock is locked, and the thread that owns it does not exist"
                     " here:\n        lock() would wait forever, so we leave with _exit()\n");
        _exit(got_it ? 1 : 0);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) == -1 && errno == EINTR) {
    }
    std::cout << "parent: child " << pid << " exited with status " << WEXITSTATUS(status)
              << " (0: it found the lock stuck)" << std::endl;

    // The fix: posix_spawn runs none of our code in the child. The new program
    // starts with fresh memory, so no lock of ours can be stuck in it, and it
    // works while table_lock is still held.
    const char* args[] = {"sh", "-c", "echo \"child $$: a new program, started by posix_spawnp\"",
                          nullptr};
    pid_t spawned = -1;
    const int error = posix_spawnp(&spawned, args[0], nullptr, nullptr,
                                   const_cast<char* const*>(args), environ);
    if (error != 0) throw std::system_error(error, std::generic_category(), "posix_spawnp");
    while (waitpid(spawned, &status, 0) == -1 && errno == EINTR) {
    }
    std::cout << "parent: spawned child " << spawned << " exited with status "
              << WEXITSTATUS(status) << ", table_lock still held by the worker" << std::endl;

    finish_update.count_down();  // the worker unlocks; the jthread joins at the end of main
}

// Output of one run (PIDs differ):
//
//   $ ./10_fork_and_threads
//   parent <n>: the worker thread holds table_lock
//   parent: Threads: 2
//   child:  Threads: 1
//   child:  table_lock is locked, and the thread that owns it does not exist here:
//           lock() would wait forever, so we leave with _exit()
//   parent: child <n> exited with status 0 (0: it found the lock stuck)
//   child <n>: a new program, started by posix_spawnp
//   parent: spawned child <n> exited with status 0, table_lock still held by the worker
