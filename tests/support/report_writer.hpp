// report_writer.hpp: the test binary's end of the report stream: one signed event per line.
#pragma once

#include <string_view>
#include <sys/types.h>

namespace course_test::stream {

/// Opens the stream the course tool passed (COURSE_REPORT_FD), if any; the run's key was
/// read before any other code ran. Call once, first thing in main().
void open();

/// Whether there is a stream to write to.
bool is_open();

/// The descriptor, for the crash handler; -1 when there is none.
int descriptor();

/// The test process: its children must not write on its behalf.
pid_t owner();

/// Writes one event (a JSON object, no line break), signed with its sequence number when
/// the tool passed a key. Events keep their order in the stream. Not for signal handlers.
void write_event(std::string_view json);

/// The same from a signal handler or a sanitizer's hook: no allocation, no lock. For
/// small events (under 16 KiB); a longer one is not written.
void write_event_unlocked(std::string_view json);

}  // namespace course_test::stream
