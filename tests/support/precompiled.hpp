// precompiled.hpp: the headers nearly every test includes, compiled once per build flavour.
#pragma once

#include <doctest/doctest.h>

#include "printing.hpp"  // containers in failed checks

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>
