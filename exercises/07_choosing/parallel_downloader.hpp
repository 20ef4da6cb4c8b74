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
    // TODO: take the URL apart: "http://", the host (inet_pton(AF_INET, ...) must accept it),
    //       an optional ":port" (80 if absent), and the path ("/" if absent). Anything else:
    //       return a Download whose error says so.
    // TODO: socket(AF_INET, SOCK_STREAM, 0), connect to the address; send
    //       "GET <path> HTTP/1.0\r\nHost: <host:port>\r\n\r\n" (send may send less than asked: loop).
    // TODO: recv until it returns 0 (the server closed the connection), appending every piece;
    //       then close the socket. A failed call is an error: strerror(errno) says which.
    // TODO: parse "HTTP/1.x SSS reason": SSS is the status; the body starts after "\r\n\r\n".
    throw std::logic_error("TODO: parallel_downloader.hpp: fetch() is not written yet");
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
    // TODO: refuse max_in_flight == 0 with std::invalid_argument.
    // TODO: make the result vector first, one slot per URL, so that each download writes
    //       into its own place and the order of the URLs is kept.
    // TODO: start min(max_in_flight, urls.size()) worker threads; each takes the next index
    //       from a shared std::atomic<std::size_t> and fetches that URL, until none is left.
    // TODO: join the workers (std::jthread does it when the vector goes away), return the vector.
    throw std::logic_error("TODO: parallel_downloader.hpp: download_all() is not written yet");
}

}  // namespace course
