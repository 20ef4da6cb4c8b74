// 02_start_and_join.cpp: fork() a child, waitpid() for it: Process(target=spawn).start(), .join().
//
// fork() makes a copy of the calling process. It returns twice: 0 in the new
// child, and the child's PID in the parent (or -1 if no child was made). The
// child then runs the "target" and must leave with _exit(); the parent "joins"
// it with waitpid(), which also collects how it ended.

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <system_error>

// The child's work: the article's spawn(), which prints "test!".
void spawn() {
    // std::endl flushes, so the line leaves this process now: _exit() below
    // throws away whatever is still buffered.
    std::cout << "child " << getpid() << ": test! (my parent is " << getppid() << ")" << std::endl;
}

// A wait status packs "exited with N" or "killed by signal S"; example 05 has the details.
std::string describe(int status) {
    if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) {
        return std::string{"was killed by signal "} + strsignal(WTERMSIG(status));
    }
    return "changed state";
}

// waitpid() is join(): it blocks until that child ends. A signal handler can
// interrupt it (EINTR); then we simply wait again.
int wait_for(pid_t child) {
    int status = 0;
    while (waitpid(child, &status, 0) == -1) {
        if (errno != EINTR) throw std::system_error(errno, std::generic_category(), "waitpid");
    }
    return status;
}

// Why the child must leave with _exit(): we write a line into a stdio buffer
// (a file is fully buffered, so nothing reaches the file yet), fork, and let the
// child leave one way or the other. Then we count the copies in the file.
int copies_in_file(bool child_uses_exit) {
    std::FILE* log = std::tmpfile();
    if (log == nullptr) throw std::system_error(errno, std::generic_category(), "tmpfile");
    std::fputs("written once, before fork\n", log);
    // Our stdout has a buffer too: we flush it so that only `log` shows the effect.
    // (Under ThreadSanitizer even _exit() flushes stdout: one more reason to flush.)
    std::cout.flush();

    const pid_t pid = fork();
    if (pid == -1) throw std::system_error(errno, std::generic_category(), "fork");
    if (pid == 0) {
        // exit() flushes every stdio buffer, including the child's copy of our
        // line, and runs static destructors and atexit handlers: the parent's
        // clean-up, done a second time. _exit() just ends the process.
        if (child_uses_exit) std::exit(0);
        _exit(0);
    }
    wait_for(pid);

    std::fflush(log);  // now the parent's own copy of the line reaches the file
    std::rewind(log);
    int copies = 0;
    for (int c = 0; (c = std::fgetc(log)) != EOF;) copies += (c == '\n');
    std::fclose(log);
    return copies;
}

int main() {
    // Flush before forking, or the child inherits our unwritten output too.
    std::cout << "parent " << getpid() << ": starting a child" << std::endl;

    // start(): one call, two returns.
    const pid_t pid = fork();
    if (pid == -1) throw std::system_error(errno, std::generic_category(), "fork");
    if (pid == 0) {
        // Here we are the child. Returning from main() instead of _exit() would
        // go on to run the rest of main(): the parent's code, in the child.
        spawn();
        _exit(0);
    }
    std::cout << "parent " << getpid() << ": started child " << pid << ", now waiting for it (join)"
              << std::endl;

    // join()
    const int status = wait_for(pid);
    std::cout << "parent " << getpid() << ": child " << pid << " " << describe(status) << '\n';

    const int with_exit = copies_in_file(true);
    const int with_underscore_exit = copies_in_file(false);
    std::cout << "child left with exit():  the line we wrote once is in the file " << with_exit
              << " times\n";
    std::cout << "child left with _exit(): the line we wrote once is in the file "
              << with_underscore_exit << " time\n";
}

// Output of one run (PIDs differ; the 2nd and 3rd lines may swap):
//
//   $ ./02_start_and_join
//   parent <n>: starting a child
//   ~ parent <n>: started child <n>, now waiting for it (join)
//   ~ child <n>: test! (my parent is <n>)
//   parent <n>: child <n> exited with status 0
//   child left with exit():  the line we wrote once is in the file 2 times
//   child left with _exit(): the line we wrote once is in the file 1 time
