// 01_async_launch_policies.cpp: std::async and its launch policies (async, deferred, the default), the one-call cousin of executor.submit(fn).
#include <chrono>
#include <future>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

using namespace std::chrono_literals;

// The task reports which thread ran it, so we can compare with main's thread.
std::string thread_name() {
    std::ostringstream id;
    id << std::this_thread::get_id();
    return id.str();
}

std::string status_name(std::future_status status) {
    switch (status) {
        case std::future_status::ready: return "ready";
        case std::future_status::timeout: return "timeout (still running)";
        case std::future_status::deferred: return "deferred (not started, will run in get())";
    }
    return "?";
}

int main() {
    std::cout << "main runs on thread        " << thread_name() << '\n';

    // launch::async: the task starts now, on a new thread, as if by std::thread.
    // get() waits for it and hands over the return value.
    std::future<std::string> eager = std::async(std::launch::async, thread_name);
    std::cout << "launch::async ran on       " << eager.get() << '\n';

    // launch::deferred: nothing runs yet. The call happens inside get() (or wait()),
    // on the thread that calls it: lazy evaluation, no concurrency at all.
    bool ran = false;
    std::future<std::string> lazy = std::async(std::launch::deferred, [&ran] {
        ran = true;
        return thread_name();
    });
    std::cout << "deferred, before get():    ran=" << std::boolalpha << ran
              << ", wait_for(0s) says " << status_name(lazy.wait_for(0s)) << '\n';
    const std::string lazy_thread = lazy.get();
    std::cout << "launch::deferred ran on    " << lazy_thread << " (ran=" << ran << ")\n";

    // The default policy is (async | deferred): the library may pick either. libstdc++
    // and libc++ pick async while threads can be created, but the standard promises
    // nothing, so a loop "while (f.wait_for(10ms) != ready)" could spin forever on a
    // deferred task. We ask first: a deferred future answers future_status::deferred.
    std::future<std::string> either = std::async(thread_name);
    if (either.wait_for(0s) == std::future_status::deferred) {
        std::cout << "default policy chose deferred; get() runs it here\n";
    } else {
        std::cout << "default policy chose async\n";
    }
    std::cout << "default policy ran on      " << either.get() << '\n';

    // A future hands its value over once: after get() it is empty (valid() == false).
    // A second get() would be undefined behaviour; std::shared_future (05) allows many.
    std::cout << "after get(), valid() = " << either.valid() << '\n';
}

// Output of one run (thread ids differ from run to run; the default policy is the library's choice):
//
//   $ ./01_async_launch_policies
//   main runs on thread        <n>
//   launch::async ran on       <n>
//   deferred, before get():    ran=false, wait_for(0s) says deferred (not started, will run in get())
//   launch::deferred ran on    <n> (ran=true)
//   default policy chose async
//   default policy ran on      <n>
//   after get(), valid() = false
