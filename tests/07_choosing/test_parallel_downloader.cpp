// test_parallel_downloader.cpp: tests for fetch() and download_all(), downloads from a loopback server with a cap on requests in flight.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "loopback_http_server.hpp"
#include "parallel_downloader.hpp"
#include "process_checks.hpp"
#include "thread_states.hpp"

using course::download_all;
using course::fetch;
using course_test::LoopbackHttpServer;

namespace {

// The bound on a wait for what a correct downloader does at once (this file cannot use the
// tests' shared `patience`: the loopback server's header has a parameter of that name).
constexpr std::chrono::seconds bound{5};

// A one-shot signal with bounded waits.
class Gate {
public:
    void open() {
        {
            std::scoped_lock lock(mutex_);
            open_ = true;
        }
        opened_.notify_all();
    }
    bool wait_for(std::chrono::milliseconds limit) {
        std::unique_lock lock(mutex_);
        return opened_.wait_for(lock, limit, [this] { return open_; });
    }

private:
    std::mutex mutex_;
    std::condition_variable opened_;
    bool open_ = false;
};

// Waits until one of two gates is open, or `limit` has passed; true when `wanted` opened.
bool opens_first(Gate& wanted, Gate& other, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (wanted.wait_for(std::chrono::milliseconds(1))) return true;
        if (other.wait_for(std::chrono::milliseconds(0))) return wanted.wait_for(std::chrono::milliseconds(0));
    }
    return false;
}

std::vector<std::string> page_urls(const LoopbackHttpServer& server, int count) {
    std::vector<std::string> urls;
    for (int i = 0; i < count; ++i) urls.push_back(server.url("/page/" + std::to_string(i)));
    return urls;
}

// Every result is page i's, in the order of the URLs.
void check_pages_in_order(const std::vector<course::Download>& results, const std::vector<std::string>& urls) {
    REQUIRE(results.size() == urls.size());
    for (std::size_t i = 0; i < urls.size(); ++i) {
        INFO("result " << i << " should be " << urls[i]);
        CHECK(results[i].url == urls[i]);
        CHECK(results[i].error == "");
        CHECK(results[i].status == 200);
        CHECK(results[i].body == LoopbackHttpServer::page_body("/page/" + std::to_string(i)));
    }
}

