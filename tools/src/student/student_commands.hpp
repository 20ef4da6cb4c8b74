// student_commands.hpp: what the student's commands do, without their command line (cli/ adds that).
#pragma once

#include <string>

#include "checking.hpp"

namespace course {

/// The course map: chapters in order, each exercise's standing, a progress bar, what next.
void show_course_map();
/// Builds and runs a chapter's example programs, or one ("02", "02/03"); 1 if one crashed
/// or ended with a status it does not mean to.
int run_chapter_examples(const std::string& spec);
/// Checks exercises ("01/exit_code", "01", or the next unsolved when empty); 0 when all pass.
int check_command(const std::string& spec, const CheckOptions& options);
/// Checks the exercise again whenever its files are saved, until the student quits.
int watch_command(const std::string& spec, const CheckOptions& options);
/// Shows the next hint of an exercise.
int hint_command(const std::string& spec);
/// Puts the original stub back (asking first unless `yes`); the student's version is kept.
int reset_command(const std::string& spec, bool yes);
/// Checks exercises/stubs.json against the stubs, or writes it again (`write`).
int stubs_command(bool write);

}  // namespace course
