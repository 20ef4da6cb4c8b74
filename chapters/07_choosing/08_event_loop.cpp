// 08_event_loop.cpp: asyncio's idea in C++: one thread, poll(), and ten downloads waiting at the same time.
//
// asyncio runs many tasks on ONE thread: a task runs until it would wait (for a socket,
// a timer), hands control back to the event loop with `await`, and the loop wakes
// whichever task can go on. No second thread, so no data race and no GIL question;
// the waits overlap all the same, because waiting is not computing.
//
// Underneath is a system call that waits for many descriptors at once: poll() (epoll
// on Linux, kqueue on BSD and macOS, for thousands of them). This program is such a
// loop, by hand: ten non-blocking HTTP downloads from a loopback server that answers
// after 100 ms, each a small state machine (connect, send, receive), plus a timer that
// ticks every 25 ms while they wait. asyncio (or C++20 coroutines with a library such as
// Asio) lets you write each download as straight-line code instead; the loop is the same.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int pages = 10;
constexpr auto latency = 100ms;  // what the network would cost per page
constexpr auto tick = 25ms;

// ---- The server, in a process of its own: HTTP/1.0, one thread per connection. -------
void answer(int client) {
    std::string request;
    char buffer[1024];
    while (request.find("\r\n\r\n") == std::string::npos) {
        const ssize_t n = ::read(client, buffer, sizeof buffer);
        if (n <= 0) break;
        request.append(buffer, static_cast<std::size_t>(n));
    }
    std::this_thread::sleep_for(latency);  // a server far away answers this late
    const std::string body(2000, 'x');
    const std::string reply = "HTTP/1.0 200 OK\r\nContent-Length: 2000\r\n\r\n" + body;
    for (std::size_t sent = 0; sent < reply.size();) {
        const ssize_t n = ::write(client, reply.data() + sent, reply.size() - sent);
        if (n <= 0) break;
        sent += static_cast<std::size_t>(n);
    }
    ::close(client);
}

// Serves until `stop` reports end of file (the parent closed its end).
[[noreturn]] void serve(int listener, int stop) {
    std::vector<std::jthread> connections;
    for (;;) {
        pollfd watch[2] = {{listener, POLLIN, 0}, {stop, POLLIN, 0}};
        ::poll(watch, 2, -1);
        if (watch[1].revents != 0) break;
        const int client = ::accept(listener, nullptr, nullptr);
        if (client >= 0) connections.emplace_back(answer, client);
    }
    connections.clear();  // joins every connection thread
    ::_exit(0);
}

// ---- The client: one download is a state machine the loop drives. -----------------
struct Download {
    enum class State { connecting, sending, receiving, done };
    int page = 0;
    int fd = -1;
    State state = State::connecting;
    std::string request;
    std::size_t sent = 0;
    std::string reply;
    double finished_ms = 0;

    // What the loop should wait for on our socket: writable while we connect and send,
    // readable while we receive. (An asyncio task is suspended at the same two points.)
    short wanted() const { return state == State::receiving ? POLLIN : POLLOUT; }
};

// Starts a non-blocking connect: it returns at once, and the socket becomes writable
// when the connection is made (or has failed).
Download start_download(int port, int page) {
    Download d;
    d.page = page;
    d.request = "GET /page/" + std::to_string(page) + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    d.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in server{};
    server.sin_family = AF_INET;
    server.sin_port = htons(static_cast<std::uint16_t>(port));
    server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const int made = ::connect(d.fd, reinterpret_cast<const sockaddr*>(&server), sizeof server);
    if (made == 0) d.state = Download::State::sending;
    if (made != 0 && errno != EINPROGRESS) d.state = Download::State::done;  // refused
    return d;
}

// One step, when poll() says the socket is ready. Never blocks: a non-blocking read or
// write does what it can now (EAGAIN means "not now"), and we come back later.
void step(Download& d, double now_ms) {
    if (d.state == Download::State::connecting) {
        int error = 0;
        socklen_t size = sizeof error;
        ::getsockopt(d.fd, SOL_SOCKET, SO_ERROR, &error, &size);
        d.state = error == 0 ? Download::State::sending : Download::State::done;
    } else if (d.state == Download::State::sending) {
        const ssize_t n = ::write(d.fd, d.request.data() + d.sent, d.request.size() - d.sent);
        if (n > 0) d.sent += static_cast<std::size_t>(n);
        if (d.sent == d.request.size()) d.state = Download::State::receiving;
    } else if (d.state == Download::State::receiving) {
        char buffer[4096];
        const ssize_t n = ::read(d.fd, buffer, sizeof buffer);
        if (n > 0) d.reply.append(buffer, static_cast<std::size_t>(n));
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) d.state = Download::State::done;
    }
    if (d.state == Download::State::done) {
        ::close(d.fd);
        d.finished_ms = now_ms;
    }
}

