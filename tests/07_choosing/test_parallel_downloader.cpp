// test_parallel_downloader.cpp: tests for fetch() and download_all(), downloads from a loopback server with a cap on requests in flight.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "loopback_http_server.hpp"
#include "parallel_downloader.hpp"

using course::download_all;
using course::fetch;
using course_test::LoopbackHttpServer;

namespace {

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
