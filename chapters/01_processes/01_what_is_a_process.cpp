// 01_what_is_a_process.cpp: a process's PID, parent PID and own memory (os.getpid(), os.getppid()).
//
// A process is a running program plus everything the kernel keeps for it: an ID
// (the PID), the ID of the process that started it (the parent PID), a private
// address space, open files, a current directory, and at least one thread. This
// program prints its own identity card. On Linux the kernel also publishes it as
// text under /proc/<pid>/; on a system without /proc those lines say so.

#include <unistd.h>

#include <fstream>
#include <iostream>
#include <string>

// We read one "Key:" line of /proc/<pid>/status, e.g. "Threads:" or "VmRSS:".
std::string status_field(const std::string& pid, const std::string& key) {
    std::ifstream status{"/proc/" + pid + "/status"};
    if (!status) return "(no /proc on this system)";
    for (std::string line; std::getline(status, line);) {
        if (line.rfind(key + ':', 0) == 0) {
            const auto value = line.find_first_not_of(" \t", key.size() + 1);
            return value == std::string::npos ? "" : line.substr(value);
        }
    }
    return "(not found)";
}

// A global variable: every process running this program has one at this
// address, and each has its own copy (example 08 shows it).
int global_counter = 42;

int main() {
    // getpid() and getppid() never fail. The PID is unique among the live
    // processes; it is reused after a process is gone and reaped (example 09).
    const pid_t me = getpid();
    const pid_t parent = getppid();
    std::cout << "I am process " << me << ", started by process " << parent << '\n';

    // Our parent is whatever started us: a shell, ctest, the course tool...
    // Its program name is field "Name:" of its own status file.
    std::cout << "my parent " << parent << " runs the program '"
              << status_field(std::to_string(parent), "Name") << "'\n";

    // One process, one thread so far: main()'s. Threads live inside a process
    // and share its memory (chapter 02); processes share nothing by default.
    std::cout << "threads in this process: " << status_field("self", "Threads") << '\n';
    std::cout << "resident memory: " << status_field("self", "VmRSS") << '\n';

    // The address below is virtual: it is meaningful only inside this process.
    // Another process may use the very same number for different memory.
    std::cout << "global_counter = " << global_counter << " lives at virtual address "
              << static_cast<const void*>(&global_counter) << " of MY address space\n";

    // Open files belong to the process too: 0, 1 and 2 were inherited from the
    // parent, which is how our output reaches the parent's terminal or pipe.
    std::cout << "standard output (fd 1) is a " << (isatty(1) ? "terminal" : "pipe or file")
              << " inherited from the parent\n";
}

// Output of one run (PIDs, the parent's name, the memory and the address differ from run to
// run; the last line says "terminal" when the program writes to one):
//
//   $ ./01_what_is_a_process
//   I am process <n>, started by process <n>
//   my parent <n> runs the program '<...>'
//   threads in this process: 1
//   resident memory: <n> kB
//   global_counter = 42 lives at virtual address 0x<...> of MY address space
//   standard output (fd 1) is a <...> inherited from the parent
