// 04_join_and_detach.cpp: join waits, detach lets go, and a joinable std::thread destroyed calls std::terminate.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <future>
#include <iostream>
#include <string>
#include <thread>
#include <utility>

// In a child process we break the rule on purpose: a std::thread that is still
// joinable when its destructor runs. The standard says std::terminate is called.
[[noreturn]] void destroy_joinable_thread() {
    // The default terminate handler aborts; we switch core dumps off so the abort is quick.
    const rlimit no_core{0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    {
        std::thread forgotten([] {});
        // No join(), no detach(): the destructor at the closing brace terminates the process.
    }
    std::_Exit(0);  // never reached
}

int main() {
    // We fork first, while this process still has a single thread: forking a threaded
    // program is only safe to exec right away (chapter 01).
    std::cout.flush();
    const pid_t child = fork();
    if (child == -1) {
        std::perror("fork");
        return 1;
    }
    if (child == 0) {
        destroy_joinable_thread();
    }
    int status = 0;
    waitpid(child, &status, 0);
    if (WIFSIGNALED(status)) {
        std::cout << "child that forgot join(): killed by signal " << WTERMSIG(status) << " ("
                  << strsignal(WTERMSIG(status)) << ")\n";
    } else {
        std::cout << "child that forgot join(): exited with status " << WEXITSTATUS(status) << '\n';
    }

    // join: we wait until the thread has finished; after that the object is empty.
    std::cout << std::boolalpha;
    std::thread worker([] { std::cout << "worker: running\n"; });
    std::cout << "before join: joinable = " << worker.joinable() << '\n';
    worker.join();
    std::cout << "after join:  joinable = " << worker.joinable() << '\n';

    // detach: the thread runs on with nobody to join it. We can no longer wait for it,
    // so if we need to know it finished we must build our own signal: here a promise.
    // It also must not use anything of ours that may die first, so it gets copies only.
    // set_value() makes the future ready at once, while the thread still has the rest of
    // its function (and its thread_local objects' destructors) to run. Its sibling
    // set_value_at_thread_exit() stores the value now but makes the future ready only
    // once the thread has ended, the stronger "finished" for a detached thread. We keep
    // set_value() here because ThreadSanitizer cannot see libstdc++'s thread-exit
    // hand-over and would report a race that is not there.
    std::promise<std::string> done;
    std::future<std::string> result = done.get_future();
    std::thread background(
        [](std::promise<std::string> p, int job) { p.set_value("job " + std::to_string(job) + " done"); },
        std::move(done), 7);
    background.detach();
    std::cout << "after detach: joinable = " << background.joinable() << '\n';
    std::cout << "detached thread says: " << result.get() << '\n';

    // Had we returned from main while a detached thread still ran, exit() would destroy
    // our static objects (std::cout's buffers, globals, a logger) under its feet: undefined
    // behaviour. Then the process ends and the thread vanishes mid-work, its destructors
    // never run: what Python's daemon=True means too. 05_jthread_stop_token.cpp shows the
    // cooperative alternative.
}

// Output of one run (line 1 is the child's message on stderr; "worker: running" may come
// before or after the line above it):
//
//   $ ./04_join_and_detach
//   terminate called without an active exception
//   child that forgot join(): killed by signal 6 (Aborted)
//   ~ before join: joinable = true
//   ~ worker: running
//   after join:  joinable = false
//   after detach: joinable = false
//   detached thread says: job 7 done
//
// With libc++ (macOS's standard library), std::terminate() words line 1 its own way:
//
//   $ ./04_join_and_detach
//   libc++abi: terminating
//   child that forgot join(): killed by signal 6 (Aborted)
//   ~ before join: joinable = true
//   ~ worker: running
//   after join:  joinable = false
//   after detach: joinable = false
//   detached thread says: job 7 done
