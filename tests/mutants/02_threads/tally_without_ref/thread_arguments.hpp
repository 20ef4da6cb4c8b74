// thread_arguments.hpp: passing arguments to threads: std::ref to share, copies and moves to hand over.
#pragma once

#include <cctype>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace course {

/// \brief A function object that counts the words of the texts it is called with and
/// remembers the longest word. Written for you: the exercise is how threads get to it.
///
/// It is a function object with state, so `std::thread(tally, text)` would run a copy
/// of `tally` and leave the original untouched.
struct WordTally {
    std::size_t words = 0;    ///< words seen so far (runs of non-space characters)
    std::size_t longest = 0;  ///< length of the longest word seen so far

    /// Counts the words of `text` into this tally.
    void operator()(const std::string& text) {
        std::size_t length = 0;
        for (const char c : text + ' ') {
            if (std::isspace(static_cast<unsigned char>(c)) != 0) {
                if (length > 0) ++words;
                if (length > longest) longest = length;
                length = 0;
            } else {
                ++length;
            }
        }
    }
};

/// \brief Tallies each text on a thread of its own, all at the same time: thread i calls
/// `tallies[i](texts[i])`, and the tallies come back once every thread has finished.
/// Python's `threading.Thread(target=tally, args=(text,))` passes references to the same
/// objects; std::thread copies its function and its arguments, so the threads must be
/// given `std::ref(tallies[i])` and `std::cref(texts[i])` to work on the caller's objects.
///
/// \tparam Tally a default-constructible function object callable as `tally(text)` with a
///         `const std::string&`; WordTally by default.
/// \param texts the texts, read by the threads in place (never copied).
/// \returns one tally per text, in the order of the texts: the very objects the threads
///          called (the vector is returned by move, so the elements do not move).
///
/// Every thread is joined before this function returns.
///
/// \code
/// auto tallies = course::tally_in_parallel(std::vector<std::string>{"to be", "or not to be"});
/// // tallies[0].words == 2, tallies[1].words == 4, tallies[1].longest == 3
/// \endcode
template <class Tally = WordTally>
std::vector<Tally> tally_in_parallel(const std::vector<std::string>& texts) {
    std::vector<Tally> tallies(texts.size());
    {
        std::vector<std::jthread> threads;
        threads.reserve(texts.size());
        for (std::size_t i = 0; i < texts.size(); ++i) {
            // Without std::ref the thread would call its own copy of the tally; without
            // std::cref it would read its own copy of the text.
            threads.emplace_back(tallies[i], texts[i]);
        }
    }  // the jthreads join here, before anyone reads a tally
    return tallies;
}

/// \brief Starts a thread that calls `job("job #<id>")` and returns it at once, without
/// waiting for the job: the caller joins the returned std::jthread (or lets it join
/// itself when it goes out of scope).
///
/// The label is built inside this function, which has returned by the time the job reads
/// it, so the thread must own its label: move the string into the thread. (A reference
/// to the local, through `std::cref` or a `[&]` lambda, would dangle.) Python never has
/// this problem, because its objects live as long as someone refers to them.
///
/// \param id  the job's number, shown in its label.
/// \param job called once, on the new thread.
/// \returns the running thread.
/// \throws std::invalid_argument when `job` is empty.
/// \throws std::system_error when the thread cannot be started.
///
/// \code
/// std::jthread worker = course::start_labelled_job(7, [](const std::string& label) {
///     std::cout << label << '\n';  // job #7
/// });
/// \endcode
inline std::jthread start_labelled_job(int id, std::function<void(const std::string&)> job) {
    if (!job) throw std::invalid_argument("start_labelled_job: empty job");
    std::string label = "job #" + std::to_string(id);
    // Both are moved into storage the new thread owns: nothing refers to this frame.
    return std::jthread(std::move(job), std::move(label));
}

}  // namespace course
