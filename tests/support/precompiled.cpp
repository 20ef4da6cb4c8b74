// precompiled.cpp: gives CMake a target to build the precompiled header with; nothing else.
#include "precompiled.hpp"
