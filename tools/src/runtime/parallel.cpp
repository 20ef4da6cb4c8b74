// parallel.cpp: forked workers, each sending framed results back through its own pipe.
#include "parallel.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <system_error>

#include "platform_calls.hpp"
#include "text.hpp"

namespace course {

namespace {

/// A worker's pipe and what has arrived on it so far.
struct Channel {
    pid_t pid = -1;
    int fd = -1;
    std::string buffer;
};

/// Frames are: index (8 bytes), length (8 bytes), then the result's bytes.
void take_frames(Channel& channel, std::vector<std::string>& results,
                 const std::function<void(std::size_t, const std::string&)>& done) {
    constexpr std::size_t header = 2 * sizeof(std::uint64_t);
    for (;;) {
        if (channel.buffer.size() < header) return;
        std::uint64_t index = 0;
        std::uint64_t length = 0;
        channel.buffer.copy(reinterpret_cast<char*>(&index), sizeof index, 0);
        channel.buffer.copy(reinterpret_cast<char*>(&length), sizeof length, sizeof index);
        if (channel.buffer.size() < header + length) return;
        channel.buffer.erase(0, header);
        if (index < results.size()) {
            results[index] = channel.buffer.substr(0, length);
            if (done) done(index, results[index]);
        }
        channel.buffer.erase(0, length);
    }
}

}  // namespace

std::vector<std::string> parallel_map(std::size_t count, int workers,
                                      const std::function<std::string(std::size_t, int)>& job,
                                      const std::function<void(std::size_t, const std::string&)>& done,
                                      const std::function<void()>& tick) {
    std::vector<std::string> results(count);
    if (count == 0) return results;
    if (workers < 1) workers = 1;
    if (static_cast<std::size_t>(workers) > count) workers = static_cast<int>(count);

    std::vector<Channel> channels;
    for (int w = 0; w < workers; ++w) {
        int fds[2];
        if (platform::open_pipe(fds) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
        const pid_t pid = fork();
        if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork");
        if (pid == 0) {
            close(fds[0]);
            for (const Channel& other : channels) close(other.fd);
            for (std::size_t i = static_cast<std::size_t>(w); i < count; i += static_cast<std::size_t>(workers)) {
                const std::string result = job(i, w);
                const std::uint64_t index = i;
                const std::uint64_t length = result.size();
                if (!write_all(fds[1], &index, sizeof index) || !write_all(fds[1], &length, sizeof length) ||
                    !write_all(fds[1], result.data(), result.size())) {
                    _exit(1);
                }
            }
            _exit(0);
        }
        close(fds[1]);
        channels.push_back({pid, fds[0], {}});
    }

    while (!channels.empty()) {
        std::vector<pollfd> fds;
        for (const Channel& c : channels) fds.push_back({c.fd, POLLIN, 0});
        const int ready = poll(fds.data(), fds.size(), tick ? 100 : -1);
        if (ready < 0) {
            if (errno == EINTR) continue;
            throw std::system_error(errno, std::generic_category(), "poll");
        }
        if (tick) tick();
        if (ready == 0) continue;
        std::vector<Channel> still_open;
        for (std::size_t k = 0; k < channels.size(); ++k) {
            Channel& c = channels[k];
            if ((fds[k].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
                char chunk[65536];
                const ssize_t n = read(c.fd, chunk, sizeof chunk);
                if (n > 0) {
                    c.buffer.append(chunk, static_cast<std::size_t>(n));
                    take_frames(c, results, done);
                } else if (n == 0 || errno != EINTR) {
                    // The worker is done (or died): reap it and stop listening.
                    close(c.fd);
                    while (waitpid(c.pid, nullptr, 0) < 0 && errno == EINTR) {
                    }
                    continue;
                }
            }
            still_open.push_back(std::move(c));
        }
        channels = std::move(still_open);
    }
    return results;
}

}  // namespace course
