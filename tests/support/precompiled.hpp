// precompiled.hpp: the headers nearly every test includes, compiled once per build flavour.
#pragma once

#include "precompiled_processes.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
