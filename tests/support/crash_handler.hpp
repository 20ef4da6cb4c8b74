// crash_handler.hpp: report where a test process crashed (see crash_handler.cpp).
#pragma once

namespace course_test {

/// Installs handlers for the fatal signals that write a "crash" event (signal, faulting
/// address, frames) to the report stream before the process dies. Does nothing in
/// sanitizer builds, whose runtime reports fatal signals itself, nor off Linux.
void install_crash_handler();

}  // namespace course_test
