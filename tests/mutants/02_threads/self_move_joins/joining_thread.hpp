// joining_thread.hpp: JoiningThread, a std::thread that joins when it is destroyed (C++20's jthread without the stop part).
#pragma once

#include <stdexcept>
#include <thread>
#include <type_traits>
#include <utility>

namespace course {

/// \brief A thread owner that joins in its destructor, so that forgetting join() waits
/// instead of calling std::terminate. This is the gap C++20 filled with std::jthread
/// (which also carries a stop token; this class leaves that out). It behaves like a Python
/// `threading.Thread` that is started when created and joined when its owner goes away.
///
/// A JoiningThread owns at most one thread. It can be moved (the thread changes owner)
/// but not copied (a thread has one owner). Moving another JoiningThread into one that
/// still owns a running thread first joins that thread: the plain std::thread would call
/// std::terminate there.
///
/// Thread-safety: like std::thread, one JoiningThread object is used by one thread at a
/// time (typically its owner); the thread it runs is of course concurrent with the owner.
///
/// \code
/// std::vector<int> results(2);
/// {
///     course::JoiningThread first([&results] { results[0] = 1; });
///     course::JoiningThread second([](int& slot, int value) { slot = value; }, std::ref(results[1]), 2);
/// }  // both joined here: results is {1, 2}
/// \endcode
class JoiningThread {
public:
    /// \brief An empty JoiningThread: no thread, not joinable.
    JoiningThread() noexcept = default;

    /// \brief Starts a thread that runs `f(args...)`, exactly like `std::thread(f, args...)`:
    /// `f` and every argument are copied (or moved) into the new thread first, so pass
    /// `std::ref(x)` for a reference.
    /// \throws std::system_error when the thread cannot be started.
    template <class Function, class... Args>
        requires(!std::is_same_v<std::remove_cvref_t<Function>, JoiningThread>)
    explicit JoiningThread(Function&& f, Args&&... args)
        : thread_(std::forward<Function>(f), std::forward<Args>(args)...) {}

    /// \brief Takes over `other`'s thread, if any; `other` is left empty.
    JoiningThread(JoiningThread&& other) noexcept = default;

    /// \brief Joins the thread this object owns, if any, then takes over `other`'s thread;
    /// `other` is left empty. Moving an object into itself changes nothing.
    JoiningThread& operator=(JoiningThread&& other) noexcept {
        // Assigning to a joinable std::thread would call std::terminate: join first.
        if (thread_.joinable()) thread_.join();
        thread_ = std::move(other.thread_);
        return *this;
    }

    JoiningThread(const JoiningThread&) = delete;
    JoiningThread& operator=(const JoiningThread&) = delete;

    /// \brief Waits for the owned thread to finish, if there is one. Never detaches: a
    /// detached thread could go on using objects its owner is about to destroy.
    ~JoiningThread() {
        if (thread_.joinable()) thread_.join();
    }

    /// \brief True while this object owns a thread that has not been joined yet (even if
    /// that thread has already finished its work).
    [[nodiscard]] bool joinable() const noexcept { return thread_.joinable(); }

    /// \brief Waits for the thread to finish; afterwards the object is empty.
    /// \throws std::system_error when there is no thread to join (as std::thread::join does),
    ///         or when a thread tries to join itself.
    void join() { thread_.join(); }

    /// \brief The owned thread's id, or a default-constructed `std::thread::id` ("not a
    /// thread") when the object is empty.
    [[nodiscard]] std::thread::id get_id() const noexcept { return thread_.get_id(); }

private:
    std::thread thread_;
};

}  // namespace course
