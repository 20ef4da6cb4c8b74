// 05_shared_future.cpp: std::shared_future lets many threads read one result, like calling future.result() more than once in Python.
#include <future>
#include <iostream>
#include <string>
#include <syncstream>
#include <thread>
#include <vector>

struct Config {
    std::string server;
    int retries;
};

// A slow start-up step whose result every worker needs.
Config load_config() { return Config{"127.0.0.1:8080", 3}; }

int main() {
    // Python's Future.result() may be called again and again. std::future::get() moves
    // the value out and may be called once. share() turns the future into a
    // shared_future: copyable, and get() returns a const reference, as often as we like.
    std::shared_future<Config> config = std::async(std::launch::async, load_config).share();

    // Each worker holds its own copy of the shared_future (copies are cheap: they point
    // to one shared state). One copy per thread is the pattern the standard guarantees
    // to be safe; do not hand one shared_future object to several threads by reference.
    std::vector<std::jthread> workers;
    for (int id = 1; id <= 3; ++id) {
        workers.emplace_back([config, id] {
            const Config& c = config.get();  // waits until load_config() has returned
            std::osyncstream(std::cout) << "worker " << id << " connects to " << c.server
                                        << " with " << c.retries << " retries\n";
        });
    }

    // Main reads it too, twice: the value stays in the shared state. The workers may be
    // printing right now, so main writes through an osyncstream as well: it only keeps
    // lines whole against other osyncstreams.
    std::osyncstream(std::cout) << "main reads " << config.get().server << " and again "
                                << config.get().server << '\n';
    for (auto& worker : workers) {
        worker.join();
    }

    // shared_future<void> is a broadcast "start" signal: every waiter is released by one
    // set_value(), which the workers below use as a starting gun.
    std::promise<void> start;
    std::shared_future<void> started = start.get_future().share();
    std::vector<std::future<int>> laps;
    for (int runner = 0; runner < 3; ++runner) {
        laps.push_back(std::async(std::launch::async, [started, runner] {
            started.wait();
            return runner * 100;
        }));
    }
    start.set_value();  // one call releases all three
    int total = 0;
    for (auto& lap : laps) {
        total += lap.get();
    }
    std::cout << "all runners released by one set_value(); sum of their results = " << total
              << '\n';
}

// Output of one run (the order of the first four lines varies from run to run):
//
//   $ ./05_shared_future
//   ~ main reads 127.0.0.1:8080 and again 127.0.0.1:8080
//   ~ worker 1 connects to 127.0.0.1:8080 with 3 retries
//   ~ worker 2 connects to 127.0.0.1:8080 with 3 retries
//   ~ worker 3 connects to 127.0.0.1:8080 with 3 retries
//   all runners released by one set_value(); sum of their results = 300
