// parallel_downloader.hpp: download many pages over HTTP/1.0 at once, with a cap on the requests in flight.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace course {

/// What one download gave: a reply from the server (any status), or an error.
struct Download {
    std::string url;    ///< the URL asked for
    int status = 0;     ///< the HTTP status of the reply (200, 404...); 0 when there is no reply
    std::string body;   ///< the reply's body, every byte after the blank line that ends the headers
    std::string error;  ///< empty when a reply came back; otherwise what went wrong, for people
};

/// \brief Downloads one page with a blocking HTTP/1.0 GET: what `urllib.request.urlopen(url).read()`
/// does in Python, for plain `http://` URLs.
///
/// \param url `http://HOST:PORT/PATH`, where HOST is a dotted IPv4 address such as
///        `127.0.0.1` (there is no name lookup), `:PORT` may be left out (80), and so may
///        the path (`/`).
/// \returns a Download with `status` and `body` when the server replied, whatever the
///          status: a 404 is a reply, not an error. `error` names the failure otherwise (a
///          URL that is not of the form above, a refused connection, a reply that is not
///          HTTP), with `status` 0. (Python's urlopen raises HTTPError for a 404; here
///          the status is data, and the caller decides.)
///
/// HTTP/1.0 without keep-alive: connect, send `GET PATH HTTP/1.0` and a `Host` header,
/// then read until the server closes the connection (end of file). One read returns
/// whatever has arrived so far, which may be any part of the reply. A call that a signal
/// interrupts (`EINTR`) is simply made again: it is no failure. The socket is
/// close-on-exec (a program that another thread starts meanwhile does not inherit the
/// connection), and it is closed before fetch returns, whatever happened.
///
/// Thread-safety: any number of threads may call fetch at the same time.
///
/// \code
/// course::Download page = course::fetch("http://127.0.0.1:8080/index.html");
/// if (page.error.empty() && page.status == 200) std::cout << page.body;
/// \endcode
inline Download fetch(const std::string& url) {
    Download result;
    result.url = url;
    const std::string scheme = "http://";
    if (url.rfind(scheme, 0) != 0) {
        result.error = "not an http:// URL";
        return result;
    }
    const std::size_t host_start = scheme.size();
    const std::size_t path_start = std::min(url.find('/', host_start), url.size());
    const std::string authority = url.substr(host_start, path_start - host_start);
    const std::string path = path_start < url.size() ? url.substr(path_start) : "/";
    const std::size_t colon = authority.find(':');
    const std::string host = authority.substr(0, colon);
    int port = 80;
    if (colon != std::string::npos) {
        const std::string digits = authority.substr(colon + 1);
        if (digits.empty() || digits.size() > 5 ||
            !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
            std::stoi(digits) > 65535) {
            result.error = "bad port in URL";
            return result;
        }
        port = std::stoi(digits);
    }
    sockaddr_in server{};
    server.sin_family = AF_INET;
    server.sin_port = htons(static_cast<std::uint16_t>(port));
    if (::inet_pton(AF_INET, host.c_str(), &server.sin_addr) != 1) {
        result.error = "the host is not a dotted IPv4 address: " + host;
        return result;
    }

    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        result.error = std::string("socket: ") + std::strerror(errno);
        return result;
    }
    std::string response;
    int failure = 0;
    const char* step = "";
    while (::connect(fd, reinterpret_cast<const sockaddr*>(&server), sizeof server) != 0) {
        if (errno != EINTR) {
            failure = errno;
            step = "connect";
            break;
        }
    }
    if (failure == 0) {
        const std::string request = "GET " + path + " HTTP/1.0\r\nHost: " + authority + "\r\n\r\n";
        for (std::size_t sent = 0; sent < request.size() && failure == 0;) {
            const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
            if (n > 0) sent += static_cast<std::size_t>(n);
            else if (errno != EINTR) {
                failure = errno;
                step = "send";
            }
        }
    }
    // Read until end of file: one recv returns only what has arrived so far.
    char buffer[16384];
    while (failure == 0) {
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n > 0) response.append(buffer, static_cast<std::size_t>(n));
        else if (n == 0) break;
        else if (errno != EINTR) {
            failure = errno;
            step = "recv";
        }
    }
    ::close(fd);
    if (failure != 0) {
        result.error = std::string(step) + ": " + std::strerror(failure);
        return result;
    }

    // "HTTP/1.x SSS reason\r\n" ... "\r\n\r\n" body
    const std::size_t headers_end = response.find("\r\n\r\n");
    if (response.rfind("HTTP/1.", 0) != 0 || response.size() < 12 || response[8] != ' ' ||
        headers_end == std::string::npos ||
        !std::all_of(response.begin() + 9, response.begin() + 12, [](char c) { return c >= '0' && c <= '9'; })) {
        result.error = "the reply is not HTTP";
        return result;
    }
    result.status = std::stoi(response.substr(9, 3));
    result.body = response.substr(headers_end + 4);
    return result;
}

/// \brief Downloads every URL with fetch(), at most `max_in_flight` at the same time, and
/// returns the results in the order of `urls`: what
/// `ThreadPoolExecutor(max_workers=max_in_flight).map(fetch, urls)` does in Python.
///
/// Downloads are I/O-bound: a thread spends its time waiting for the server, so the
/// number of threads is chosen for the waits to overlap, not by the number of cores.
/// No more than `max_in_flight` requests (and so no more than that many connections) are
/// ever open at once, however many URLs there are, and as many as that are open whenever
/// enough URLs remain: a cap, not a rate.
///
/// \param urls the pages to fetch; the same URL may appear more than once.
/// \param max_in_flight the most requests open at once; at least 1.
/// \returns one Download per URL, `result[i]` for `urls[i]`, whatever order they finish
///          in. A failed download is reported in its own entry and does not stop the others.
/// \throws std::invalid_argument when `max_in_flight` is 0.
/// \throws std::system_error when a thread cannot be started.
///
/// Thread-safety: the call blocks until every download has ended.
///
/// \code
/// std::vector<std::string> urls = {"http://127.0.0.1:8080/a", "http://127.0.0.1:8080/b"};
/// for (const course::Download& d : course::download_all(urls, 8))
///     std::cout << d.url << ": " << (d.error.empty() ? std::to_string(d.status) : d.error) << '\n';
/// \endcode
inline std::vector<Download> download_all(const std::vector<std::string>& urls, std::size_t max_in_flight) {
    if (max_in_flight == 0) throw std::invalid_argument("download_all: max_in_flight must be at least 1");
    std::vector<Download> results(urls.size());
    // A fixed set of workers, each taking the next URL from a shared counter and writing
    // into the result's own slot: the cap is the number of workers.
    std::atomic<std::size_t> next{0};
    {
        std::vector<std::jthread> workers;
        const std::size_t count = std::min(max_in_flight, urls.size());
        workers.reserve(count);
        for (std::size_t w = 0; w < count; ++w) {
            workers.emplace_back([&] {
                for (std::size_t i; (i = next.fetch_add(1)) < urls.size();) results[i] = fetch(urls[i]);
            });
        }
    }  // the jthreads join here, also when starting one of them failed
    return results;
}

}  // namespace course
