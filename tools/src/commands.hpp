// commands.hpp: the subcommands of the course tool, each added to the command line by its own file.
#pragma once

namespace CLI {
class App;
}

namespace course {

/// `selftest stub|mutant`: the course's own checks, run by CTest in the selfcheck preset.
void add_selftest_command(CLI::App& app);

}  // namespace course
