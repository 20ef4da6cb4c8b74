// diagnosis.hpp: turn gdb backtraces, crash frames and ThreadSanitizer logs into what a student needs to read.
#pragma once

#include <string>
#include <vector>

#include "frames.hpp"

namespace course {

/// A gdb Python script that, run after "thread apply all bt" on a stuck process, prints
/// what each thread waits for and which locks it holds, as lines the summary reads:
///   course-thread <gdb number> <kernel thread id>
///   course-waits <thread> <mutex address>             blocked locking this mutex
///   course-holds <thread> <mutex address> <file> <line>  a lock_guard/unique_lock/scoped_lock declared there
///   course-owner <mutex address> <kernel thread id>   the mutex's owner, as glibc records it
///   course-cv <thread> <condition variable address>   waiting on a condition variable
std::string gdb_lock_script();

/// From gdb's "thread apply all bt": one paragraph per thread saying what it waits for and
/// where in the student's code, e.g. "thread 2 waits for a mutex in course::transfer() at
/// transfers.hpp:71", with the source line; the tests' helpers fold into one line.
/// When the lock script's lines are there, the summary opens with the locks: which thread
/// holds which mutex (the student's line where it was locked, and the object, e.g.
/// `from.mutex_`), which it waits for and who holds that, and the cycle they make.
std::string summarise_stacks(const std::string& gdb_output, const CodeOwners& owners);

/// What a ThreadSanitizer log holds.
struct TsanFindings {
    std::string kind;          ///< the first report's kind ("data race", ...); empty: no report
    bool fatal_signal = false; ///< the process died of a signal, which TSan reported (a crash, not a race)
    std::string signal_name;   ///< "SEGV", "BUS", "FPE"... when fatal_signal
    std::string access;        ///< "The signal is caused by a WRITE memory access." and its hint
    std::vector<Frame> crash_frames;  ///< the crashing thread's frames, innermost first
    std::string trimmed;       ///< the reports, trimmed for a student (never an empty heading)
};

/// Reads every report of a ThreadSanitizer log. At most `max_reports` distinct reports are
/// kept in `trimmed`; the rest are counted.
TsanFindings read_tsan_log(const std::string& log, const CodeOwners& owners, int max_reports = 2);

}  // namespace course
