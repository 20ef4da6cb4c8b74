// schedule_chaos.hpp: the seed of the test binaries' schedule perturbation ("chaos mode").
#pragma once

#include <cstdint>
#include <string>

namespace course_chaos {

/// How this process perturbs its schedule. The perturbation is on unless the environment
/// says COURSE_CHAOS=off; its seed is COURSE_CHAOS_SEED when given, otherwise random.
struct Schedule {
    bool enabled = false;
    std::uint64_t seed = 0;
};

/// The schedule of this process (decided on first use, then fixed).
Schedule current_schedule();

/// The report stream's first event: {"event":"schedule","seed":<n>}, or
/// {"event":"schedule","chaos":"off"} when the perturbation is switched off.
std::string schedule_event();

/// One line for people running a test binary by hand: the seed and how to replay it.
std::string replay_hint();

}  // namespace course_chaos
