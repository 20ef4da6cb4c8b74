// wait_for_graph.hpp: a lock manager's wait-for graph, and the deadlock cycle in it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace course {

/// \brief A lock manager's record: `thread` holds `lock` (a shared lock may have several
/// holders).
struct Holding {
    int thread;
    std::string lock;
};

/// \brief A lock manager's record: `thread` is blocked, waiting for `lock`.
struct Waiting {
    int thread;
    std::string lock;
};

/// \brief A wait-for graph: for each thread, the threads it waits for.
using WaitForGraph = std::map<int, std::set<int>>;

/// \brief Builds the wait-for graph from a lock manager's records: an edge from T to U when
/// T waits for a lock that U holds.
///
/// Section 6 of the lesson, the graph a database draws before it picks a victim. A thread
/// waiting for a lock it holds itself gets an edge to itself (it waits forever, as a
/// `std::mutex` locked twice does). A lock that nobody holds gives no edge: the waiter will
/// get it.
///
/// \returns a key for every thread named in any record, each with the set of threads it
///          waits for (empty when none).
///
/// Pure function: no state, safe to call from any thread.
///
/// \code
/// auto graph = course::build_wait_for_graph({{1, "A"}, {2, "B"}}, {{1, "B"}, {2, "A"}});
/// // {1: {2}, 2: {1}}
/// \endcode
inline WaitForGraph build_wait_for_graph(const std::vector<Holding>& holding,
                                         const std::vector<Waiting>& waiting) {
    // TODO: map each lock to the threads holding it.
    // TODO: give every thread named in a record a key in the graph.
    // TODO: for each waiting record, add an edge from the waiting thread to every holder of
    //       its lock (itself included).
    throw std::logic_error("TODO: wait_for_graph.hpp: build_wait_for_graph() is not written yet");
}

/// \brief Finds a deadlock: a cycle in the wait-for graph.
///
/// \param graph for each thread, the threads it waits for; a thread that appears only as a
///        target waits for nobody.
/// \returns the threads of one cycle, each waiting for the next and the last for the first,
///          rotated to start with its smallest thread id: `{3}` for a thread waiting for
///          itself, `{1, 2}` for two threads waiting for each other. Only the cycle: threads
///          that wait for a member of the cycle without being on it are left out. Empty when
///          there is no cycle. When there are several cycles, any one of them.
///
/// Runs in time proportional to the number of threads plus edges, without recursion, so a
/// chain of a million waits is fine.
///
/// \code
/// course::find_deadlock({{1, {2}}, {2, {3}}, {3, {2}}});  // {2, 3}: thread 1 only waits on it
/// course::find_deadlock({{1, {2, 3}}, {2, {4}}, {3, {4}}});  // {}: a diamond, no cycle
/// \endcode
inline std::vector<int> find_deadlock(const WaitForGraph& graph) {
    // TODO: a depth-first search from every thread not searched yet, with a loop and a
    //       stack (not recursion), telling apart threads on the current path from threads
    //       already finished.
    // TODO: reaching a thread on the current path closes a cycle: return that part of the
    //       path, rotated to start with its smallest thread id.
    // TODO: no cycle anywhere: return an empty vector.
    throw std::logic_error("TODO: wait_for_graph.hpp: find_deadlock() is not written yet");
}

}  // namespace course
