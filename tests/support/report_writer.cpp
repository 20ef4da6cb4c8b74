// report_writer.cpp: open the report stream, read the run's key before any code under test can, sign every event.
#include "report_writer.hpp"

#include <fcntl.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/syscall.h>
#endif

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

#include "report_mac.hpp"
#include "report_stream.hpp"

namespace course_test::stream {

namespace {

// The system calls themselves where we can, not the C library's wrappers: a test may arm
// write() to fail (see injected_failures.cpp), and the key is read before a sanitizer's
// interceptors are ready.
#if defined(__linux__)
long raw_read(int fd, void* data, std::size_t size) { return syscall(SYS_read, fd, data, size); }
long raw_write(int fd, const void* data, std::size_t size) { return syscall(SYS_write, fd, data, size); }
void raw_close(int fd) { syscall(SYS_close, fd); }
#else
long raw_read(int fd, void* data, std::size_t size) { return read(fd, data, size); }
long raw_write(int fd, const void* data, std::size_t size) { return write(fd, data, size); }
void raw_close(int fd) { close(fd); }
#endif

int g_fd = -1;
pid_t g_owner = 0;
char g_key[64];
std::size_t g_key_length = 0;
std::atomic<std::uint64_t> g_sequence{0};
std::mutex g_order;  // keeps the events of ordinary code in the order of their numbers

/// The descriptor `value` names, if it is one and open.
int descriptor_in(const char* text) {
    if (text == nullptr || *text == '\0') return -1;
    // Digits by hand: the C library's locale tables may not be set up yet.
    long fd = 0;
    for (const char* c = text; *c != '\0'; ++c) {
        if (*c < '0' || *c > '9' || fd > 1'000'000) return -1;
        fd = fd * 10 + (*c - '0');
    }
    if (fd < 3) return -1;
    if (fcntl(static_cast<int>(fd), F_GETFD) == -1) return -1;
    return static_cast<int>(fd);
}

/// The value of `variable` in `environment`. Before the C library has set itself up,
/// getenv() cannot be used yet: the pre-initialisation functions get the environment as an
/// argument instead.
const char* value_in(char** environment, const char* variable) {
    const std::size_t length = std::strlen(variable);
    for (char** entry = environment; entry != nullptr && *entry != nullptr; ++entry) {
        if (std::strncmp(*entry, variable, length) == 0 && (*entry)[length] == '=') return *entry + length + 1;
    }
    return nullptr;
}

/// Runs before every constructor of the program, the code under test's included: the key
/// is read and its descriptor closed before anything else could read it.
void read_key(int, char**, char** environment) {
    const int fd = descriptor_in(value_in(environment, course::report::key_variable));
    if (fd < 0) return;
    std::size_t got = 0;
    while (got < sizeof g_key) {
        const long n = raw_read(fd, g_key + got, sizeof g_key - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
    }
    g_key_length = got;
    raw_close(fd);
}

#if defined(__ELF__)
__attribute__((section(".preinit_array"), used)) void (*const g_read_key)(int, char**, char**) = read_key;
#else
// Without ELF's pre-initialisation, the earliest constructor there is.
__attribute__((constructor(101))) void read_key_early() { read_key(0, nullptr, environ); }
#endif

void write_all(const char* data, std::size_t size) {
    std::size_t done = 0;
    while (done < size) {
        const long n = raw_write(g_fd, data + done, size - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        done += static_cast<std::size_t>(n);
    }
}

/// `json` with its signature: its last '}' becomes ',"seq":N,"mac":"..."}', and a line
/// break follows. 0 when it does not fit `capacity`.
std::size_t signed_line(std::string_view json, char* out, std::size_t capacity) {
    if (json.empty() || json.back() != '}' || json.size() + 100 > capacity) return 0;
    std::size_t length = json.size() - 1;
    std::memcpy(out, json.data(), length);
    if (g_key_length == 0) {
        out[length++] = '}';
        out[length++] = '\n';
        return length;
    }
    const std::uint64_t sequence = g_sequence.fetch_add(1);
    char mac[40];
    course::report::sign_event(std::string_view(g_key, g_key_length), sequence, json, mac);
    const char head[] = ",\"seq\":";
    std::memcpy(out + length, head, sizeof head - 1);
    length += sizeof head - 1;
    char digits[24];
    int count = 0;
    for (std::uint64_t v = sequence; count == 0 || v > 0; v /= 10) digits[count++] = static_cast<char>('0' + v % 10);
    while (count > 0) out[length++] = digits[--count];
    const char middle[] = ",\"mac\":\"";
    std::memcpy(out + length, middle, sizeof middle - 1);
    length += sizeof middle - 1;
    std::memcpy(out + length, mac, sizeof mac);
    length += sizeof mac;
    out[length++] = '"';
    out[length++] = '}';
    out[length++] = '\n';
    return length;
}

}  // namespace

void open() {
    g_owner = getpid();
    g_fd = descriptor_in(std::getenv(course::report::descriptor_variable));
    // A program the test starts with exec must not inherit the stream.
    if (g_fd >= 0) fcntl(g_fd, F_SETFD, FD_CLOEXEC);
}

bool is_open() { return g_fd >= 0; }
int descriptor() { return g_fd; }
pid_t owner() { return g_owner; }

void write_event(std::string_view json) {
    if (g_fd < 0) return;
    std::string line(json.size() + 100, '\0');
    const std::lock_guard lock(g_order);
    const std::size_t length = signed_line(json, line.data(), line.size());
    write_all(line.data(), length);
}

void write_event_unlocked(std::string_view json) {
    if (g_fd < 0) return;
    // Its callers' events are small by design (a crash's frames, a report's case number).
    char line[16 * 1024];
    const std::size_t length = signed_line(json, line, sizeof line);
    write_all(line, length);
}

}  // namespace course_test::stream
