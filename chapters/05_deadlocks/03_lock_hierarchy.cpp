// 03_lock_hierarchy.cpp: a hierarchical mutex that throws when a thread takes locks out of order, on every run, before anything can hang.
#include <algorithm>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

// Each mutex gets a level. The rule: while holding locks, a thread may only lock a
// mutex whose level is LOWER than all the levels it holds. If every thread follows one
// order, no cycle of waits can form, so no deadlock. We check the rule at run time.
class HierarchicalMutex {
public:
    HierarchicalMutex(int level, std::string name) : level_(level), name_(std::move(name)) {}

    void lock() {
        check_order();
        mutex_.lock();
        held_by_this_thread.push_back(this);
    }
    bool try_lock() {
        check_order();
        if (!mutex_.try_lock()) return false;
        held_by_this_thread.push_back(this);
        return true;
    }
    void unlock() {
        // Usually the last one taken, but we allow any order of release.
        auto& held = held_by_this_thread;
        held.erase(std::find(held.rbegin(), held.rend(), this).base() - 1);
        mutex_.unlock();
    }

private:
    void check_order() const {
        // We throw before blocking: a violation is reported even on runs where the
        // other thread is elsewhere and nothing would have hung.
        for (const HierarchicalMutex* held : held_by_this_thread)
            if (held->level_ <= level_)
                throw std::logic_error("lock order violation: '" + name_ + "' (level " +
                                       std::to_string(level_) + ") after '" + held->name_ +
                                       "' (level " + std::to_string(held->level_) + ")");
    }

    // The locks the current thread holds: one list per thread, so no lock needed.
    static thread_local std::vector<const HierarchicalMutex*> held_by_this_thread;

    const int level_;
    const std::string name_;
    std::mutex mutex_;
};

thread_local std::vector<const HierarchicalMutex*> HierarchicalMutex::held_by_this_thread;

// Our program's order, highest first: accounts, then the ledger, then the log.
HierarchicalMutex accounts(300, "accounts");
HierarchicalMutex ledger(200, "ledger");
HierarchicalMutex audit_log(100, "log");

int main() {
    // It has lock() and unlock(), so std::lock_guard and std::unique_lock work with it.
    std::thread good([] {
        std::lock_guard a(accounts);
        std::lock_guard l(ledger);
        std::lock_guard g(audit_log);
        std::cout << "good thread: took accounts, ledger, log: in order, allowed\n";
    });
    good.join();

    // This thread writes to the log and then wants the accounts: the opposite order of
    // the good thread, the recipe for a deadlock. We refuse it at the second lock().
    std::thread bad([] {
        try {
            std::lock_guard g(audit_log);
            std::lock_guard a(accounts);
            std::cout << "bad thread: not reached\n";
        } catch (const std::logic_error& e) {
            std::cout << "bad thread: logic_error: " << e.what() << '\n';
        }
    });
    bad.join();

    // A thread may release and take a higher lock again once it holds nothing above it.
    {
        std::unique_lock g(audit_log);
        g.unlock();
        std::lock_guard a(accounts);
        std::cout << "main: log released first, so taking accounts afterwards is allowed\n";
    }
}

// Output of one run (the same on every run):
//
//   $ ./03_lock_hierarchy
//   good thread: took accounts, ledger, log: in order, allowed
//   bad thread: logic_error: lock order violation: 'accounts' (level 300) after 'log' (level 100)
//   main: log released first, so taking accounts afterwards is allowed
