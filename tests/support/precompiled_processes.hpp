// precompiled_processes.hpp: the headers tests of programs and processes include (no threads).
#pragma once

#include <doctest/doctest.h>

#include "printing.hpp"  // containers in failed checks

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>
