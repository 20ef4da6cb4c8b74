// test_wait_for_graph.cpp: tests for build_wait_for_graph() and find_deadlock(), a lock manager's deadlock detector.
#include <doctest/doctest.h>

#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "deadlock_test_printing.hpp"
#include "wait_for_graph.hpp"

using course::build_wait_for_graph;
using course::find_deadlock;
using course::WaitForGraph;

namespace {

/// True when `cycle` is a cycle of `graph` as find_deadlock() promises: not empty, no
/// thread twice, each waiting for the next and the last for the first, smallest first.
bool is_reported_cycle(const WaitForGraph& graph, const std::vector<int>& cycle) {
    if (cycle.empty()) return false;
    if (std::set<int>(cycle.begin(), cycle.end()).size() != cycle.size()) return false;
    for (std::size_t i = 0; i < cycle.size(); ++i) {
        const int from = cycle[i];
        const int to = cycle[(i + 1) % cycle.size()];
        const auto found = graph.find(from);
        if (found == graph.end() || found->second.count(to) == 0) return false;
        if (cycle[i] < cycle[0]) return false;
    }
    return true;
}

/// Whether `graph` has a cycle, the other way: repeatedly remove threads that wait for
/// nobody left (Kahn's algorithm); a cycle is what can never be removed.
bool has_cycle(const WaitForGraph& graph) {
    std::map<int, int> waits_on;  // for each thread, how many threads it still waits for
    std::map<int, std::vector<int>> waited_on_by;
    for (const auto& [thread, targets] : graph) {
        waits_on[thread] += static_cast<int>(targets.size());
        for (const int target : targets) {
            waits_on[target] += 0;
            waited_on_by[target].push_back(thread);
        }
    }
    std::vector<int> free;
    for (const auto& [thread, count] : waits_on) {
        if (count == 0) free.push_back(thread);
    }
    std::size_t removed = 0;
    while (!free.empty()) {
        const int thread = free.back();
        free.pop_back();
        ++removed;
        for (const int waiter : waited_on_by[thread]) {
            if (--waits_on[waiter] == 0) free.push_back(waiter);
        }
    }
    return removed != waits_on.size();
}

}  // namespace

TEST_CASE("a thread waiting for a lock another thread holds waits for that thread") {
    const WaitForGraph expected{{1, {}}, {2, {1}}};
    CHECK(build_wait_for_graph({{1, "A"}}, {{2, "A"}}) == expected);
}

TEST_CASE("a shared lock held by several threads makes its waiter wait for each of them") {
    const WaitForGraph expected{{1, {}}, {2, {1, 3}}, {3, {}}, {4, {}}};
    CHECK(build_wait_for_graph({{1, "A"}, {3, "A"}, {4, "B"}}, {{2, "A"}}) == expected);
}

TEST_CASE("a lock that nobody holds makes no edge, but its waiter is still in the graph") {
    const WaitForGraph expected{{1, {}}, {5, {}}};
    CHECK(build_wait_for_graph({{1, "A"}}, {{5, "B"}}) == expected);
}

TEST_CASE("a thread waiting for several locks waits for the holders of each") {
    const WaitForGraph expected{{1, {}}, {2, {}}, {3, {1, 2}}};
    CHECK(build_wait_for_graph({{1, "A"}, {2, "B"}}, {{3, "A"}, {3, "B"}}) == expected);
}

TEST_CASE("no records give an empty graph") {
    CHECK(build_wait_for_graph({}, {}).empty());
    const WaitForGraph holders_only{{1, {}}, {2, {}}};
    CHECK(build_wait_for_graph({{1, "A"}, {2, "B"}}, {}) == holders_only);
}

TEST_CASE("two threads waiting for each other's lock are a deadlock") {
    // Section 1 of the lesson: thread 1 holds A and waits for B, thread 2 the other way.
    const WaitForGraph graph = build_wait_for_graph({{1, "A"}, {2, "B"}}, {{1, "B"}, {2, "A"}});
    CHECK(graph == WaitForGraph{{1, {2}}, {2, {1}}});
    CHECK(find_deadlock(graph) == std::vector<int>{1, 2});
}

TEST_CASE("a thread waiting for a lock it holds itself deadlocks alone") {
    const WaitForGraph graph = build_wait_for_graph({{7, "A"}, {8, "B"}}, {{7, "A"}, {8, "A"}});
    CHECK(graph == WaitForGraph{{7, {7}}, {8, {7}}});
    CHECK(find_deadlock(graph) == std::vector<int>{7});
}

TEST_CASE("a diamond of waits is not a deadlock") {
    // 1 waits for 2 and 3, both wait for 4: two paths meet at 4, but nothing leads back.
    CHECK(find_deadlock({{1, {2, 3}}, {2, {4}}, {3, {4}}, {4, {}}}).empty());
    // The same from records: 1 waits for a lock that 2 and 3 share, both wait for 4's lock.
    const WaitForGraph graph =
        build_wait_for_graph({{2, "A"}, {3, "A"}, {4, "B"}}, {{1, "A"}, {2, "B"}, {3, "B"}});
    CHECK(find_deadlock(graph).empty());
    // Threads that wait for nobody, and no threads at all.
    CHECK(find_deadlock({{1, {}}, {2, {}}}).empty());
    CHECK(find_deadlock({}).empty());
}

