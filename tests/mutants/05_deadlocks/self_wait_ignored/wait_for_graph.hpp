// wait_for_graph.hpp: a lock manager's wait-for graph, and the deadlock cycle in it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <map>
#include <set>
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
    std::map<std::string, std::vector<int>> holders;
    WaitForGraph graph;
    for (const Holding& h : holding) {
        holders[h.lock].push_back(h.thread);
        graph[h.thread];  // every thread named gets a key
    }
    for (const Waiting& w : waiting) {
        std::set<int>& waits_for = graph[w.thread];
        const auto found = holders.find(w.lock);
        if (found == holders.end()) continue;
        for (const int holder : found->second) {
            if (holder != w.thread) waits_for.insert(holder);
        }
    }
    return graph;
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
    // Depth-first search with three states: a thread on the current path is "on_path";
    // one whose every onward path has been searched is "finished" (no cycle through it can
    // be found any more). Reaching a thread on the path closes a cycle; reaching a finished
    // one does not: two paths that meet again (a diamond) are no cycle.
    enum class State { on_path, finished };
    std::map<int, State> state;
    static const std::set<int> none;
    const auto targets = [&](int thread) -> const std::set<int>& {
        const auto found = graph.find(thread);
        return found == graph.end() ? none : found->second;
    };

    for (const auto& [start, ignored] : graph) {
        if (state.count(start) != 0) continue;
        // The path, each thread with the next of its targets still to try.
        std::vector<std::pair<int, std::set<int>::const_iterator>> path;
        state[start] = State::on_path;
        path.emplace_back(start, targets(start).begin());
        while (!path.empty()) {
            auto& [thread, next] = path.back();
            if (next == targets(thread).end()) {
                state[thread] = State::finished;
                path.pop_back();
                continue;
            }
            const int target = *next++;
            const auto seen = state.find(target);
            if (seen == state.end()) {
                state[target] = State::on_path;
                path.emplace_back(target, targets(target).begin());
            } else if (seen->second == State::on_path) {
                // The cycle is the path from `target` on; what comes before it is a tail.
                const auto from = std::find_if(path.begin(), path.end(),
                                               [&](const auto& step) { return step.first == target; });
                std::vector<int> cycle;
                for (auto it = from; it != path.end(); ++it) cycle.push_back(it->first);
                std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()), cycle.end());
                return cycle;
            }
        }
    }
    return {};
}

}  // namespace course
