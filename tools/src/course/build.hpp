// build.hpp: configure the course's build and run Ninja on it, in the background where that helps.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "context.hpp"
#include "watchdog.hpp"

namespace course {

/// Runs a build command (cmake, ninja) in `workdir`, its output captured. Builds are long,
/// never endless: `limits` bound them.
Outcome run_command(const std::filesystem::path& workdir, std::vector<std::string> argv, const Limits& limits,
                    const Tick& tick = {});

/// Configures the dev build if it has not been configured yet. Its messages go to stderr,
/// so that a report written to stdout stays clean.
void ensure_configured(const Context& context);

/// A Ninja build of some targets in the dev build, running in the background (keeping
/// going past failures), so that the first binary can run while the others still build.
class Build {
public:
    Build(const Context& context, const std::vector<std::string>& targets);
    /// Waits until `binary` has been linked by this build, or the build has ended.
    void wait_for(const std::filesystem::path& binary, const Tick& tick);
    /// Waits for the end of the build.
    void finish(const Tick& tick);
    /// Whether the build has ended, and whether it succeeded.
    bool ended();
    bool ok();
    /// What Ninja printed so far (everything, once ended).
    std::string output() const;
    /// Whether `target` failed to build, according to Ninja's output so far.
    bool failed(const std::string& target) const;
    /// Stops the build (a check that no longer needs it).
    void cancel();

private:
    std::filesystem::path build_dir_;
    Watched run_;
    std::optional<Outcome> outcome_;
};

}  // namespace course
