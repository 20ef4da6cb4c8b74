// 06_ids_and_order.cpp: thread ids, the order threads run in (none), and hardware_concurrency() as a hint.
#include <sched.h>

#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

std::string id_text(std::thread::id id) {
    std::ostringstream text;
    text << id;
    return text.str();
}

// We start the threads in order 0..3 and let each print one line. Nothing orders them:
// the scheduler decides, and two rounds of the same code may print differently.
void one_round(int round) {
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) {
        threads.emplace_back([round, i] {
            std::cout << "round " + std::to_string(round) + ": thread " + std::to_string(i)
                             + " has id " + id_text(std::this_thread::get_id()) + "\n";
        });
    }
    for (auto& t : threads) {
        t.join();
    }
}

int main() {
    std::cout << "main thread id " << std::this_thread::get_id() << '\n';
    one_round(1);
    one_round(2);

    // The id seen from outside matches the one the thread sees from inside. After join
    // the object holds no thread and its id is the default "not a thread" value.
    std::string inside;
    std::thread t([&inside] { inside = id_text(std::this_thread::get_id()); });
    const std::string outside = id_text(t.get_id());
    t.join();
    std::cout << "outside " << outside << ", inside " << inside << ", after join "
              << (t.get_id() == std::thread::id() ? "no thread" : "still a thread") << '\n';
    // Ids of finished threads may be handed out again, so an id names a thread only
    // while it runs. Never use one as a key that outlives the thread.

    // hardware_concurrency() is a hint: the number of hardware threads, or 0 when the
    // library cannot tell. We always keep a fallback.
    const unsigned hint = std::thread::hardware_concurrency();
    const unsigned workers = hint != 0 ? hint : 2;
    std::cout << "hardware_concurrency() = " << hint << ", so we would start " << workers
              << " workers\n";

#ifdef __linux__
    // It counts the machine's processors, not the ones we may use: taskset or a
    // container's cpuset can allow fewer. The affinity mask says what we really get.
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) == 0) {
        std::cout << "CPUs this process may run on (sched_getaffinity) = " << CPU_COUNT(&allowed)
                  << '\n';
    }
#endif
}

// Output of one run (ids, their reuse and the order of the lines differ from run to run; the last line is Linux only):
//
//   $ ./06_ids_and_order
//   main thread id 139872254027584
//   round 1: thread 0 has id 139872248780480
//   round 1: thread 1 has id 139872240387776
//   round 1: thread 2 has id 139872231995072
//   round 1: thread 3 has id 139872223602368
//   round 2: thread 0 has id 139872223602368
//   round 2: thread 1 has id 139872231995072
//   round 2: thread 2 has id 139872240387776
//   round 2: thread 3 has id 139872248780480
//   outside 139872248780480, inside 139872248780480, after join no thread
//   hardware_concurrency() = 2, so we would start 2 workers
//   CPUs this process may run on (sched_getaffinity) = 2
