// 03_promise_and_future.cpp: std::promise and std::future, the two ends of a one-shot channel (what Future.set_result / set_exception do inside an executor).
#include <exception>
#include <functional>
#include <future>
#include <iostream>
#include <stdexcept>
#include <string>
#include <thread>

// A worker that delivers its answer through a promise instead of a return value.
// The promise is the writing end; whoever holds the matching future reads it.
// We pass it by reference: it lives in main, which outlives the worker. (Moving the
// promise into the thread works too, as part 4 does; then it dies with the thread.)
void parse_port(const std::string& text, std::promise<int>& answer) {
    try {
        if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) {
            throw std::invalid_argument("'" + text + "' is not a number");
        }
        const long port = std::stol(text);
        if (port <= 0 || port > 65535) {
            throw std::out_of_range("port " + text + " is out of range");
        }
        answer.set_value(static_cast<int>(port));
    } catch (...) {
        // We ship the exception itself across threads; get() rethrows it in the reader.
        answer.set_exception(std::current_exception());
    }
}

int main() {
    // 1. The happy path: the worker sets a value, main's get() waits for it.
    {
        std::promise<int> promise;
        std::future<int> future = promise.get_future();
        std::jthread worker(parse_port, std::string("8080"), std::ref(promise));
        std::cout << "get() = " << future.get() << '\n';
    }

    // 2. The worker fails: get() rethrows the very exception the worker threw.
    for (const std::string input : {"99999", "http"}) {
        std::promise<int> promise;
        std::future<int> future = promise.get_future();
        std::jthread worker(parse_port, input, std::ref(promise));
        try {
            const int port = future.get();
            std::cout << "get() = " << port << '\n';
        } catch (const std::exception& error) {
            std::cout << "get() rethrew the worker's exception: " << error.what() << '\n';
        }
    }

    // 3. A promise destroyed before it was fulfilled: the reader is not left waiting
    //    forever, it gets a future_error with code broken_promise.
    {
        std::future<int> orphan;
        {
            std::promise<int> forgotten;
            orphan = forgotten.get_future();
        }
        try {
            orphan.get();
        } catch (const std::future_error& error) {
            std::cout << "abandoned promise: future_error, broken_promise="
                      << std::boolalpha << (error.code() == std::future_errc::broken_promise)
                      << '\n';
        }
    }

    // 4. promise<void> is a one-shot signal, like threading.Event().set() fired once:
    //    the worker waits for "go" without any sleep or polling.
    {
        std::promise<void> go;
        std::shared_future<void> go_signal = go.get_future().share();
        std::promise<std::string> reply;
        std::future<std::string> reply_future = reply.get_future();
        std::jthread worker([go_signal, answer = std::move(reply)]() mutable {
            go_signal.wait();
            answer.set_value("worker saw the signal");
        });
        std::cout << "main sends the signal\n";
        go.set_value();
        std::cout << reply_future.get() << '\n';
    }

    // A promise can be fulfilled only once; a second set_value throws
    // future_error(promise_already_satisfied).
    std::promise<int> once;
    once.set_value(1);
    try {
        once.set_value(2);
    } catch (const std::future_error& error) {
        std::cout << "second set_value: promise_already_satisfied="
                  << (error.code() == std::future_errc::promise_already_satisfied) << '\n';
    }
}

// Output of one run (always the same):
//
//   $ ./03_promise_and_future
//   get() = 8080
//   get() rethrew the worker's exception: port 99999 is out of range
//   get() rethrew the worker's exception: 'http' is not a number
//   abandoned promise: future_error, broken_promise=true
//   main sends the signal
//   worker saw the signal
//   second set_value: promise_already_satisfied=true