std::size_t body_size(const std::string& reply) {
    const auto body = reply.find("\r\n\r\n");
    return reply.rfind("HTTP/1.0 200", 0) == 0 && body != std::string::npos
               ? reply.size() - body - 4
               : 0;
}

std::string threads_in_this_process() {
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);) {
        if (line.rfind("Threads:", 0) == 0) return line.substr(line.find_first_not_of("\t ", 8));
    }
    return "(no /proc here)";
}

int main() {
    // The server's socket and process first, before anything else (chapter 01's rule:
    // fork while there is one thread).
    const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(listener, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listener, 64) != 0 ||
        ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        std::perror("server socket");
        return 1;
    }
    const int port = ntohs(address.sin_port);
    int stop[2];
    if (::pipe(stop) != 0) return 1;
    std::fflush(stdout);
    const pid_t server = ::fork();
    if (server == 0) {
        ::close(stop[1]);
        serve(listener, stop[0]);
    }
    ::close(listener);
    ::close(stop[0]);

    std::printf("%d downloads from http://127.0.0.1:%d/, %lld ms of latency each, on ONE thread\n",
                pages, port, static_cast<long long>(latency.count()));
    std::fflush(stdout);

    // The event loop. Each turn: ask poll() to wait for every socket that is not done,
    // at most until the next timer tick; then step whatever is ready.
    const auto start = Clock::now();
    const auto ms_since_start = [start] {
        return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    };
    std::vector<Download> downloads;
    for (int page = 0; page < pages; ++page) downloads.push_back(start_download(port, page));
    auto next_tick = start + tick;
    int ticks = 0;
    int loop_turns = 0;
    for (;;) {
        std::vector<pollfd> watched;
        std::vector<Download*> owners;
        for (Download& d : downloads) {
            if (d.state == Download::State::done) continue;
            watched.push_back({d.fd, d.wanted(), 0});
            owners.push_back(&d);
        }
        if (watched.empty()) break;
        const auto wait = std::chrono::ceil<std::chrono::milliseconds>(next_tick - Clock::now());
        const int ready = ::poll(watched.data(), watched.size(), std::max(0, static_cast<int>(wait.count())));
        ++loop_turns;
        if (Clock::now() >= next_tick) {  // a timer task's turn: asyncio.sleep(0.025) ended
            ++ticks;
            next_tick += tick;
        }
        if (ready <= 0) continue;  // only the timer (or EINTR): look again
        for (std::size_t i = 0; i < watched.size(); ++i) {
            if (watched[i].revents == 0) continue;
            step(*owners[i], ms_since_start());
            if (owners[i]->state == Download::State::done) {
                std::printf("page %d: %zu bytes after %.0f ms\n", owners[i]->page,
                            body_size(owners[i]->reply), owners[i]->finished_ms);
            }
        }
    }
    const double total_ms = ms_since_start();

    std::size_t bytes = 0;
    for (const Download& d : downloads) bytes += body_size(d.reply);
    std::printf("the timer ticked %d times while the downloads waited; %d turns of the loop\n",
                ticks, loop_turns);
    std::printf("all %d pages, %zu bytes, in %.0f ms; one after another they take %d x %lld ms\n",
                pages, bytes, total_ms, pages, static_cast<long long>(latency.count()));
    std::printf("threads in this process: %s\n", threads_in_this_process().c_str());

    ::close(stop[1]);  // end of file on the stop pipe: the server finishes and exits
    int status = 0;
    ::waitpid(server, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

// Output of one run (the port and the times vary, the pages finish in any order):
//
//   $ ./08_event_loop
//   10 downloads from http://127.0.0.1:<n>/, 100 ms of latency each, on ONE thread
//   ~ page <n>: 2000 bytes after <n> ms
//   ~ page <n>: 2000 bytes after <n> ms
//   ~ page <n>: 2000 bytes after <n> ms
//   ~ page <n>: 2000 bytes after <n> ms
//   ~ page <n>: 2000 bytes after <n> ms
//   ~ page <n>: 2000 bytes after <n> ms
//   ~ page <n>: 2000 bytes after <n> ms
//   ~ page <n>: 2000 bytes after <n> ms
//   ~ page <n>: 2000 bytes after <n> ms
//   ~ page <n>: 2000 bytes after <n> ms
//   the timer ticked <n> times while the downloads waited; <n> turns of the loop
//   all 10 pages, 20000 bytes, in <n> ms; one after another they take 10 x 100 ms
//   threads in this process: 1