TEST_CASE("a thread that appears only as a target waits for nobody") {
    // The example of the documentation: 4 has no key of its own.
    CHECK(find_deadlock({{1, {2, 3}}, {2, {4}}, {3, {4}}}).empty());
    CHECK(find_deadlock({{1, {2}}, {2, {3}}}).empty());
    CHECK(find_deadlock({{1, {2}}, {2, {1, 9}}}) == std::vector<int>{1, 2});
}

TEST_CASE("with several cycles, one of them comes back whole") {
    // Two cycles apart, and two that share a thread (a figure eight): any one of the cycles
    // is a right answer, a mix of them is not.
    const WaitForGraph apart{{1, {2}}, {2, {1}}, {5, {6}}, {6, {7}}, {7, {5}}};
    const std::vector<int> one = find_deadlock(apart);
    CHECK_MESSAGE(is_reported_cycle(apart, one), "returned " << course_test::braced(one));
    const WaitForGraph figure_eight{{1, {2}}, {2, {1, 3}}, {3, {2}}};
    const std::vector<int> other = find_deadlock(figure_eight);
    CHECK_MESSAGE(is_reported_cycle(figure_eight, other),
                  "returned " << course_test::braced(other));
    const WaitForGraph self_and_pair{{4, {4}}, {6, {7}}, {7, {6}}};
    const std::vector<int> third = find_deadlock(self_and_pair);
    CHECK_MESSAGE(is_reported_cycle(self_and_pair, third),
                  "returned " << course_test::braced(third));
}

TEST_CASE("the cycle comes back in the order of the waits, starting with its smallest thread") {
    // 5 waits for 9, 9 for 2, 2 for 5.
    CHECK(find_deadlock({{5, {9}}, {9, {2}}, {2, {5}}}) == std::vector<int>{2, 5, 9});
    // 2 waits for 9, 9 for 5, 5 for 2: the same threads, the other way round.
    CHECK(find_deadlock({{2, {9}}, {9, {5}}, {5, {2}}}) == std::vector<int>{2, 9, 5});
}

TEST_CASE("threads that only wait on a cycle are not part of it") {
    // 0 and 4 wait, through 0, for the cycle 1 -> 2 -> 3 -> 1, without being on it.
    CHECK(find_deadlock({{4, {0}}, {0, {1}}, {1, {2}}, {2, {3}}, {3, {1}}}) == std::vector<int>{1, 2, 3});
}

TEST_CASE("a cycle among threads searched late is still found") {
    // The first threads form a chain and a diamond without a cycle; the cycle is further on.
    const WaitForGraph graph{{1, {2}}, {2, {3, 4}}, {3, {5}}, {4, {5}}, {5, {}},
                             {10, {11}}, {11, {12}}, {12, {11}}};
    CHECK(find_deadlock(graph) == std::vector<int>{11, 12});
}

TEST_CASE("a long chain of waits is followed to its end") {
    // Deep enough that a recursive search may overflow a thread's stack: use a loop.
    constexpr int length = 100000;
    WaitForGraph chain;
    for (int t = 0; t < length - 1; ++t) chain[t] = {t + 1};
    chain[length - 1] = {};
    CHECK(find_deadlock(chain).empty());
    chain[length - 1] = {length / 2};  // the last one waits for the middle one: a cycle
    const std::vector<int> cycle = find_deadlock(chain);
    REQUIRE(cycle.size() == static_cast<std::size_t>(length - length / 2));
    CHECK(cycle.front() == length / 2);
    CHECK(cycle.back() == length - 1);
}

TEST_CASE("on many random lock tables, a deadlock is reported exactly when there is one") {
    std::mt19937 random(20260529);
    int with_cycle = 0;
    for (int table = 0; table < 400; ++table) {
        const int threads = 2 + static_cast<int>(random() % 8);
        const int locks = 1 + static_cast<int>(random() % 8);
        std::vector<course::Holding> holding;
        std::vector<course::Waiting> waiting;
        for (int t = 0; t < threads; ++t) {
            const auto lock_name = [&] { return std::string(1, static_cast<char>('A' + random() % static_cast<unsigned>(locks))); };
            if (random() % 3 != 0) holding.push_back({t, lock_name()});
            if (random() % 2 != 0) waiting.push_back({t, lock_name()});
        }
        const WaitForGraph graph = build_wait_for_graph(holding, waiting);
        const std::vector<int> cycle = find_deadlock(graph);
        CAPTURE(table);
        if (has_cycle(graph)) {
            ++with_cycle;
            CHECK(is_reported_cycle(graph, cycle));
        } else {
            CHECK(cycle.empty());
        }
    }
    CHECK(with_cycle > 20);  // the tables above really exercise both answers
}
