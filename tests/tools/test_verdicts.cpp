// test_verdicts.cpp: the runner judges a test case from its report stream and how its process ended.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "report_mac.hpp"
#include "report_stream.hpp"
#include "test_run.hpp"

namespace fs = std::filesystem;
using course::Status;
using namespace std::chrono_literals;

namespace {

/// A stand-in for a doctest binary: a shell script that lists one case, "only", and
/// runs `body` for it, writing report lines to descriptor 3 as the course's main does.
fs::path fake_binary(const std::string& body) {
    static int count = 0;
    const fs::path dir = fs::temp_directory_path() / ("course-verdicts-" + std::to_string(getpid()));
    fs::create_directories(dir);
    const fs::path path = dir / ("fake" + std::to_string(++count));
    std::ofstream script(path);
    // Events are signed as the test main signs them (report_stream.hpp), here by Python's
    // hmac module: an implementation of its own checks the tool's.
    script << "#!/bin/bash\n"
              "key=; [ -n \"$COURSE_REPORT_KEY_FD\" ] && key=$(cat <&\"$COURSE_REPORT_KEY_FD\")\n"
              "seq=0\n"
              "emit() { line=$1; if [ -n \"$key\" ]; then\n"
              "  mac=$(python3 -c 'import hashlib, hmac, sys; "
              "print(hmac.new(sys.argv[1].encode(), sys.argv[2].encode(), hashlib.sha1).hexdigest())' "
              "\"$key\" \"$seq:$line\")\n"
              "  line=\"${line%\\}},\\\"seq\\\":$seq,\\\"mac\\\":\\\"$mac\\\"}\"; seq=$((seq + 1)); fi\n"
              "  printf '%s\\n' \"$line\" >&3; }\n"
              "emit '{\"event\":\"stream\",\"version\":4,\"pid\":1}'\n"
              "case \"$*\" in *--list-test-cases*) emit '{\"event\":\"case\",\"name\":\"only\"}'; exit 0;; esac\n"
              "start() { emit '{\"event\":\"start\",\"name\":\"only\"}'; }\n"
              "end() { emit \"{\\\"event\\\":\\\"end\\\",\\\"name\\\":\\\"only\\\",\\\"passed\\\":$1,\\\"seconds\\\":0}\"; }\n"
              "done_() { emit '{\"event\":\"done\",\"cases\":1,\"failed\":0}'; }\n"
           << body << '\n';
    script.close();
    chmod(path.c_str(), 0755);
    return path;
}

/// Options for a run of a fake: its events unsigned (the signing has tests of its own, whose
/// fakes sign with Python and need more time).
course::RunOptions quick(bool tsan = false) {
    course::RunOptions options;
    options.limits.wall = 2s;
    options.sign_stream = false;
    options.tsan = tsan;
    options.scratch = fs::temp_directory_path() / "course-verdicts-scratch";
    return options;
}

course::CaseResult run(const std::string& body, bool tsan = false) {
    return course::run_case(fake_binary(body), "only", quick(tsan));
}

}  // namespace

TEST_CASE("the case names come from the listing") {
    const auto listing = course::list_cases(fake_binary(""), quick());
    CHECK(listing.error.empty());
    REQUIRE(listing.names.size() == 1);
    CHECK(listing.names[0] == "only");
}

TEST_CASE("a reported pass is passed") {
    CHECK(run("start; end true; done_").status == Status::passed);
}

TEST_CASE("a reported failure is failed, with its message") {
    const auto result = run(
        "start; emit '{\"event\":\"failure\",\"file\":\"t.cpp\",\"line\":4,\"message\":\"CHECK( 1 == 2 )\"}';"
        "end false; done_");
    CHECK(result.status == Status::failed);
    REQUIRE(result.failures.size() == 1);
    CHECK(result.failures[0].line == 4);
    CHECK(result.failures[0].message == "CHECK( 1 == 2 )");
}

TEST_CASE("exit(0) in the middle of a case is no_result, not a pass") {
    const auto result = run("start; exit 0");
    CHECK(result.status == Status::no_result);
    CHECK(result.explanation.find("exit()") != std::string::npos);
}

TEST_CASE("a crash in the middle of a case is crashed, with the signal") {
    const auto result = run("start; kill -SEGV $$");
    CHECK(result.status == Status::crashed);
    CHECK(result.explanation.find("SIGSEGV") != std::string::npos);
}

TEST_CASE("a case that never ends is a timeout that suggests a deadlock") {
    const auto result = run("start; exec sleep 100");
    CHECK(result.status == Status::timeout);
    CHECK(result.explanation.find("deadlock") != std::string::npos);
}

TEST_CASE("a pass followed by a crash at exit is crashed") {
    CHECK(run("start; end true; done_; kill -ABRT $$").status == Status::crashed);
}

TEST_CASE("a pass that never lets the program exit is a timeout") {
    CHECK(run("start; end true; exec sleep 100").status == Status::timeout);
}

TEST_CASE("a line on the stream that is not an event is never dropped: the pass cannot be trusted") {
    const auto result = run("emit 'garbage'; start; emit '{oops'; end true; done_");
    CHECK(result.status == Status::no_result);
    CHECK(result.details.find("| garbage") != std::string::npos);
    CHECK(result.details.find("| {oops") != std::string::npos);
}

TEST_CASE("an unreadable line beside a failure keeps the failure and shows the line") {
    const auto result = run("start; emit '{\"event\":\"failure\",\"line\":\"x\"}'; end false; done_");
    CHECK(result.status == Status::failed);
    CHECK(result.details.find("\"line\":\"x\"") != std::string::npos);
}

