// 03_arguments_are_copied.cpp: std::thread copies its arguments; std::ref shares one, std::move hands one over.
#include <cstdio>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

void add_into(int& total, int amount) { total += amount; }

void count_items(const std::vector<int>& items, const std::vector<int>* original) {
    // The parameter is a reference, but to the thread's own copy, not to main's vector.
    std::cout << "thread: " + std::to_string(items.size()) + " items, same object as main's? "
                     + (&items == original ? "yes" : "no") + "\n";
}

void consume(std::unique_ptr<std::string> message) {
    std::cout << "thread now owns: " + *message + "\n";
}

void print_text(const std::string& text) { std::cout << "thread prints: " + text + "\n"; }

// We return a running thread from a function whose local buffer dies on return.
std::thread start_reporter(int id) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "report #%d", id);
    // We convert to std::string HERE, while buffer is alive, and the thread stores that copy.
    // Unsafe (not done): std::thread(print_text, buffer) stores only the char pointer; the
    // conversion to std::string then runs in the new thread, possibly after this function
    // has returned and buffer is gone. That is a dangling pointer that usually "works".
    return std::thread(print_text, std::string(buffer));
}

int main() {
    // 1. By value: the thread gets its own copy of every argument, decayed and stored
    //    inside the std::thread before the new thread runs. Even a const& parameter
    //    binds to that copy.
    std::vector<int> items{1, 2, 3};
    std::thread copier(count_items, items, &items);
    copier.join();

    // 2. std::ref: we really want the thread to write into main's variable.
    //    std::thread(add_into, total, 5) does not even compile: a copy cannot bind to int&.
    //    The compiler stops us, which is good; std::ref says "I know, share it".
    int total = 0;
    std::thread adder(add_into, std::ref(total), 5);
    // We must not read or write total here: the thread may be writing it right now.
    adder.join();
    std::cout << "main: total after join = " << total << '\n';

    // 3. Move-only arguments are moved in: ownership passes to the thread.
    auto message = std::make_unique<std::string>("a unique_ptr");
    std::thread owner(consume, std::move(message));
    owner.join();
    std::cout << "main: my pointer is now " << (message ? "still set" : "empty") << '\n';

    // 4. A lambda capturing by reference is std::ref in disguise. We capture by value
    //    whatever may die before the thread ends; [&] is only safe when we join in the
    //    same scope, as here.
    int local_count = 0;
    std::thread by_reference([&local_count] { local_count = 7; });
    by_reference.join();
    std::cout << "main: local_count = " << local_count << " (joined before it went out of scope)\n";

    // 5. A pointer into a dying stack frame: see start_reporter for the safe version.
    std::thread reporter = start_reporter(1);
    reporter.join();
}

// Output of one run (always the same):
//
//   $ ./03_arguments_are_copied
//   thread: 3 items, same object as main's? no
//   main: total after join = 5
//   thread now owns: a unique_ptr
//   main: my pointer is now empty
//   main: local_count = 7 (joined before it went out of scope)
//   thread prints: report #1
