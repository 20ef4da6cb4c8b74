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
    using Result = std::invoke_result_t<Fn&, const Job&>;
    static_assert(!std::is_void_v<Result>, "run_in_order needs a function that returns a value");
    if (workers == 0) throw std::invalid_argument("run_in_order: at least one worker is needed");

    // Each job's index travels through the queue with it: a worker files its result (or its
    // exception) under that index, so the order of completion does not matter.
    std::vector<std::optional<Result>> results(jobs.size());
    std::vector<std::exception_ptr> errors(jobs.size());

    // The queue: job indexes, and a closed flag that tells idle workers to stop.
    std::mutex mutex;
    std::condition_variable changed;
    std::deque<std::size_t> queue;
    bool closed = false;

    const auto next_job = [&]() -> std::optional<std::size_t> {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return !queue.empty() || closed; });
        if (queue.empty()) return std::nullopt;  // closed and drained: stop
        const std::size_t index = queue.front();
        queue.pop_front();
        return index;
    };
    const auto close_queue = [&] {
        {
            std::lock_guard lock(mutex);
            closed = true;
        }
        changed.notify_all();
    };

    std::vector<std::thread> crew;
    try {
        for (std::size_t w = 0; w < std::min(workers, jobs.size()); ++w) {
            crew.emplace_back([&] {
                while (const std::optional<std::size_t> index = next_job()) {
                    // Each index is handled by one worker, so its slots need no lock; join()
                    // below publishes them to this thread.
                    results[*index].emplace(fn(jobs[*index]));
                }
            });
        }
        for (std::size_t index = 0; index < jobs.size(); ++index) {
            {
                std::lock_guard lock(mutex);
                queue.push_back(index);
            }
            changed.notify_one();
        }
    } catch (...) {
        // A thread could not be started: stop and join the ones that were, then report it.
        close_queue();
        for (std::thread& worker : crew) worker.join();
        throw;
    }
    close_queue();  // no more jobs: each worker drains the queue, then returns
    for (std::thread& worker : crew) worker.join();

    for (const std::exception_ptr& error : errors) {
        if (error) std::rethrow_exception(error);
    }
    std::vector<Result> ordered;
    ordered.reserve(jobs.size());
    for (std::optional<Result>& result : results) ordered.push_back(std::move(*result));
    return ordered;
}

}  // namespace course
