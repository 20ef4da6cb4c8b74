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
    // library cannot tell. We always keep a fallback. Like Python's os.cpu_count(), it
    // counts the machine's processors, not the ones we may use.
    const unsigned hint = std::thread::hardware_concurrency();
    const unsigned workers = hint != 0 ? hint : 2;
    std::cout << "hardware_concurrency() = " << hint << " (Python: os.cpu_count()), so we would start "
              << workers << " workers\n";

#ifdef __linux__
    // taskset, a container's cpuset or the program itself can allow fewer CPUs. The
    // affinity mask says what we really get: Python 3.13's os.process_cpu_count(), which
    // ThreadPoolExecutor and ProcessPoolExecutor size themselves by since 3.13.
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) == 0) {
        std::cout << "CPUs this process may run on (sched_getaffinity) = " << CPU_COUNT(&allowed)
                  << " (Python: os.process_cpu_count())\n";
        // We restrict ourselves to the first CPU we may use, as `taskset -c 0` would, and
        // ask both questions again. (0 means the calling thread; threads started later
        // inherit its mask.)
        cpu_set_t one;
        CPU_ZERO(&one);
        for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
            if (CPU_ISSET(cpu, &allowed)) {
                CPU_SET(cpu, &one);
                break;
            }
        }
        if (sched_setaffinity(0, sizeof one, &one) == 0 &&
            sched_getaffinity(0, sizeof allowed, &allowed) == 0) {
            std::cout << "restricted to one CPU: hardware_concurrency() = "
                      << std::thread::hardware_concurrency()
                      << ", sched_getaffinity = " << CPU_COUNT(&allowed)
                      << ": size pools by what you may use\n";
        }
    }
#endif
}

// Output of one run (ids, their reuse and the order of the lines within a round differ from run
// to run; the CPU counts differ between machines; the last two lines are Linux only):
//
//   $ ./06_ids_and_order
//   main thread id <n>
//   ~ round 1: thread 0 has id <n>
//   ~ round 1: thread 1 has id <n>
//   ~ round 1: thread 2 has id <n>
//   ~ round 1: thread 3 has id <n>
//   ~ round 2: thread 0 has id <n>
//   ~ round 2: thread 1 has id <n>
//   ~ round 2: thread 2 has id <n>
//   ~ round 2: thread 3 has id <n>
//   outside <n>, inside <n>, after join no thread
//   hardware_concurrency() = <n> (Python: os.cpu_count()), so we would start <n> workers
//   CPUs this process may run on (sched_getaffinity) = <n> (Python: os.process_cpu_count())
//   restricted to one CPU: hardware_concurrency() = <n>, sched_getaffinity = 1: size pools by what you may use
