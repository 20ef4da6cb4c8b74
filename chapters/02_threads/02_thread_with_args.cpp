// 02_thread_with_args.cpp: std::thread(function, args...), the mirror of threading.Thread(target=f, args=(i,)).
#include <iostream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

// The target: any callable. This one takes the number the article passes in args=(i,).
void print_number(int number) {
    // We build the whole line first and insert it once, so lines do not mix.
    std::cout << "thread got " + std::to_string(number) + "\n";
}

// A class whose member function we run on a thread.
class Greeter {
public:
    explicit Greeter(std::string greeting) : greeting_(std::move(greeting)) {}
    void greet(const std::string& name) const { std::cout << greeting_ + ", " + name + "\n"; }

private:
    std::string greeting_;
};

int main() {
    // Python:  t = threading.Thread(target=print_number, args=(i,)); t.start()
    // C++:     the constructor both creates and starts the thread; there is no start().
    std::vector<std::thread> threads;
    for (int i = 0; i < 5; ++i) {
        threads.emplace_back(print_number, i);
    }

    // Python joins non-daemon threads for us when the interpreter exits. C++ does not:
    // every std::thread must be joined (or detached) before it is destroyed.
    for (auto& t : threads) {
        t.join();
    }
    std::cout << "all five joined\n";

    // A lambda is the most common target. Its captures are the "args".
    std::string label = "lambda";
    std::thread with_lambda([label] { std::cout << label + " captured its own copy of label\n"; });
    with_lambda.join();

    // A member function: the object (here a pointer to it) comes first, then the arguments.
    const Greeter greeter("hello");
    std::thread with_member(&Greeter::greet, &greeter, std::string("threads"));
    with_member.join();
}

// Output of one run (the order of the first five lines differs from run to run):
//
//   $ ./02_thread_with_args
//   ~ thread got 0
//   ~ thread got 1
//   ~ thread got 2
//   ~ thread got 3
//   ~ thread got 4
//   all five joined
//   lambda captured its own copy of label
//   hello, threads
