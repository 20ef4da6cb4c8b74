// 03_passing_arguments.cpp: Process(target=spawn, args=(i,)): fork copies the args; exec gets argv.
//
// After fork() the child holds a copy of every variable the parent had at that
// moment, so "passing an argument" is nothing more than having it in a variable
// before forking. A start_process(target, args...) helper makes that read like
// Python. After exec() the memory is replaced by a new program, and the only
// things that survive are strings: the argument vector argv (and the environment).

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <iostream>
#include <string>
#include <system_error>
#include <vector>

// The article's target: it prints the number it was given.
void spawn(int num, const std::string& note) {
    std::cout << "child " << getpid() << ": spawn(" << num << ") " << note << std::endl;
}

// Our Process(target=..., args=(...)).start(): the arguments are copied into the
// parameters, then into the child's memory by fork(). The child runs the target
// and leaves with _exit(), so it never returns into the parent's code, not even
// by an exception (Python's child also ends with exitcode 1 on an exception).
template <class Target, class... Args>
pid_t start_process(Target target, Args... args) {
    const pid_t pid = fork();
    if (pid == -1) throw std::system_error(errno, std::generic_category(), "fork");
    if (pid == 0) {
        try {
            std::invoke(target, args...);
        } catch (...) {
            _exit(1);
        }
        _exit(0);
    }
    return pid;
}

void join(pid_t pid) {
    while (waitpid(pid, nullptr, 0) == -1 && errno == EINTR) {
    }
}

int main(int argc, char* argv[]) {
    // Second life of this program: exec'd by ourselves with "--child N".
    // Nothing of the parent's memory reached us; only these strings did.
    if (argc == 3 && std::string{argv[1]} == "--child") {
        spawn(std::stoi(argv[2]), "(after exec: my number came as the string \"" +
                                      std::string{argv[2]} + "\" in argv)");
        return 0;
    }

    // Flush before every fork, so that the children do not inherit pending output.
    std::cout << "parent " << getpid() << ": 1) three children get their argument by fork's copy"
              << std::endl;
    std::string note = "(fork copied my arguments from the parent)";
    std::vector<pid_t> children;
    for (int i = 0; i < 3; ++i) children.push_back(start_process(spawn, i, note));

    // Each child got its own copy: changing ours now reaches none of them, not
    // even a child that has not printed yet.
    note = "(changed by the parent after the forks)";
    for (const pid_t child : children) join(child);
    std::cout << "parent: my note now reads " << note << ", the children never saw it"
              << std::endl;

    // With exec, arguments must be turned into strings. We start our own
    // executable again; fork + exec here, example 06 shows posix_spawn.
    std::cout << "parent " << getpid() << ": 2) one child gets its argument in argv after exec"
              << std::endl;
    // argv[0] is how we were started: a path, which still works in the child (it
    // keeps our current directory), or a bare name that execvp looks up in PATH.
    // We build the new argv before forking.
    const int job_number = 7;
    std::string job_text = std::to_string(job_number);  // argv holds strings only
    char child_flag[] = "--child";
    char* const child_argv[] = {argv[0], child_flag, job_text.data(), nullptr};
    const pid_t pid = fork();
    if (pid == -1) throw std::system_error(errno, std::generic_category(), "fork");
    if (pid == 0) {
        execvp(argv[0], child_argv);
        _exit(127);  // only reached if the exec failed
    }
    join(pid);
    std::cout << "parent: joined child " << pid << "; exec kept its PID, replaced its program"
              << std::endl;
}

// Output of one run (PIDs differ; the first three child lines come in any order):
//
//   $ ./03_passing_arguments
//   parent <n>: 1) three children get their argument by fork's copy
//   ~ child <n>: spawn(0) (fork copied my arguments from the parent)
//   ~ child <n>: spawn(1) (fork copied my arguments from the parent)
//   ~ child <n>: spawn(2) (fork copied my arguments from the parent)
//   parent: my note now reads (changed by the parent after the forks), the children never saw it
//   parent <n>: 2) one child gets its argument in argv after exec
//   child <n>: spawn(7) (after exec: my number came as the string "7" in argv)
//   parent: joined child <n>; exec kept its PID, replaced its program
