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

// Output of one run (PIDs differ, and so does the order of the first 25 lines):
//
//   $ ./04_out_of_order
//   == start 25 children, join them afterwards: any order
//   spawn(0) in child 828
//   spawn(2) in child 830
//   spawn(3) in child 831
//   spawn(4) in child 832
//   spawn(1) in child 829
//   spawn(5) in child 833
//   spawn(7) in child 835
//   spawn(8) in child 836
//   spawn(6) in child 834
//   spawn(23) in child 851
//   spawn(9) in child 837
//   spawn(12) in child 840
//   spawn(24) in child 852
//   spawn(13) in child 841
//   spawn(10) in child 838
//   spawn(14) in child 842
//   spawn(15) in child 843
//   spawn(16) in child 844
//   spawn(17) in child 845
//   spawn(18) in child 846
//   spawn(11) in child 839
//   spawn(19) in child 847
//   spawn(20) in child 848
//   spawn(21) in child 849
//   spawn(22) in child 850
//   all 25 joined; the order above was the scheduler's choice
//   == start and join each child in turn: always in order
//   spawn(0) in child 853
//   spawn(1) in child 854
//   spawn(2) in child 855
//   ...
//   spawn(24) in child 877
//   all 25 joined, one at a time: never two children alive at once
