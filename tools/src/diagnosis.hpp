// diagnosis.hpp: turn gdb backtraces and ThreadSanitizer reports into what a student needs to read.
#pragma once

#include <string>

namespace course {

/// From gdb's "thread apply all bt": one line per thread saying what it waits for and
/// where, e.g. "thread 2 waits for a mutex (std::mutex::lock) in transfer() at bank.hpp:31".
std::string summarise_stacks(const std::string& gdb_output);

/// A ThreadSanitizer log trimmed to the report headers, the frames in the student's and
/// the tests' files, and the summary lines; at most `max_reports` distinct reports.
std::string trim_tsan_report(const std::string& log, int max_reports = 2);

/// The kind of the first ThreadSanitizer report in a log: "data race",
/// "lock-order-inversion (potential deadlock)", "heap-use-after-free", ...; empty if none.
std::string tsan_report_kind(const std::string& log);

}  // namespace course
