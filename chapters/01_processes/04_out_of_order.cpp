// 04_out_of_order.cpp: 25 children print in any order; join() inside the loop runs them in turn.
//
// The article starts 25 processes with Process(target=spawn, args=(i,)).start()
// and no join(), and notes the numbers come out of order. Nothing orders them:
// once started, each child is an independent process and the scheduler runs
// them when and where it likes (25 processes, a few CPUs). Waiting for each
// child before starting the next, as the article's join() in the loop does,
// restores the order and throws the parallelism away.

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <iostream>
#include <string>
#include <system_error>
#include <vector>

constexpr int kChildren = 25;

// The child's work. One flushed line per child: std::endl sends it in one
// write(), so lines from different children never mix within a line.
void spawn(int num) { std::cout << "spawn(" << num << ") in child " << getpid() << std::endl; }

pid_t start_process(int num) {
    const pid_t pid = fork();
    if (pid == -1) throw std::system_error(errno, std::generic_category(), "fork");
    if (pid == 0) {
        spawn(num);
        _exit(0);
    }
    return pid;
}

void join(pid_t pid) {
    while (waitpid(pid, nullptr, 0) == -1 && errno == EINTR) {
    }
}

int main() {
    // Round 1: start all 25, then join all 25 (we must still reap them: example 09).
    std::cout << "== start 25 children, join them afterwards: any order" << std::endl;
    std::vector<pid_t> children;
    for (int i = 0; i < kChildren; ++i) children.push_back(start_process(i));
    for (const pid_t child : children) join(child);
    std::cout << "all 25 joined; the order above was the scheduler's choice" << std::endl;

    // Round 2: join() right after start(), as in the article's second listing:
    // child i+1 is not even created before child i has ended.
    std::cout << "== start and join each child in turn: always in order" << std::endl;
    for (int i = 0; i < kChildren; ++i) join(start_process(i));
    std::cout << "all 25 joined, one at a time: never two children alive at once" << std::endl;
}

// Output of one run (PIDs differ, and so does the order of the first 25 lines; the
// second 25 always come in order):
//
//   $ ./04_out_of_order
//   == start 25 children, join them afterwards: any order
//   ~ spawn(0) in child <n>
//   ~ spawn(1) in child <n>
//   ~ spawn(2) in child <n>
//   ~ spawn(3) in child <n>
//   ~ spawn(4) in child <n>
//   ~ spawn(5) in child <n>
//   ~ spawn(6) in child <n>
//   ~ spawn(7) in child <n>
//   ~ spawn(8) in child <n>
//   ~ spawn(9) in child <n>
//   ~ spawn(10) in child <n>
//   ~ spawn(11) in child <n>
//   ~ spawn(12) in child <n>
//   ~ spawn(13) in child <n>
//   ~ spawn(14) in child <n>
//   ~ spawn(15) in child <n>
//   ~ spawn(16) in child <n>
//   ~ spawn(17) in child <n>
//   ~ spawn(18) in child <n>
//   ~ spawn(19) in child <n>
//   ~ spawn(20) in child <n>
//   ~ spawn(21) in child <n>
//   ~ spawn(22) in child <n>
//   ~ spawn(23) in child <n>
//   ~ spawn(24) in child <n>
//   all 25 joined; the order above was the scheduler's choice
//   == start and join each child in turn: always in order
//   spawn(0) in child <n>
//   spawn(1) in child <n>
//   spawn(2) in child <n>
//   spawn(3) in child <n>
//   spawn(4) in child <n>
//   spawn(5) in child <n>
//   spawn(6) in child <n>
//   spawn(7) in child <n>
//   spawn(8) in child <n>
//   spawn(9) in child <n>
//   spawn(10) in child <n>
//   spawn(11) in child <n>
//   spawn(12) in child <n>
//   spawn(13) in child <n>
//   spawn(14) in child <n>
//   spawn(15) in child <n>
//   spawn(16) in child <n>
//   spawn(17) in child <n>
//   spawn(18) in child <n>
//   spawn(19) in child <n>
//   spawn(20) in child <n>
//   spawn(21) in child <n>
//   spawn(22) in child <n>
//   spawn(23) in child <n>
//   spawn(24) in child <n>
//   all 25 joined, one at a time: never two children alive at once
