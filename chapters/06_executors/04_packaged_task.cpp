// 04_packaged_task.cpp: std::packaged_task turns any callable into a job with a future, the building block of every pool's submit().
#include <future>
#include <iostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

int square(int x) { return x * x; }

std::string shout(const std::string& word) {
    if (word.empty()) {
        throw std::invalid_argument("shout(): nothing to shout");
    }
    std::string loud = word;
    for (char& c : loud) {
        c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    }
    return loud + "!";
}

int main() {
    // 1. A packaged_task wraps the function. Calling the task runs the function and
    //    stores the result (or the exception) in the shared state; the future reads it.
    std::packaged_task<int(int)> task(square);
    std::future<int> result = task.get_future();
    task(7);  // runs here, on main's thread
    std::cout << "square(7) via packaged_task = " << result.get() << '\n';

    // 2. The task is move-only; we move it onto a thread. The caller keeps the future.
    std::packaged_task<int(int)> on_thread(square);
    std::future<int> thread_result = on_thread.get_future();
    std::jthread runner(std::move(on_thread), 12);
    std::cout << "square(12) on another thread = " << thread_result.get() << '\n';

    // 3. The pool pattern: the submitter packs jobs into a queue and keeps the futures;
    //    a worker runs them. The worker never sees the results: they travel through
    //    the shared state straight to the futures.
    //    A std::function cannot hold a packaged_task (it must be copyable and the task
    //    is not; C++23 adds std::move_only_function), so a queue of mixed jobs stores
    //    them behind a shared_ptr, as example 06 does. Here all jobs have one type.
    std::vector<std::packaged_task<std::string()>> jobs;
    std::vector<std::future<std::string>> futures;
    for (const std::string word : {"hello", "", "executors"}) {
        jobs.emplace_back([word] { return shout(word); });
        futures.push_back(jobs.back().get_future());
    }

    // One worker thread runs the jobs in place. Nobody changes `jobs` while it runs, so
    // no lock is needed here; a real pool (06) locks its queue because submitters and
    // workers overlap. `jobs` is declared before `worker`, so it outlives the thread.
    std::jthread worker([&jobs] {
        for (auto& job : jobs) {
            job();  // an exception thrown by shout() is caught and stored by the task
        }
    });

    // get() blocks until the worker has run that job. Exceptions come out here.
    for (auto& future : futures) {
        try {
            const std::string text = future.get();
            std::cout << "result: " << text << '\n';
        } catch (const std::exception& error) {
            std::cout << "result() raised: " << error.what() << '\n';
        }
    }

    // 4. A task that is destroyed without ever being run breaks its promise.
    std::future<int> never;
    {
        std::packaged_task<int(int)> dropped(square);
        never = dropped.get_future();
    }
    try {
        never.get();
    } catch (const std::future_error& error) {
        std::cout << "dropped task: " << (error.code() == std::future_errc::broken_promise
                                             ? "broken_promise"
                                             : "other error")
                  << '\n';
    }
}

// Output of one run (always the same):
//
//   $ ./04_packaged_task
//   square(7) via packaged_task = 49
//   square(12) on another thread = 144
//   result: HELLO!
//   result() raised: shout(): nothing to shout
//   result: EXECUTORS!
//   dropped task: broken_promise
