// publish_once.hpp: a value one thread writes once and any thread reads afterwards, with no lock.
#pragma once

#include <atomic>
#include <optional>
#include <stdexcept>
#include <utility>

namespace course {

/// \brief A slot that one thread (the publisher) fills once, and that every other thread may
/// read from then on without a lock: publication through one atomic flag.
///
/// The value is plain data, written by the publisher and read by the readers. What makes
/// that legal is the flag: publish() stores the value, then sets the flag with a release
/// store; a reader loads the flag with an acquire load, and when it reads `true` the
/// publisher's write of the value happens before the reader's reads. With a relaxed flag
/// the reads race with the write: undefined behaviour, which x86 hides and
/// ThreadSanitizer reports.
///
/// Python mirror: none is needed in CPython, where the GIL makes one thread's assignment
/// `config = load()` followed by `ready = True` appear in that order to every other
/// thread. The tool Python offers for the purpose is `threading.Event`: `set()` after
/// filling `config`, `wait()` or `is_set()` before reading it.
///
/// Thread-safety: one thread publishes (calling publish() from two threads at once is a
/// data race); any number of threads call try_get() and is_published() at any time,
/// also while the value is being published. A published value never changes and stays
/// where it is until the PublishOnce is destroyed.
///
/// \code
/// course::PublishOnce<std::string> greeting;
/// std::jthread publisher([&] { greeting.publish("hello"); });
/// while (greeting.try_get() == nullptr) std::this_thread::yield();
/// std::cout << *greeting.try_get() << '\n';   // "hello", every time
/// \endcode
template <typename T>
class PublishOnce {
public:
    /// \brief An empty slot: nothing is published yet.
    PublishOnce() {
        // TODO: nothing to do here once the members below are written; delete this body
        //       (or write `PublishOnce() = default;`).
        throw std::logic_error("TODO: publish_once.hpp: PublishOnce is not written yet");
    }

    PublishOnce(const PublishOnce&) = delete;  // readers keep pointers into it
    PublishOnce& operator=(const PublishOnce&) = delete;

    /// \brief Stores `value` (moved in) and then makes it visible to every reader. `T`
    /// needs no default constructor and may be move-only.
    /// \throws std::logic_error when a value was published already; the first one stays.
    void publish(T value) {
        // TODO: throw std::logic_error if a value was published already; otherwise store the
        //       value first, and only then set the flag, with a release store.
        throw std::logic_error("TODO: publish_once.hpp: publish() is not written yet");
    }

    /// \brief The published value, or nothing yet.
    /// \returns a pointer to the value once it is published (the same pointer every time,
    ///          and everything the publisher wrote before publish() is visible through it),
    ///          nullptr before.
    const T* try_get() const noexcept {
        // TODO: load the flag with an acquire load; the value's address when it is set.
        return nullptr;
    }

    /// \brief True once the value is published: try_get() then returns it, and, as with
    /// try_get(), everything the publisher wrote before publish() is visible to this thread.
    bool is_published() const noexcept {
        // TODO: an acquire load of the flag.
        return false;
    }

private:
    // TODO: the value (a std::optional<T> holds a T without needing its default constructor)
    //       and the std::atomic<bool> flag that publishes it.
};

}  // namespace course
