// crash_handler.cpp: where a test process crashed, written to the report stream from inside the signal handler.
//
// A crash in a student's code is only useful if it says where. When the process gets a
// fatal signal, the handler below records the faulting address and the call chain as
// return addresses relative to the binary (which the course tool turns into file:line
// with addr2line, outside the dying process), writes one "crash" event, and lets the
// signal kill the process as it would have anyway. Everything here is async-signal-safe:
// no allocation, no locks, no stdio; the module list is taken once at start-up, and the
// unwinder is loaded before any crash can happen.
//
// Sanitizer builds keep their own handler: ThreadSanitizer and AddressSanitizer report a
// fatal signal themselves, with symbolised frames. The module list and the machine context
// are read the Linux way (dl_iterate_phdr, ucontext registers); elsewhere a crash is left to
// the system's own report.
#include "crash_handler.hpp"

#include "report_writer.hpp"

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define COURSE_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define COURSE_SANITIZED 1
#endif
#endif
#if defined(__linux__) && !defined(COURSE_SANITIZED)
#define COURSE_CRASH_HANDLER 1
#endif

#if defined(COURSE_CRASH_HANDLER)
#include <execinfo.h>
#include <link.h>
#include <signal.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>
#endif

namespace course_test {

#if defined(COURSE_CRASH_HANDLER)
namespace {

namespace stream = course_test::stream;

/// An executable segment of a loaded module, as dl_iterate_phdr saw it at start-up.
struct Segment {
    std::uintptr_t start;
    std::uintptr_t end;
    std::uintptr_t bias;   // the module's load address: frame - bias is what addr2line reads
    char name[48];         // the module's file name; empty for the test binary itself
};

std::array<Segment, 96> g_segments{};
int g_segment_count = 0;
alignas(16) char g_alternate_stack[64 * 1024];

/// A fixed buffer that formats text without allocating.
class Line {
public:
    void text(const char* s) {
        while (*s != '\0' && used_ + 1 < sizeof buffer_) buffer_[used_++] = *s++;
    }
    void number(long long value) {
        if (value < 0) {
            text("-");
            value = -value;
        }
        char digits[24];
        int n = 0;
        do {
            digits[n++] = static_cast<char>('0' + value % 10);
            value /= 10;
        } while (value > 0);
        while (n > 0 && used_ + 1 < sizeof buffer_) buffer_[used_++] = digits[--n];
    }
    void hex(std::uintptr_t value) {
        text("0x");
        char digits[24];
        int n = 0;
        do {
            digits[n++] = "0123456789abcdef"[value % 16];
            value /= 16;
        } while (value > 0);
        while (n > 0 && used_ + 1 < sizeof buffer_) buffer_[used_++] = digits[--n];
    }
    /// Module names are file names: no quotes or backslashes to escape, but be safe.
    void plain_name(const char* s) {
        for (; *s != '\0'; ++s) {
            const char c = (*s == '"' || *s == '\\' || static_cast<unsigned char>(*s) < 0x20) ? '?' : *s;
            const char one[2] = {c, '\0'};
            text(one);
        }
    }
    std::string_view view() const { return {buffer_, used_}; }

private:
    char buffer_[12 * 1024];
    std::size_t used_ = 0;
};

int remember_segments(dl_phdr_info* info, std::size_t /*size*/, void* /*data*/) {
    const char* path = info->dlpi_name != nullptr ? info->dlpi_name : "";
    const char* slash = std::strrchr(path, '/');
    const char* name = slash != nullptr ? slash + 1 : path;
    for (int i = 0; i < info->dlpi_phnum && g_segment_count < static_cast<int>(g_segments.size()); ++i) {
        const ElfW(Phdr)& header = info->dlpi_phdr[i];
        if (header.p_type != PT_LOAD || (header.p_flags & PF_X) == 0) continue;
        Segment& s = g_segments[static_cast<std::size_t>(g_segment_count++)];
        s.start = info->dlpi_addr + header.p_vaddr;
        s.end = s.start + header.p_memsz;
        s.bias = info->dlpi_addr;
        std::strncpy(s.name, name, sizeof s.name - 1);
        s.name[sizeof s.name - 1] = '\0';
    }
    return 0;
}

/// One frame as the tool reads it: "0x1a2b" in the test binary, "libc.so.6+0x2b3c" elsewhere.
void frame(Line& line, std::uintptr_t address) {
    for (int i = 0; i < g_segment_count; ++i) {
        const Segment& s = g_segments[static_cast<std::size_t>(i)];
        if (address < s.start || address >= s.end) continue;
        line.text("\"");
        if (s.name[0] != '\0') {
            line.plain_name(s.name);
            line.text("+");
        }
        line.hex(address - s.bias);
        line.text("\"");
        return;
    }
    line.text("\"?");
    line.hex(address);
    line.text("\"");
}

/// "write" or "read" for a memory fault where the processor tells (x86-64's page-fault
/// error code), else "".
const char* access_kind(int signal, void* context) {
#if defined(__x86_64__)
    if (signal == SIGSEGV || signal == SIGBUS) {
        return (static_cast<ucontext_t*>(context)->uc_mcontext.gregs[REG_ERR] & 2) != 0 ? "write" : "read";
    }
#else
    (void)signal;
    (void)context;
#endif
    return "";
}

std::uintptr_t faulting_instruction(void* context) {
#if defined(__x86_64__)
    return static_cast<std::uintptr_t>(static_cast<ucontext_t*>(context)->uc_mcontext.gregs[REG_RIP]);
#elif defined(__aarch64__)
    return static_cast<std::uintptr_t>(static_cast<ucontext_t*>(context)->uc_mcontext.pc);
#else
    (void)context;
    return 0;
#endif
}

void on_fatal_signal(int signal, siginfo_t* info, void* context) {
    // A child the code under test forked inherits this handler; it crashes as itself,
    // without speaking for the test process.
    if (stream::is_open() && getpid() == stream::owner()) {
        Line line;
        line.text("{\"event\":\"crash\",\"signal\":");
        line.number(signal);
        line.text(",\"address\":\"");
        line.hex(reinterpret_cast<std::uintptr_t>(info->si_addr));
        line.text("\",\"thread\":");
        line.number(static_cast<long long>(syscall(SYS_gettid)));
        line.text(",\"sent\":");
        // si_code <= 0: sent by kill() or raise() (abort() included), not by a fault.
        line.text(info->si_code <= 0 ? "true" : "false");
        line.text(",\"access\":\"");
        line.text(info->si_code <= 0 ? "" : access_kind(signal, context));
        line.text("\"");
        const std::uintptr_t pc = faulting_instruction(context);
        line.text(",\"pc\":");
        if (pc != 0) frame(line, pc);
        else line.text("\"\"");
        // The unwinder walks through this handler and the signal frame to the code that
        // crashed; the tool drops the frames up to the faulting instruction.
        void* frames[64];
        const int count = backtrace(frames, 64);
        line.text(",\"frames\":[");
        for (int i = 0; i < count; ++i) {
            if (i > 0) line.text(",");
            frame(line, reinterpret_cast<std::uintptr_t>(frames[i]));
        }
        line.text("]}");
        stream::write_event_unlocked(line.view());
    }
    // SA_RESETHAND has put the default action back: raised again, the signal ends the
    // process as soon as this handler returns, with the status it would have had.
    raise(signal);
}

}  // namespace

void install_crash_handler() {
    dl_iterate_phdr(remember_segments, nullptr);
    // backtrace() loads the unwinder on first use, which allocates: do it now.
    void* warm_up[2];
    backtrace(warm_up, 2);
    // A stack overflow leaves no stack to run the handler on: give it one of its own.
    stack_t alternate{};
    alternate.ss_sp = g_alternate_stack;
    alternate.ss_size = sizeof g_alternate_stack;
    sigaltstack(&alternate, nullptr);
    struct sigaction action {};
    action.sa_sigaction = on_fatal_signal;
    action.sa_flags = static_cast<int>(SA_SIGINFO | SA_ONSTACK | SA_RESETHAND);
    sigemptyset(&action.sa_mask);
    for (const int signal : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS}) {
        sigaction(signal, &action, nullptr);
    }
}

#else

void install_crash_handler() {}

#endif

}  // namespace course_test
