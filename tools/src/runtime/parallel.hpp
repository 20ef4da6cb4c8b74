// parallel.hpp: run independent jobs in forked worker processes (the course tool has no threads).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace course {

/// Computes `job(i, worker)` for every i below `count` in `workers` forked processes
/// (`worker` says which, from 0), and returns the results in order. A job's result is text
/// (serialise what you need). A worker that dies leaves its unfinished results empty. The
/// caller must be single-threaded. `done`, when given, is called in the caller's process as
/// each result arrives, with its index and the result (for progress reports); `tick`, when
/// given, about every 100 ms while it waits (for a spinner).
std::vector<std::string> parallel_map(std::size_t count, int workers,
                                      const std::function<std::string(std::size_t, int)>& job,
                                      const std::function<void(std::size_t, const std::string&)>& done = {},
                                      const std::function<void()>& tick = {});

}  // namespace course
