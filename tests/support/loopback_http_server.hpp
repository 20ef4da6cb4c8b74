// loopback_http_server.hpp: a small HTTP/1.0 server on 127.0.0.1 that counts the requests in flight, for the download tests.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

namespace course_test {

/// An HTTP/1.0 server on 127.0.0.1, on a port the kernel picks, started and stopped by a
/// test. Each connection gets a thread of its own. It serves:
///   - `/page/<anything>`: status 200 and `page_body(path)`;
///   - `/big`: status 200 and `big_body()`, 256 KiB written in many small writes, so that
///     one read can never return the whole reply;
///   - any other path: status 404.
///
/// It counts the requests in flight (received and not yet answered) and records the peak,
/// which is how the tests PROVE how many downloads overlapped: never by timing.
/// A request counts as answered just before the server closes the connection, that is
/// before the client can see the end of the reply.
///
/// With hold_until(), the server keeps requests waiting at a gate, which gives a client
/// the time to start all the requests it is allowed to (and a wrong client the time to
/// start too many).
class LoopbackHttpServer {
public:
    using Clock = std::chrono::steady_clock;
    enum class Order { as_they_come, last_first };

    LoopbackHttpServer() {
        listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (listener_ < 0) throw std::system_error(errno, std::generic_category(), "test server: socket");
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        if (::bind(listener_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
            ::listen(listener_, 128) != 0 ||
            ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
            ::pipe2(stop_pipe_, O_CLOEXEC) != 0) {
            const int error = errno;
            ::close(listener_);
            throw std::system_error(error, std::generic_category(), "test server: bind/listen");
        }
        port_ = ntohs(address.sin_port);
        acceptor_ = std::thread([this] { accept_loop(); });
    }

    LoopbackHttpServer(const LoopbackHttpServer&) = delete;
    LoopbackHttpServer& operator=(const LoopbackHttpServer&) = delete;

    ~LoopbackHttpServer() {
        {
            const std::lock_guard lock(mutex_);
            open_gate_locked();
            stopping_ = true;
        }
        changed_.notify_all();
        [[maybe_unused]] const ssize_t n = ::write(stop_pipe_[1], "x", 1);
        acceptor_.join();
        std::vector<std::thread> handlers;
        {
            const std::lock_guard lock(mutex_);
            handlers.swap(handlers_);
        }
        for (std::thread& handler : handlers) handler.join();
        ::close(listener_);
        ::close(stop_pipe_[0]);
        ::close(stop_pipe_[1]);
    }

    int port() const { return port_; }

    /// "http://127.0.0.1:<port><path>"
    std::string url(std::string_view path) const {
        return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
    }

    /// The body the server sends for `/page/...` paths.
    static std::string page_body(std::string_view path) {
        std::string body;
        for (int line = 0; line < 20; ++line) body += "line " + std::to_string(line) + " of " + std::string(path) + "\n";
        return body;
    }

    /// The body of `/big`: 256 KiB, every byte value present.
    static std::string big_body() {
        std::string body(256 * 1024, '\0');
        for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>((i * 7 + i / 251) & 0xff);
        return body;
    }

    /// From now on, hold every request at a gate until `expected` requests are in flight
    /// at once; then keep the gate shut `grace` longer, so that a client that starts more
    /// than it should gets the chance to, and open it. It opens at once if more than
    /// `expected` are in flight, and after `patience` (counted from this call) whatever
    /// happens: a client that never reaches `expected` is slow to fail, never stuck.
    /// With Order::last_first, the requests held at the gate are answered one at a time,
    /// the last to arrive first, so that they complete in the reverse order.
    void hold_until(std::size_t expected, Order order = Order::as_they_come,
                    std::chrono::milliseconds grace = std::chrono::milliseconds(200),
                    std::chrono::milliseconds patience = std::chrono::milliseconds(5000)) {
        const std::lock_guard lock(mutex_);
        holding_ = true;
        gate_open_ = false;
        expected_ = expected;
        order_ = order;
        grace_ = grace;
        hold_started_ = Clock::now();
        patience_ = patience;
        reached_ = in_flight_ >= expected;
        reached_at_ = hold_started_;
    }

    /// The largest number of requests that were in flight at the same time.
    std::size_t peak_in_flight() const {
        const std::lock_guard lock(mutex_);
        return peak_;
    }

    /// The number of requests answered so far (malformed ones included).
    std::size_t requests_answered() const {
        const std::lock_guard lock(mutex_);
        return answered_;
    }

    /// True when a hold ended because its patience ran out.
    bool ran_out_of_patience() const {
        const std::lock_guard lock(mutex_);
        return gave_up_;
    }

private:
    void accept_loop() {
        for (;;) {
            pollfd watch[2] = {{listener_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
            if (::poll(watch, 2, -1) < 0) {
                if (errno == EINTR) continue;
                return;
            }
            if (watch[1].revents != 0) return;
            const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
            if (client < 0) continue;
            const std::lock_guard lock(mutex_);
            handlers_.emplace_back([this, client] { serve(client); });
        }
    }

    static void write_all(int fd, std::string_view data) {
        while (!data.empty()) {
            const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return;  // the client went away
            data.remove_prefix(static_cast<std::size_t>(n));
        }
    }

    void serve(int client) {
        std::string request;
        char buffer[1024];
        while (request.find("\r\n\r\n") == std::string::npos && request.size() < 65536) {
            const ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            request.append(buffer, static_cast<std::size_t>(n));
        }
        std::string path;
        if (request.rfind("GET ", 0) == 0) {
            const std::size_t end = request.find(' ', 4);
            if (end != std::string::npos) path = request.substr(4, end - 4);
        }

        std::unique_lock lock(mutex_);
        const std::size_t ticket = arrivals_++;
        ++in_flight_;
        peak_ = std::max(peak_, in_flight_);
        if (holding_ && !reached_ && in_flight_ >= expected_) {
            reached_ = true;
            reached_at_ = Clock::now();
        }
        changed_.notify_all();
        wait_at_gate(lock, ticket);
        lock.unlock();

        reply(client, path);

        lock.lock();
        --in_flight_;
        ++answered_;
        lock.unlock();
        ::close(client);  // only now can the client see the end of the reply
        lock.lock();
        if (!release_order_.empty() && release_order_.front() == ticket) release_order_.pop_front();
        lock.unlock();
        changed_.notify_all();
    }

    // Called with the lock held; returns when this request may be answered.
    void wait_at_gate(std::unique_lock<std::mutex>& lock, std::size_t ticket) {
        if (holding_ && !gate_open_) {
            waiting_.push_back(ticket);
            while (!gate_open_) {
                if (in_flight_ > expected_) {
                    open_gate_locked();
                } else if (reached_) {
                    if (Clock::now() >= reached_at_ + grace_) open_gate_locked();
                    else changed_.wait_until(lock, reached_at_ + grace_);
                } else if (Clock::now() >= hold_started_ + patience_) {
                    gave_up_ = true;
                    open_gate_locked();
                } else {
                    changed_.wait_until(lock, hold_started_ + patience_);
                }
            }
            changed_.notify_all();
        }
        // Those that were held answer one at a time, in the order chosen at opening.
        while (std::find(release_order_.begin(), release_order_.end(), ticket) != release_order_.end() &&
               release_order_.front() != ticket && !stopping_) {
            changed_.wait(lock);
        }
    }

    void open_gate_locked() {
        if (gate_open_) return;
        gate_open_ = true;
        holding_ = false;
        if (order_ == Order::last_first) release_order_.assign(waiting_.rbegin(), waiting_.rend());
        waiting_.clear();
    }

    void reply(int client, const std::string& path) {
        std::string status = "200 OK";
        std::string body;
        if (path.rfind("/page/", 0) == 0) {
            body = page_body(path);
        } else if (path == "/big") {
            body = big_body();
        } else {
            status = "404 Not Found";
            body = "no such page: " + path + "\n";
        }
        write_all(client, "HTTP/1.0 " + status + "\r\nContent-Type: text/plain\r\nContent-Length: " +
                              std::to_string(body.size()) + "\r\n\r\n");
        // Small pieces, so that a client reading once gets only part of the reply.
        const std::string_view rest(body);
        for (std::size_t at = 0; at < rest.size(); at += 4096) write_all(client, rest.substr(at, 4096));
    }

    int listener_ = -1;
    int stop_pipe_[2] = {-1, -1};
    int port_ = 0;
    std::thread acceptor_;

    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<std::thread> handlers_;
    bool stopping_ = false;
    std::size_t arrivals_ = 0;
    std::size_t in_flight_ = 0;
    std::size_t peak_ = 0;
    std::size_t answered_ = 0;

    bool holding_ = false;
    bool gate_open_ = true;
    bool reached_ = false;
    bool gave_up_ = false;
    std::size_t expected_ = 0;
    Order order_ = Order::as_they_come;
    std::chrono::milliseconds grace_{0};
    std::chrono::milliseconds patience_{0};
    Clock::time_point hold_started_{};
    Clock::time_point reached_at_{};
    std::vector<std::size_t> waiting_;
    std::deque<std::size_t> release_order_;
};

/// A port on 127.0.0.1 where nothing listens, reserved for as long as this object lives
/// (bound, never listening), so that a connection to it is refused at once.
class RefusingPort {
public:
    RefusingPort() {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        if (fd_ < 0 || ::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
            ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
            throw std::system_error(errno, std::generic_category(), "RefusingPort");
        }
        port_ = ntohs(address.sin_port);
    }
    RefusingPort(const RefusingPort&) = delete;
    RefusingPort& operator=(const RefusingPort&) = delete;
    ~RefusingPort() { ::close(fd_); }
    std::string url(std::string_view path) const {
        return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
    }

private:
    int fd_ = -1;
    int port_ = 0;
};

}  // namespace course_test
