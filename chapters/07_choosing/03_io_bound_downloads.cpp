// 03_io_bound_downloads.cpp: "download" 10 pages from a loopback HTTP server sequentially, on threads, on a thread pool and in processes.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int pages = 10;
constexpr auto latency = 100ms;  // what the network would cost per page

// ---- The server: HTTP/1.0 on 127.0.0.1, one thread per connection. ----------------
void answer(int client) {
    std::string request;
    char buffer[1024];
    while (request.find("\r\n\r\n") == std::string::npos) {
        const ssize_t n = ::read(client, buffer, sizeof buffer);
        if (n <= 0) break;
        request.append(buffer, static_cast<std::size_t>(n));
    }
    // The sleep simulates the network: a real server far away answers this late.
    std::this_thread::sleep_for(latency);
    const std::string path = request.substr(4, request.find(' ', 4) - 4);  // "GET /page/3 ..."
    std::string body;
    while (body.size() < 2000) body += "this is " + path + "\n";
    const std::string reply = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
                              std::to_string(body.size()) + "\r\n\r\n" + body;
    for (std::size_t sent = 0; sent < reply.size();) {
        const ssize_t n = ::write(client, reply.data() + sent, reply.size() - sent);
        if (n <= 0) break;
        sent += static_cast<std::size_t>(n);
    }
    ::close(client);
}

// Runs in its own process until `stop` reports end of file (the parent closed it).
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

// ---- The client: one HTTP/1.0 GET; returns the body size, or 0 on failure. ---------
std::size_t download(int port, int page) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in server{};
    server.sin_family = AF_INET;
    server.sin_port = htons(static_cast<std::uint16_t>(port));
    server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::string response;
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&server), sizeof server) == 0) {
        const std::string request = "GET /page/" + std::to_string(page) + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
        if (::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
            char buffer[4096];
            for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) response.append(buffer, static_cast<std::size_t>(n));
        }
    }
    ::close(fd);
    const auto body = response.find("\r\n\r\n");
    return response.rfind("HTTP/1.0 200", 0) == 0 && body != std::string::npos ? response.size() - body - 4 : 0;
}

// ---- Four ways to fetch all pages; each returns the total number of bytes. --------
std::size_t sequential(int port) {
    std::size_t total = 0;
    for (int page = 0; page < pages; ++page) total += download(port, page);
    return total;
}

std::size_t thread_per_page(int port) {
    std::atomic<std::size_t> total{0};
    std::vector<std::jthread> threads;
    for (int page = 0; page < pages; ++page) threads.emplace_back([&total, port, page] { total += download(port, page); });
    threads.clear();  // join
    return total;
}

// A fixed set of workers that take the next page number from a shared counter: the
// smallest pool there is. `workers` threads -> ceil(10 / workers) rounds of latency.
std::size_t thread_pool(int port, unsigned workers) {
    std::atomic<int> next_page{0};
    std::atomic<std::size_t> total{0};
    std::vector<std::jthread> pool;
    for (unsigned w = 0; w < workers; ++w) {
        pool.emplace_back([&] {
            for (int page; (page = next_page++) < pages;) total += download(port, page);
        });
    }
    pool.clear();
    return total;
}

// Processes: each child downloads its share and sends its byte count through a pipe.
// We fork from a process whose only thread is main (every thread above is joined).
std::size_t processes(int port, int stop_write, unsigned workers) {
    std::vector<std::pair<pid_t, int>> children;
    std::fflush(stdout);  // the children must not inherit (and later print) our buffer
    for (unsigned w = 0; w < workers; ++w) {
        int fds[2];
        if (::pipe(fds) != 0) return 0;
        const pid_t pid = ::fork();
        if (pid == 0) {
            ::close(stop_write);  // only the parent may keep the server alive
            ::close(fds[0]);
            std::size_t bytes = 0;
            for (int page = static_cast<int>(w); page < pages; page += static_cast<int>(workers)) bytes += download(port, page);
            ::_exit(::write(fds[1], &bytes, sizeof bytes) == sizeof bytes ? 0 : 1);
        }
        ::close(fds[1]);
        children.emplace_back(pid, fds[0]);
    }
    std::size_t total = 0;
    for (auto [pid, fd] : children) {
        std::size_t bytes = 0;
        if (::read(fd, &bytes, sizeof bytes) == sizeof bytes) total += bytes;
        ::close(fd);
        ::waitpid(pid, nullptr, 0);
    }
    return total;
}

int main() {
    // The listening socket first (port 0: the kernel picks a free port), then the
    // server process, forked before this program starts any thread.
    const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(listener, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 || ::listen(listener, 64) != 0 ||
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
    ::close(listener);  // the server process has its own copy; we only connect
    ::close(stop[0]);

    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    const unsigned python_default = std::min(32u, cores + 4);  // ThreadPoolExecutor()'s max_workers
    std::printf("%d pages from http://127.0.0.1:%d/, %lld ms of simulated latency each; cores: %u; one run each\n\n",
                pages, port, static_cast<long long>(latency.count()), cores);

    struct Row { std::string how; std::function<std::size_t()> run; };
    const std::vector<Row> rows = {
        {"sequential", [&] { return sequential(port); }},
        {"a thread per page (10 threads)", [&] { return thread_per_page(port); }},
        {"thread pool, " + std::to_string(python_default) + " workers (cores + 4)", [&] { return thread_pool(port, python_default); }},
        {"a process per page (10 processes)", [&] { return processes(port, stop[1], pages); }},
        {"process pool, " + std::to_string(cores) + " workers (one per core)", [&] { return processes(port, stop[1], cores); }},
    };
    std::printf("%-42s %8s %8s\n", "how", "ms", "bytes");
    for (const Row& row : rows) {
        const auto start = Clock::now();
        const std::size_t bytes = row.run();
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
        std::printf("%-42s %8.0f %8zu\n", row.how.c_str(), ms, bytes);
    }
    std::printf("\nwaiting is not computing: the concurrent rows cost about one latency per round of workers\n");

    ::close(stop[1]);  // end of file on the stop pipe: the server finishes and exits
    int status = 0;
    ::waitpid(server, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

// Output of one run (the port, the core count and the milliseconds vary):
//
//   $ ./03_io_bound_downloads
//   10 pages from http://127.0.0.1:<n>/, 100 ms of simulated latency each; cores: <n>; one run each
//
//   how                                              ms    bytes
//   sequential                                     <n>    20000
//   a thread per page (10 threads)                  <n>    20000
//   thread pool, <n> workers (cores + 4)              <n>    20000
//   a process per page (10 processes)               <n>    20000
//   process pool, <n> workers (one per core)          <n>    20000
//
//   waiting is not computing: the concurrent rows cost about one latency per round of workers
