// line_printer.hpp: whole lines from many threads on one stream, never mixed up: the articles' print lock.
#pragma once

#include <cstddef>
#include <mutex>
#include <ostream>
#include <sstream>
#include <string>

namespace course {

/// \brief Writes whole lines to one `std::ostream` from any number of threads, each line
/// in one piece: the articles' print lock (`with print_lock: print(...)`), kept inside a
/// class so that no caller can forget it.
///
/// `print("worker ", id, " finished step ", step)` writes the parts one after the other,
/// formatted as `operator<<` formats them, and then a newline, like Python's
/// `print(..., sep="")`. Lines from different threads come out in some order, but never
/// cut into each other.
///
/// The critical section is small: a line is first formatted into a private buffer with no
/// lock held (formatting can be slow, and runs in parallel in every thread), and only the
/// finished text is written to the stream under the lock. If formatting a part throws,
/// nothing at all is written.
///
/// Thread-safety: `print()` and `lines_printed()` may be called from any thread at once.
/// The printer must be the only writer to the stream while threads print through it
/// (`std::osyncstream` has the same rule: it only protects against other osyncstreams).
///
/// \code
/// course::LinePrinter out(std::cout);
/// std::vector<std::jthread> workers;
/// for (int id = 0; id < 3; ++id) {
///     workers.emplace_back([&out, id] { out.print("worker ", id, " finished"); });
/// }
/// \endcode
class LinePrinter {
public:
    /// \brief A printer writing to `sink`, which must outlive it.
    explicit LinePrinter(std::ostream& sink) : sink_(sink) {}

    LinePrinter(const LinePrinter&) = delete;
    LinePrinter& operator=(const LinePrinter&) = delete;

    /// \brief Writes `parts` and a newline to the stream as one line that no other
    /// thread's line cuts into.
    /// \param parts anything with an `operator<<` for `std::ostream`; none gives an empty
    ///        line.
    /// \throws whatever formatting a part throws; nothing is written then.
    template <class... Parts>
    void print(const Parts&... parts) {
        // Format first, outside the lock: other threads can print meanwhile.
        std::ostringstream line;
        ((line << parts), ...);
        line << '\n';
        const std::string text = std::move(line).str();

        // Then hold the lock only for the write itself.
        std::lock_guard lock(mutex_);
        sink_.write(text.data(), static_cast<std::streamsize>(text.size()));
        ++lines_;
    }

    /// \brief How many lines have been printed so far (by every thread together).
    std::size_t lines_printed() const {
        std::lock_guard lock(mutex_);
        return lines_;
    }

private:
    std::ostream& sink_;        // written only under mutex_
    mutable std::mutex mutex_;  // the print lock
    std::size_t lines_ = 0;     // guarded by mutex_
};

}  // namespace course