// A loopback HTTP/1.0 server whose answer the test writes: `answer(path)` runs on the
// connection's own thread, may wait for whatever the test needs (boundedly), and returns
// the body of a 200 reply. Every descriptor it opens is close-on-exec.
class ScriptedServer {
public:
    explicit ScriptedServer(std::function<std::string(const std::string& path)> answer) : answer_(std::move(answer)) {
        listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        if (listener_ < 0 || ::bind(listener_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
            ::listen(listener_, 64) != 0 ||
            ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
            ::pipe2(stop_, O_CLOEXEC) != 0) {
            throw std::runtime_error("ScriptedServer: cannot listen");
        }
        port_ = ntohs(address.sin_port);
        acceptor_ = std::thread([this] { accept_loop(); });
    }
    ScriptedServer(const ScriptedServer&) = delete;
    ScriptedServer& operator=(const ScriptedServer&) = delete;
    ~ScriptedServer() {
        [[maybe_unused]] const ssize_t n = ::write(stop_[1], "x", 1);
        acceptor_.join();
        for (std::thread& handler : handlers_) handler.join();
        ::close(listener_);
        ::close(stop_[0]);
        ::close(stop_[1]);
    }
    std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
    int port() const { return port_; }
    std::vector<std::string> paths() {
        std::scoped_lock lock(mutex_);
        return paths_;
    }

private:
    void accept_loop() {
        for (;;) {
            pollfd watch[2] = {{listener_, POLLIN, 0}, {stop_[0], POLLIN, 0}};
            if (::poll(watch, 2, -1) < 0 && errno != EINTR) return;
            if (watch[1].revents != 0) return;
            if (watch[0].revents == 0) continue;
            const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
            if (client >= 0) handlers_.emplace_back([this, client] { serve(client); });
        }
    }
    void serve(int client) {
        std::string request;
        char buffer[1024];
        while (request.find("\r\n\r\n") == std::string::npos) {
            const ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            request.append(buffer, static_cast<std::size_t>(n));
        }
        std::string path;
        const std::size_t end = request.find(' ', 4);
        if (request.rfind("GET ", 0) == 0 && end != std::string::npos) path = request.substr(4, end - 4);
        {
            std::scoped_lock lock(mutex_);
            paths_.push_back(path);
        }
        const std::string reply = "HTTP/1.0 200 OK\r\n\r\n" + answer_(path);
        for (std::size_t sent = 0; sent < reply.size();) {
            const ssize_t n = ::send(client, reply.data() + sent, reply.size() - sent, MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            sent += static_cast<std::size_t>(n);
        }
        ::close(client);
    }

    std::function<std::string(const std::string&)> answer_;
    int listener_ = -1;
    int stop_[2] = {-1, -1};
    int port_ = 0;
    std::mutex mutex_;
    std::vector<std::string> paths_;
    std::vector<std::thread> handlers_;  // the acceptor's own
    std::thread acceptor_;
};

// The descriptors open in this process right now.
std::set<int> open_descriptors() {
    std::set<int> fds;
    DIR* dir = opendir("/proc/self/fd");
    if (dir == nullptr) return fds;
    while (const dirent* entry = readdir(dir)) {
        if (entry->d_name[0] != '.') fds.insert(std::atoi(entry->d_name));
    }
    fds.erase(dirfd(dir));
    closedir(dir);
    return fds;
}

}  // namespace

TEST_CASE("fetch returns the status and the body of a page") {
    LoopbackHttpServer server;
    const course::Download page = fetch(server.url("/page/hello"));
    CHECK(page.url == server.url("/page/hello"));
    CHECK(page.error == "");
    CHECK(page.status == 200);
    CHECK(page.body == LoopbackHttpServer::page_body("/page/hello"));
}

TEST_CASE("a reply that arrives in many pieces comes back whole") {
    // 256 KiB, written in 4 KiB pieces: one read returns only part of it.
    LoopbackHttpServer server;
    const course::Download page = fetch(server.url("/big"));
    CHECK(page.error == "");
    CHECK(page.status == 200);
    CHECK(page.body.size() == LoopbackHttpServer::big_body().size());
    CHECK(page.body == LoopbackHttpServer::big_body());
}

TEST_CASE("a missing page is a reply with status 404, not an error") {
    LoopbackHttpServer server;
    const course::Download page = fetch(server.url("/no/such/page"));
    CHECK(page.error == "");
    CHECK(page.status == 404);
}

TEST_CASE("a refused connection is reported as an error for that URL") {
    const course_test::RefusingPort nobody;
    const course::Download page = fetch(nobody.url("/page/1"));
    CHECK(page.url == nobody.url("/page/1"));
    CHECK(page.status == 0);
    CHECK(page.error != "");
}

TEST_CASE("a URL that is not http://address:port/path is reported as an error") {
    for (const std::string url : {"ftp://127.0.0.1/file", "http://", "http://127.0.0.1:notaport/x",
                                  "http://no.such.host.invalid/"}) {
        INFO("URL: " << url);
        const course::Download page = fetch(url);
        CHECK(page.status == 0);
        CHECK(page.error != "");
    }
}

TEST_CASE("download_all returns every page, in the order of the URLs") {
    LoopbackHttpServer server;
    const auto urls = page_urls(server, 7);
    check_pages_in_order(download_all(urls, 3), urls);
    CHECK(server.requests_answered() == 7);
}

TEST_CASE("results stay in the order of the URLs when the replies come back in reverse") {
    // The server holds the first four requests, then answers them last-arrived first.
    LoopbackHttpServer server;
    server.hold_until(4, LoopbackHttpServer::Order::last_first);
    const auto urls = page_urls(server, 4);
    check_pages_in_order(download_all(urls, 4), urls);
}

TEST_CASE("as many requests are in flight at once as allowed, and never more") {
    // The server holds requests until 3 are in flight, then waits a little longer, giving
    // a downloader that opens too many connections the chance to show it.
    LoopbackHttpServer server;
    server.hold_until(3);
    const auto urls = page_urls(server, 9);
    const auto results = download_all(urls, 3);
    INFO("the server saw at most " << server.peak_in_flight() << " requests at once");
    CHECK_MESSAGE(!server.ran_out_of_patience(), "3 requests were never in flight at once: are they made one at a time?");
    CHECK(server.peak_in_flight() == 3);
    check_pages_in_order(results, urls);
}

TEST_CASE("with a cap of one, the downloads run one at a time") {
    LoopbackHttpServer server;
    server.hold_until(1, LoopbackHttpServer::Order::as_they_come, std::chrono::milliseconds(100));
    const auto urls = page_urls(server, 3);
    const auto results = download_all(urls, 1);
    CHECK(server.peak_in_flight() == 1);
    check_pages_in_order(results, urls);
}

TEST_CASE("fewer URLs than the cap are all in flight at once") {
    LoopbackHttpServer server;
    server.hold_until(5);
    const auto urls = page_urls(server, 5);
    const auto results = download_all(urls, 50);
    CHECK_MESSAGE(!server.ran_out_of_patience(), "the 5 requests were never in flight at once");
    CHECK(server.peak_in_flight() == 5);
    check_pages_in_order(results, urls);
}

TEST_CASE("a failed download is reported in its own place and the others succeed") {
    LoopbackHttpServer server;
    const course_test::RefusingPort nobody;
    const std::vector<std::string> urls = {server.url("/page/0"), nobody.url("/page/1"), server.url("/gone"),
                                           server.url("/page/3")};
    const auto results = download_all(urls, 2);
    REQUIRE(results.size() == 4);
    CHECK(results[0].status == 200);
    CHECK(results[0].body == LoopbackHttpServer::page_body("/page/0"));
    CHECK(results[1].url == urls[1]);
    CHECK(results[1].status == 0);
    CHECK(results[1].error != "");
    CHECK(results[2].error == "");
    CHECK(results[2].status == 404);
    CHECK(results[3].status == 200);
    CHECK(results[3].body == LoopbackHttpServer::page_body("/page/3"));
}

TEST_CASE("no URL gives no result, and a cap of zero is refused") {
    CHECK(download_all({}, 4).empty());
    CHECK_THROWS_AS(download_all({"http://127.0.0.1:1/"}, 0), std::invalid_argument);
}

TEST_CASE("the cap stays full: a slow download does not hold back the others") {
    // With a cap of 2, one worker stays on the slow page while the other fetches the four
    // quick ones, one after another; the slow page is answered only once all four are.
    // Downloads started in waves of two wait for the slow page before the next wave,
    // and the slow page waits for them in vain.
    std::mutex mutex;
    std::condition_variable changed;
    int quick_answered = 0;
    bool waited_in_vain = false;
    ScriptedServer server([&](const std::string& path) {
        std::unique_lock lock(mutex);
        if (path == "/slow") {
            waited_in_vain = !changed.wait_for(lock, bound, [&] { return quick_answered == 4; });
        } else {
            ++quick_answered;
            changed.notify_all();
        }
        return "body of " + path;
    });
    const std::vector<std::string> urls = {server.url("/slow"), server.url("/q1"), server.url("/q2"), server.url("/q3"),
                                           server.url("/q4")};
    const auto results = download_all(urls, 2);
    CHECK_MESSAGE(!waited_in_vain, "the quick pages waited for the slow one: the downloads ran in waves, not with the cap full");
    REQUIRE(results.size() == urls.size());
    CHECK(results[0].body == "body of /slow");
    CHECK(results[4].body == "body of /q4");
}

TEST_CASE("the same URL twice is downloaded twice, each in its own place") {
    ScriptedServer server([](const std::string& path) { return "body of " + path; });
    const std::vector<std::string> urls = {server.url("/a"), server.url("/a"), server.url("/b")};
    const auto results = download_all(urls, 2);
    REQUIRE(results.size() == 3);
    CHECK(results[0].body == "body of /a");
    CHECK(results[1].body == "body of /a");
    CHECK(results[2].body == "body of /b");
    CHECK(server.paths().size() == 3);
}

TEST_CASE("one URL and a cap of one") {
    ScriptedServer server([](const std::string& path) { return "body of " + path; });
    const auto results = download_all({server.url("/only")}, 1);
    REQUIRE(results.size() == 1);
    CHECK(results[0].error == "");
    CHECK(results[0].body == "body of /only");
}

TEST_CASE("a URL without a path asks for /") {
    ScriptedServer server([](const std::string& path) { return "body of " + path; });
    const course::Download page = fetch("http://127.0.0.1:" + std::to_string(server.port()));
    CHECK(page.error == "");
    CHECK(page.status == 200);
    CHECK(server.paths() == std::vector<std::string>{"/"});
}

TEST_CASE("a signal that interrupts a download waiting for its reply is no reason to give up") {
    // The download waits in recv() while the server holds the reply; a signal with a
    // handler (installed without SA_RESTART) makes recv() fail with EINTR: read again.
    struct sigaction quiet {};
    quiet.sa_handler = [](int) {};
    sigemptyset(&quiet.sa_mask);
    struct sigaction previous {};
    sigaction(SIGUSR1, &quiet, &previous);
    Gate request_arrived;
    Gate release;
    ScriptedServer server([&](const std::string& path) {
        request_arrived.open();
        release.wait_for(bound);
        return "body of " + path;
    });
    std::atomic<pid_t> downloader{0};
    course::Download page;
    std::exception_ptr error;
    Gate returned;
    std::thread thread([&] {
        downloader = course_test::current_thread_id();
        try {
            page = fetch(server.url("/held"));
        } catch (...) {
            error = std::current_exception();
        }
        returned.open();
    });
    const pthread_t handle = thread.native_handle();
    if (opens_first(request_arrived, returned, bound)) {
        while (downloader.load() == 0) std::this_thread::yield();
        for (int i = 0; i < 3; ++i) {
            if (!course_test::thread_falls_asleep(downloader.load(), bound)) break;
            pthread_kill(handle, SIGUSR1);
        }
    }
    release.open();
    thread.join();
    sigaction(SIGUSR1, &previous, nullptr);
    if (error) std::rethrow_exception(error);
    CHECK(page.error == "");
    CHECK(page.status == 200);
    CHECK(page.body == "body of /held");
}

TEST_CASE("no descriptor is left open, after a download and after a refused connection") {
    LoopbackHttpServer server;
    const course_test::RefusingPort nobody;
    const std::size_t before = course_test::open_descriptor_count();
    for (int i = 0; i < 3; ++i) {
        CHECK(fetch(server.url("/page/1")).status == 200);
        CHECK(fetch(nobody.url("/page/1")).error != "");
        CHECK(fetch(server.url("/no/such/page")).status == 404);
    }
    CHECK(course_test::open_descriptor_count() == before);
}

TEST_CASE("a download's socket is close-on-exec") {
    // A program that another thread starts meanwhile must not inherit the connection.
    Gate request_arrived;
    Gate release;
    ScriptedServer server([&](const std::string& path) {
        request_arrived.open();
        release.wait_for(bound);
        return "body of " + path;
    });
    const std::set<int> before = open_descriptors();
    std::exception_ptr error;
    Gate returned;
    std::thread thread([&] {
        try {
            fetch(server.url("/held"));
        } catch (...) {
            error = std::current_exception();
        }
        returned.open();
    });
    const bool arrived = opens_first(request_arrived, returned, bound);
    if (arrived) {
        for (const int fd : open_descriptors()) {  // the server's are close-on-exec too
            if (before.count(fd) != 0) continue;
            INFO("descriptor " << fd);
            CHECK((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
        }
    }
    release.open();
    thread.join();
    if (error) std::rethrow_exception(error);
    CHECK(arrived);
}
