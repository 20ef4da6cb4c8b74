// 10_sigterm_stop_token.cpp: graceful shutdown: SIGTERM turned into a stop request that every worker honours.
//
// `kill <pid>`, Ctrl-C, `docker stop` and systemd all ask a program to end with a
// signal (SIGTERM, SIGINT). By default the program dies on the spot, mid-write. Python
// code installs a handler with signal.signal(SIGTERM, handler) that sets an Event the
// workers check; CPython runs that handler in the main thread, between two bytecodes,
// so it may do anything. A C++ signal handler runs wherever the signal lands, between
// any two instructions of any thread, and may only call async-signal-safe functions:
// not request_stop(), which may run callbacks and take locks, not even printing.
//
// The C++ pattern has no handler at all: we block the signals in every thread, and one
// thread of ours waits for them with sigwait(). Receiving a signal there is an ordinary
// function return, in an ordinary thread, which may call request_stop() on the
// std::stop_source whose tokens all the workers check.

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <iostream>
#include <latch>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

int main() {
    // 1. Before any thread exists: block SIGTERM and SIGINT. Threads inherit the mask of
    //    the thread that creates them, so no thread of ours will ever run a handler for
    //    them; they stay pending until someone takes them with sigwait().
    sigset_t shutdown_signals;
    sigemptyset(&shutdown_signals);
    sigaddset(&shutdown_signals, SIGTERM);
    sigaddset(&shutdown_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &shutdown_signals, nullptr);
    std::cout << "main: SIGTERM and SIGINT blocked in every thread; one thread waits for them\n";

    std::stop_source shutdown;

    // 2. The signal thread: sigwait() returns the signal that arrived, in this thread's
    //    normal flow, where any call is allowed.
    std::jthread signal_waiter([&shutdown, shutdown_signals] {
        int signal_number = 0;
        if (sigwait(&shutdown_signals, &signal_number) == 0) {
            std::cout << "signal thread: got signal " + std::to_string(signal_number) + " (" +
                             strsignal(signal_number) + "), asking everyone to stop\n";
            shutdown.request_stop();
        }
    });

    // 3. Workers check the shared token between units of work, so each stops at a point
    //    of its choosing: after a whole unit, with its work saved.
    constexpr int worker_count = 2;
    std::latch everyone_working(worker_count);
    std::vector<std::jthread> workers;
    for (int id = 0; id < worker_count; ++id) {
        workers.emplace_back([id, &everyone_working, stop = shutdown.get_token()] {
            int units = 0;
            while (!stop.stop_requested()) {
                std::this_thread::sleep_for(5ms);  // simulates one unit of work
                if (++units == 3) everyone_working.count_down();
            }
            std::cout << "worker " + std::to_string(id) + ": stop requested, finished after " +
                             std::to_string(units) + " whole units\n";
        });
    }

    // 4. What `kill <pid>` would do from outside: we send SIGTERM to our own process. It
    //    is blocked in every thread, so it waits until the signal thread takes it.
    everyone_working.wait();
    std::cout << "main: sending ourselves SIGTERM, as `kill " << getpid() << "` would\n";
    kill(getpid(), SIGTERM);

    // 5. The jthreads' destructors join them (the workers have been asked already).
    workers.clear();
    signal_waiter.join();
    std::cout << "main: every thread joined; exiting with status 0, not killed by a signal\n";
}

// Output of one run (the PID and the unit counts differ; the workers finish in any order):
//
//   $ ./10_sigterm_stop_token
//   main: SIGTERM and SIGINT blocked in every thread; one thread waits for them
//   main: sending ourselves SIGTERM, as `kill <n>` would
//   signal thread: got signal 15 (Terminated), asking everyone to stop
//   ~ worker 0: stop requested, finished after <n> whole units
//   ~ worker 1: stop requested, finished after <n> whole units
//   main: every thread joined; exiting with status 0, not killed by a signal
