// worker_crew.hpp: the articles' worker pool done right: threads fed by a queue, results in order.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace course {

/// \brief Runs `fn(job)` for every job on a crew of `workers` threads fed by a queue, and
/// returns the results in the order of `jobs`: the C++ mirror of
/// `list(ThreadPoolExecutor(max_workers=workers).map(fn, jobs))`, and of the articles'
/// pool of worker threads calling `q.get()` in a loop.
///
/// The workers start first and wait on the queue; the jobs are then put, in order, and
/// each worker takes the next one as soon as it is free, so up to `workers` jobs run at the
/// same time and the jobs start in the order of `jobs`. They finish in any order, but
/// result i is always `fn(jobs[i])`.
///
/// Every job runs, even when an earlier one throws. When jobs throw, the exception of the
/// first one in the order of `jobs` is rethrown (as iterating over Python's `map()` raises
/// it), once every worker has stopped.
///
/// \param jobs    the inputs, in submission order.
/// \param workers how many threads to start; no more than one per job are started.
/// \param fn      called as `fn(job)` from several threads at once: it must be safe for that.
/// \returns `{fn(jobs[0]), fn(jobs[1]), ...}`.
/// \throws std::invalid_argument when `workers` is 0.
/// \throws whatever the first failing job threw.
///
/// No thread is left running when this function returns or throws: every worker is told to
/// stop (the queue is closed) and joined.
///
/// \code
/// std::vector<std::string> urls = {...};
/// auto sizes = course::run_in_order(urls, 5, [](const std::string& url) {
///     return download(url).size();
/// });
/// // sizes[i] belongs to urls[i], whichever download finished first
/// \endcode
template <typename Job, typename Fn>
auto run_in_order(const std::vector<Job>& jobs, std::size_t workers, Fn fn)
    -> std::vector<std::invoke_result_t<Fn&, const Job&>> {
    // TODO: reject workers == 0 with std::invalid_argument.
    // TODO: make the queue: a std::mutex, a std::condition_variable, a std::deque of job indexes
    //       and a closed flag; and one result slot (std::optional) and one std::exception_ptr
    //       per job, so that a worker files what it produced under the job's index.
    // TODO: start min(workers, jobs.size()) std::threads; each loops: wait for an index or for
    //       "closed and empty" (then return), run fn(jobs[index]) inside try/catch, file it.
    // TODO: put every index in the queue (notify_one each), then close it (notify_all) and join
    //       every thread, also when something throws on the way.
    // TODO: rethrow the first stored exception in job order; otherwise return the results.
    throw std::logic_error("TODO: worker_crew.hpp: run_in_order() is not written yet");
}

}  // namespace course
