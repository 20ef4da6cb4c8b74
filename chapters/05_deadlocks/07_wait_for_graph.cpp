// 07_wait_for_graph.cpp: a lock manager that records who holds and waits for which lock, finds the cycle in the wait-for graph, and breaks the deadlock.
#include <algorithm>
#include <condition_variable>
#include <functional>
#include <iostream>
#include <latch>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

// Instead of std::mutex, our threads take named locks from a lock manager, the way a
// database does. The manager keeps two records: "lock L is held by thread T" and
// "thread T waits for lock M". From them it builds the wait-for graph: an edge T -> U
// when T waits for a lock that U holds. A cycle in that graph is a deadlock.
class LockManager {
public:
    // Returns false, without taking the lock, when waiting would close a cycle:
    // the caller is the victim and must release what it holds and retry.
    bool acquire(int thread, const std::string& lock_name) {
        std::unique_lock lock(mutex_);
        if (holder_.count(lock_name) == 0) {
            holder_[lock_name] = thread;
            return true;
        }
        waits_for_[thread] = lock_name;
        if (std::vector<int> cycle = find_cycle(thread); !cycle.empty()) {
            report(thread, lock_name, cycle);
            waits_for_.erase(thread);
            return false;
        }
        // release() hands the lock over to us directly: we wait until we are its holder.
        handed_over_.wait(lock, [&] { return holder_.at(lock_name) == thread; });
        return true;
    }

    // A released lock goes straight to a thread waiting for it (here the lowest id; a real
    // lock manager keeps a first-come queue per lock). Were it simply freed, the victim
    // could grab it back before the waiter woke up, and close the same cycle again.
    void release(const std::string& lock_name) {
        {
            std::lock_guard lock(mutex_);
            const auto waiter = std::find_if(waits_for_.begin(), waits_for_.end(),
                                             [&](const auto& w) { return w.second == lock_name; });
            if (waiter == waits_for_.end()) {
                holder_.erase(lock_name);
            } else {
                holder_[lock_name] = waiter->first;
                waits_for_.erase(waiter);
            }
        }
        handed_over_.notify_all();
    }

private:
    // Each thread waits for at most one lock, and each lock has at most one holder, so
    // every node has at most one outgoing edge: we follow it from `start`. (With shared
    // locks a node could have several edges, and a depth-first search would do this.)
    // A cycle through other threads only would have been found when it closed, earlier.
    std::vector<int> find_cycle(int start) const {
        std::vector<int> path{start};
        int current = start;
        for (;;) {
            const auto wait = waits_for_.find(current);
            if (wait == waits_for_.end()) return {};  // `current` runs: no cycle
            const auto held = holder_.find(wait->second);
            if (held == holder_.end()) return {};  // the lock is free: no cycle
            current = held->second;
            path.push_back(current);
            if (current == start) return path;
            if (path.size() > holder_.size() + 1) return {};
        }
    }

    void report(int thread, const std::string& lock_name, const std::vector<int>& cycle) const {
        std::cout << "thread " << thread << " asks for lock " << lock_name << ". The records:\n";
        for (const auto& [name, holder] : holder_) {
            std::cout << "  thread " << holder << " holds " << name;
            if (const auto w = waits_for_.find(holder); w != waits_for_.end())
                std::cout << ", waits for " << w->second << " (held by thread "
                          << holder_.at(w->second) << ')';
            std::cout << '\n';
        }
        std::cout << "cycle in the wait-for graph:";
        for (std::size_t i = 0; i < cycle.size(); ++i)
            std::cout << (i == 0 ? " " : " -> ") << "thread " << cycle[i];
        std::cout << "\nthread " << thread << " is the victim: its request is refused\n";
    }

    std::mutex mutex_;  // one mutex for the manager's own records: it cannot deadlock
    std::condition_variable handed_over_;
    std::map<std::string, int> holder_;     // lock -> the thread that holds it
    std::map<int, std::string> waits_for_;  // thread -> the lock it waits for
};

std::mutex print_lock;

// A transaction takes two locks. If it is the victim, it rolls back (releases its first
// lock, which goes to the thread waiting for it) and retries, now behind that thread.
void transaction(LockManager& manager, int id, const std::string& first,
                 const std::string& second, std::latch& all_hold_first) {
    for (int attempt = 1;; ++attempt) {
        manager.acquire(id, first);  // holding nothing, we cannot close a cycle here
        // We make all three hold their first lock before asking for the second: the
        // interleaving that deadlocks, forced on the first attempt.
        if (attempt == 1) all_hold_first.arrive_and_wait();
        if (manager.acquire(id, second)) {
            manager.release(second);
            manager.release(first);
            std::lock_guard lock(print_lock);
            std::cout << "thread " << id << " done (" << first << " then " << second << ") after "
                      << attempt << (attempt == 1 ? " attempt\n" : " attempts\n");
            return;
        }
        manager.release(first);  // roll back, then try again
    }
}

int main() {
    LockManager manager;
    std::latch all_hold_first{3};
    // Thread 0 takes A then B, thread 1 B then C, thread 2 C then A: a cycle of three.
    std::jthread t0(transaction, std::ref(manager), 0, "A", "B", std::ref(all_hold_first));
    std::jthread t1(transaction, std::ref(manager), 1, "B", "C", std::ref(all_hold_first));
    std::jthread t2(transaction, std::ref(manager), 2, "C", "A", std::ref(all_hold_first));
}

// Output of one run (which thread closes the cycle, and so becomes the victim, varies
// from run to run, and with it the first lines and the thread that needs 2 attempts):
//
//   $ ./07_wait_for_graph
//   thread <n> asks for lock <...>. The records:
//     thread 0 holds A, waits for B (held by thread 1)
//     thread 1 holds B, waits for C (held by thread 2)
//     thread 2 holds C, waits for A (held by thread 0)
//   cycle in the wait-for graph: thread <n> -> thread <n> -> thread <n> -> thread <n>
//   thread <n> is the victim: its request is refused
//   ~ thread 0 done (A then B) after <n> attempt<...>
//   ~ thread 1 done (B then C) after <n> attempt<...>
//   ~ thread 2 done (C then A) after <n> attempt<...>
