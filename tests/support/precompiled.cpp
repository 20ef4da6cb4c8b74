// precompiled.cpp: a source for a precompiled header's target; CMake includes the header in it.
