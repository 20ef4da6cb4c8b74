// main.cpp: the course tool's command line; each subcommand lives in its own file.
#include <CLI/CLI.hpp>

#include <iostream>

#include "commands.hpp"
#include "info.hpp"

int main(int argc, char** argv) {
    CLI::App app{"The course command: work through the chapters, check exercises, grade submissions."};
    app.name("course");
    app.require_subcommand(0, 1);
    app.footer("Run `./course` alone for the course map, and `./course COMMAND --help` for one command.");
    course::add_student_commands(app);
    course::add_grade_commands(app);
    course::add_selftest_command(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    } catch (const course::UserError& e) {
        std::cerr << "course: " << e.what() << '\n';
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "course: unexpected error: " << e.what() << '\n';
        return 3;
    }
    return 0;
}
