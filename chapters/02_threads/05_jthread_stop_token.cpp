// 05_jthread_stop_token.cpp: std::jthread and std::stop_token, the cooperative answer to Python's daemon=True.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <deque>
#include <iostream>
#include <latch>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <utility>

using namespace std::chrono_literals;

// A background loop that checks its stop token between units of work. Python would
// write Thread(target=heartbeat, daemon=True) and let the interpreter kill it at exit,
// in the middle of whatever it was doing. Here the thread decides where it may stop.
void heartbeat(std::stop_token stop, std::latch& first_beats) {
    // The callback runs in the thread that calls request_stop(), at that moment.
    std::stop_callback on_stop(stop, [] { std::cout << "heartbeat: stop requested\n"; });
    int beats = 0;
    while (!stop.stop_requested()) {
        std::this_thread::sleep_for(10ms);  // simulates one unit of work
        ++beats;
        if (beats <= 3) {  // we show the first three; later ones race with main's output
            std::cout << "heartbeat: beat " + std::to_string(beats) + "\n";
            first_beats.count_down();
        }
    }
    std::cout << "heartbeat: finished cleanly after " + std::to_string(beats) + " beats\n";
}

// A thread that sleeps in a wait, not in a loop. condition_variable_any::wait with a
// stop token wakes up when a stop is requested, so no polling and no timeout is needed.
class JobWorker {
public:
    void push(std::string job) {
        {
            std::lock_guard lock(mutex_);
            jobs_.push_back(std::move(job));
        }
        ready_.notify_one();
    }

    void run(std::stop_token stop) {
        std::unique_lock lock(mutex_);
        while (true) {
            // Returns false only when stop was requested and no job is waiting.
            if (!ready_.wait(lock, stop, [this] { return !jobs_.empty(); })) {
                std::cout << "worker: stop requested while idle, leaving\n";
                return;
            }
            std::string job = std::move(jobs_.front());
            jobs_.pop_front();
            std::cout << "worker: did " + job + "\n";
        }
    }

private:
    std::mutex mutex_;
    std::condition_variable_any ready_;
    std::deque<std::string> jobs_;
};

int main() {
    {
        // We wait for three beats with a latch, not a sleep: that is the synchronisation.
        std::latch three_beats(3);
        // std::jthread passes its own stop token as the first argument when the target
        // accepts one.
        std::jthread beat_thread(heartbeat, std::ref(three_beats));
        three_beats.wait();
        std::cout << "main: leaving the scope\n";
        // The jthread destructor calls request_stop() and then join(): no terminate,
        // no forgotten thread, and the loop above ends at a point it chose. That holds
        // because heartbeat() checks its token: a loop that never did would keep this
        // closing brace waiting in join() forever, a hang instead of std::thread's crash.
    }

    JobWorker worker;
    {
        std::jthread job_thread([&worker](std::stop_token stop) { worker.run(stop); });
        worker.push("job 1");
        worker.push("job 2");
        // We can also ask explicitly; the destructor would do the same.
        job_thread.request_stop();
    }
    std::cout << "main: both threads stopped and joined\n";
}

// Output of one run (the heartbeat stops after 3 or more beats: how many depends on how soon
// main runs after the third):
//
//   $ ./05_jthread_stop_token
//   heartbeat: beat 1
//   heartbeat: beat 2
//   heartbeat: beat 3
//   main: leaving the scope
//   heartbeat: stop requested
//   heartbeat: finished cleanly after <n> beats
//   worker: did job 1
//   worker: did job 2
//   worker: stop requested while idle, leaving
//   main: both threads stopped and joined