TEST_CASE("a failed case with no failed check says so, never '0 checks failed'") {
    const auto result = run("start; end false; done_");
    CHECK(result.status == Status::failed);
    CHECK(result.explanation.find("names no failed check") != std::string::npos);
}

TEST_CASE("a stream of another version, or none, is no result") {
    const auto other = course::run_case(
        fake_binary("emit '{\"event\":\"stream\",\"version\":1}'; start; end true; done_"), "only", quick());
    // The script announces version 3 first, then 1: the last word counts.
    CHECK(other.status == Status::no_result);
    CHECK(other.explanation.find("version 1") != std::string::npos);
}

TEST_CASE("a failure message with bytes that are not UTF-8 arrives whole") {
    // What the test main writes for a value ending in the byte 0xFF (see report_stream.hpp).
    const auto result = run(R"(start; emit '{"event":"failure","file":"t.cpp","line":9,"message":"values: hi\\xFF == hi"}'; end false; done_)");
    CHECK(result.status == Status::failed);
    REQUIRE(result.failures.size() == 1);
    CHECK(result.failures[0].message == R"(values: hi\xFF == hi)");
}

TEST_CASE("ThreadSanitizer's report turns a pass into a race") {
    const auto result = run(
        "printf 'WARNING: ThreadSanitizer: data race (pid=1)\\nSUMMARY: ThreadSanitizer: data race a.cpp:3 in f\\n' "
        ">&\"$COURSE_SANITIZER_FD\";"
        "start; end true; done_; exit 66",
        true);
    CHECK(result.status == Status::race);
    CHECK(result.explanation.find("data race") != std::string::npos);
}

TEST_CASE("signed events are trusted; an event that the test binary did not sign is tampered, never a pass") {
    course::RunOptions signing = quick();
    signing.sign_stream = true;
    signing.limits.wall = 60s;  // each event starts Python once
    const auto signed_run = [&](const std::string& body) {
        return course::run_case(fake_binary(body), "only", signing);
    };
    CHECK(signed_run("start; end true; done_").status == Status::passed);
    // Written straight to the descriptor, as code under test that finds it would.
    const auto forged = signed_run(R"(start; printf '%s\n' '{"event":"end","name":"only","passed":true,"seconds":0}' >&3; done_)");
    CHECK(forged.status == Status::tampered);
    CHECK(forged.details.find("\"passed\":true") != std::string::npos);
    // A signature copied from another event, or a number used twice, is no better.
    const auto replayed = signed_run(
        "start; emit '{\"event\":\"end\",\"name\":\"only\",\"passed\":true,\"seconds\":0}'; seq=$((seq - 1)); "
        "emit '{\"event\":\"end\",\"name\":\"only\",\"passed\":true,\"seconds\":0}'; done_");
    CHECK(replayed.status == Status::tampered);
    CHECK(signed_run("start; seq=$((seq + 1)); end true; done_").status == Status::tampered);
    // An unsigned stream where a key was given is tampered as a whole.
    CHECK(course::run_case(fake_binary("key=; start; end true; done_"), "only", signing).status == Status::tampered);
}

TEST_CASE("repeated runs that sometimes pass are flaky") {
    course::CaseResult pass;
    pass.status = Status::passed;
    course::CaseResult fail;
    fail.status = Status::failed;
    fail.explanation = "1 check failed.";
    const auto combined = course::combine_runs({pass, fail, pass});
    CHECK(combined.status == Status::flaky);
    CHECK(combined.passes == 2);
    CHECK(combined.runs == 3);
    CHECK(course::combine_runs({pass, pass}).status == Status::passed);
    CHECK(course::combine_runs({fail, fail}).status == Status::failed);
}

TEST_CASE("a filter selects exactly one case even with commas in its name") {
    CHECK(course::exact_case_filter("call(\"exit 1\", shell=True)") == "call(\"exit 1\"\\, shell=True)");
    CHECK(course::exact_case_filter("a\\b") == "a\\\\b");
}

TEST_CASE("the test main writes any bytes as valid JSON, and bad bytes stay visible") {
    using course::report::json_string;
    CHECK(json_string("plain") == "\"plain\"");
    CHECK(json_string("a\"b\\c\n") == "\"a\\\"b\\\\c\\n\"");
    CHECK(json_string(std::string("x\xFF")) == "\"x\\\\xFF\"");
    CHECK(json_string("caf\xC3\xA9") == "\"caf\xC3\xA9\"");        // valid UTF-8 passes through
    CHECK(json_string("\xC3") == "\"\\\\xC3\"");                   // a truncated sequence
    CHECK(json_string("\xED\xA0\x80") == "\"\\\\xED\\\\xA0\\\\x80\"");  // a surrogate
    CHECK(json_string(std::string("\x01", 1)) == "\"\\u0001\"");
}

TEST_CASE("SHA-1 and HMAC-SHA-1 give the published test vectors") {
    using course::report::hmac_sha1_hex;
    using course::report::sha1_hex;
    CHECK(sha1_hex("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    CHECK(sha1_hex("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d");
    CHECK(sha1_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    // RFC 2202, test cases 1 and 2.
    CHECK(hmac_sha1_hex(std::string(20, '\x0b'), "Hi There") == "b617318655057264e28bc0b6fb378c8ef146be00");
    CHECK(hmac_sha1_hex("Jefe", "what do ya want for nothing?") == "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
}
