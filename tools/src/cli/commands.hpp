// commands.hpp: the subcommands of the course tool, each added to the command line by its own file.
#pragma once

namespace CLI {
class App;
}

namespace course {

/// map (the default), run, check, watch, hint, reset: the student's side.
void add_student_commands(CLI::App& app);

/// grade and export: the teacher's side.
void add_grade_commands(CLI::App& app);

/// `selftest stub|mutant|table`: the course's own checks, run by CTest in the selfcheck preset.
void add_selftest_command(CLI::App& app);

}  // namespace course
