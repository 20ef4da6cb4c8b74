// executor_checks.hpp: what only the executor-chapter tests need: their longer patience and bounded waits on futures.
#pragma once

#include <chrono>
#include <future>

#include "bounded_sync.hpp"

namespace course_test {

/// The generous bound on every wait in the executor tests (longer than `patience`: a pool
/// may be slow to start its threads): a correct executor needs microseconds; a wrong one
/// (tasks run one at a time, a lost wake-up) would block forever.
inline constexpr std::chrono::seconds pool_patience{10};

/// True when the future becomes ready within `pool_patience` (a correct pool: at once).
template <class Future>
bool ready_in_time(const Future& future) {
    return future.wait_for(pool_patience) == std::future_status::ready;
}

}  // namespace course_test
