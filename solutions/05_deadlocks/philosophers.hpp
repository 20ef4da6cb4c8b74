// philosophers.hpp: the dining philosophers, one thread and one fork mutex each, served without a deadlock.
#pragma once

#include <algorithm>
#include <cstddef>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace course {

/// \brief What the philosophers report as they go, for whoever watches the dinner (the tests
/// do). Every member is optional: an empty one is simply not called.
///
/// Philosopher p sits between fork p (on the left) and fork (p + 1) % n (on the right).
/// Each observer is called in the philosopher's own thread, while it holds forks only (never
/// while it holds some other lock of yours): an observer may block for a while, on purpose.
/// Observers must not throw.
struct DinnerObserver {
    /// Once per philosopher, in its own thread, before its first meal.
    std::function<void(int philosopher)> seated;
    /// Just before the philosopher asks for `fork` (a solution that takes both forks at once
    /// reports both before asking).
    std::function<void(int philosopher, int fork)> reaching_for;
    /// Just after the philosopher got `fork`.
    std::function<void(int philosopher, int fork)> picked_up;
    /// Once per meal, while the philosopher holds both of its forks.
    std::function<void(int philosopher)> eating;
};

/// \brief Serves `meals` meals to each of `philosophers` philosophers around a round table,
/// with one `std::mutex` per fork and one thread per philosopher, and never deadlocks.
///
/// Dijkstra's dining philosophers, section 5 of the lesson; in Python, one
/// `threading.Lock()` per fork and one `threading.Thread` per philosopher. A philosopher eats
/// only while holding both neighbouring forks, so two neighbours never eat at the same time.
/// Taking the left fork and then the right one deadlocks as soon as everybody holds a left
/// fork; the tests arrange exactly that moment.
///
/// \param philosophers how many sit at the table (and how many forks lie on it), at least 2.
/// \param meals how many times each philosopher eats, 0 or more.
/// \param observer optional callbacks told about every step (see DinnerObserver).
/// \returns the number of meals each philosopher ate, indexed by philosopher: `meals` each.
/// \throws std::invalid_argument when `philosophers` < 2 or `meals` < 0.
/// \throws std::system_error when a thread cannot be started (the ones started finish first).
///
/// Every philosopher thread has ended when dine() returns.
///
/// \code
/// auto eaten = course::dine(5, 100);  // {100, 100, 100, 100, 100}
/// \endcode
inline std::vector<int> dine(int philosophers, int meals, const DinnerObserver& observer = {}) {
    if (philosophers < 2) throw std::invalid_argument("dine: at least two philosophers are needed");
    if (meals < 0) throw std::invalid_argument("dine: negative number of meals");

    const auto n = static_cast<std::size_t>(philosophers);
    std::vector<std::mutex> forks(n);
    std::vector<int> eaten(n, 0);  // each philosopher writes its own element only

    const auto philosopher = [&](int p) {
        // A global order on the forks: everyone takes the lower-numbered one first. Then
        // nobody ever holds a higher fork while waiting for a lower one, so the waits cannot
        // close a circle (philosopher n-1 reaches for fork 0 before fork n-1).
        const int left = p;
        const int right = (p + 1) % philosophers;
        const int first = std::min(left, right);
        const int second = std::max(left, right);
        if (observer.seated) observer.seated(p);
        for (int meal = 0; meal < meals; ++meal) {
            if (observer.reaching_for) observer.reaching_for(p, first);
            std::lock_guard hold_first(forks[static_cast<std::size_t>(first)]);
            if (observer.picked_up) observer.picked_up(p, first);
            if (observer.reaching_for) observer.reaching_for(p, second);
            std::lock_guard hold_second(forks[static_cast<std::size_t>(second)]);
            if (observer.picked_up) observer.picked_up(p, second);
            if (observer.eating) observer.eating(p);
            ++eaten[static_cast<std::size_t>(p)];
        }  // both forks go back on the table here, the second one first
    };

    {
        std::vector<std::jthread> table;
        table.reserve(n);
        for (int p = 0; p < philosophers; ++p) table.emplace_back(philosopher, p);
    }  // every jthread joins here, also when starting one of them threw
    return eaten;
}

}  // namespace course
