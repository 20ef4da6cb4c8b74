// 05_responsive_ui.cpp: a progress bar stays live while a worker thread computes, and a keypress cancels the worker (the articles' "GUI: use threads").
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <stop_token>
#include <string>
#include <thread>

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
constexpr auto frame = 50ms;  // the UI redraws 20 times a second

// The job: count primes below `limit`, in 100 slices, so it can report progress and
// check for cancellation between slices.
long count_primes_between(long from, long to) {
    long count = 0;
    for (long n = std::max(from, 2L); n < to; ++n) {
        bool prime = true;
        for (long d = 2; d * d <= n && prime; ++d) prime = n % d != 0;
        count += prime;
    }
    return count;
}

// Draws one frame. On a terminal we redraw one line in place; into a pipe or file we
// write one line per frame, so that the output can be read afterwards.
void draw(int percent, int frame_number, const std::string& note) {
    static const char spinner[] = "|/-\\";
    const std::string bar = std::string(static_cast<std::size_t>(percent / 5), '#') + std::string(static_cast<std::size_t>(20 - percent / 5), '.');
    if (isatty(1)) {
        std::printf("\r[%s] %3d%% %c %-24s", bar.c_str(), percent, spinner[frame_number % 4], note.c_str());
    } else {
        std::printf("[%s] %3d%% %c %s\n", bar.c_str(), percent, spinner[frame_number % 4], note.c_str());
    }
    std::fflush(stdout);
}

struct Outcome { int frames; double longest_gap_ms; };

// The UI thread's event loop: wait for a key, a message from the worker, or the next
// frame, whichever comes first. It never computes, so it never freezes.
Outcome ui_loop(int keyboard, int from_worker, std::atomic<int>& percent, std::jthread& worker) {
    Outcome outcome{0, 0};
    auto last_frame = Clock::now();
    std::string note = "working";
    for (bool running = true; running;) {
        const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(last_frame + frame - Clock::now());
        pollfd events[2] = {{keyboard, POLLIN, 0}, {from_worker, POLLIN, 0}};
        ::poll(events, 2, static_cast<int>(std::max(wait, std::chrono::milliseconds::zero()).count()));
        char byte = 0;
        if (events[0].revents & POLLIN && ::read(keyboard, &byte, 1) == 1 && byte == 'q') {
            worker.request_stop();  // cooperative: the worker stops at its next check
            note = "'q' pressed, cancelling";
        }
        if (events[1].revents & POLLIN && ::read(from_worker, &byte, 1) == 1) {
            note = byte == 'd' ? "done" : "cancelled";
            running = false;
        }
        if (!running || Clock::now() >= last_frame + frame) {
            const auto now = Clock::now();
            outcome.longest_gap_ms = std::max(outcome.longest_gap_ms, std::chrono::duration<double, std::milli>(now - last_frame).count());
            last_frame = now;
            draw(percent.load(), outcome.frames++, note);
        }
    }
    if (isatty(1)) std::printf("\n");
    return outcome;
}

// One run: a worker thread computes while the UI loop draws; a scripted "user" presses
// q on the simulated keyboard (a pipe) once the bar passes `press_at` percent.
void run(long limit, int press_at) {
    int keyboard[2], messages[2];
    if (::pipe(keyboard) != 0 || ::pipe(messages) != 0) return;
    std::atomic<int> percent{0};
    long primes = 0;  // written by the worker only, read after join
    std::jthread worker([&percent, &primes, limit, post = messages[1]](std::stop_token stop) {
        for (int slice = 0; slice < 100; ++slice) {
            if (stop.stop_requested()) break;
            primes += count_primes_between(limit * slice / 100, limit * (slice + 1) / 100);
            percent.store(slice + 1);
            percent.notify_all();
        }
        const char message = percent.load() == 100 ? 'd' : 'c';  // post an event to the UI
        if (::write(post, &message, 1) != 1) std::abort();
    });
    std::jthread user([&percent, press_at, key = keyboard[1]] {
        if (press_at > 100) return;  // this user never presses anything
        for (int seen = percent.load(); seen < press_at; seen = percent.load()) percent.wait(seen);
        if (::write(key, "q", 1) != 1) std::abort();
    });
    const Outcome outcome = ui_loop(keyboard[0], messages[0], percent, worker);
    user.join();
    worker.join();
    std::printf("primes found: %ld; frames drawn: %d, longest time between two frames: %.0f ms\n\n", primes,
                outcome.frames, outcome.longest_gap_ms);
    for (int fd : {keyboard[0], keyboard[1], messages[0], messages[1]}) ::close(fd);
}

int main() {
    const long limit = 1'000'000;

    // 1. The frozen UI: the job runs on the UI thread, between two frames.
    std::printf("1. the job runs on the UI thread:\n");
    draw(0, 0, "working");
    const auto start = Clock::now();
    const long primes = count_primes_between(0, limit);
    draw(100, 1, "done");
    if (isatty(1)) std::printf("\n");
    std::printf("primes found: %ld; frames drawn: 2, longest time between two frames: %.0f ms (the UI was frozen)\n\n",
                primes, std::chrono::duration<double, std::milli>(Clock::now() - start).count());

    // 2. The same job on a worker thread: the UI keeps drawing.
    std::printf("2. the job runs on a worker thread:\n");
    run(limit, 101);

    // 3. A job three times longer; the user presses q at 40%, and the worker stops.
    std::printf("3. a longer job, cancelled by a keypress:\n");
    run(3 * limit, 40);
}

// Output of one run (the number of frames, the percentages and the milliseconds vary; the
// bar is a new line per frame when the output is not a terminal):
//
//   $ ./05_responsive_ui
//   1. the job runs on the UI thread:
//   [....................]   0% | working
//   [####################] 100% / done
//   primes found: 78498; frames drawn: 2, longest time between two frames: <n> ms (the UI was frozen)
//
//   2. the job runs on a worker thread:
//   ...
//   [####################] 100% <...> done
//   primes found: 78498; frames drawn: <n>, longest time between two frames: <n> ms
//
//   3. a longer job, cancelled by a keypress:
//   ...
//   [<...>]  <n>% <...> cancelled
//   primes found: <n>; frames drawn: <n>, longest time between two frames: <n> ms
