// 05_exit_status.cpp: subprocess.call("exit 1", shell=True) is 1; std::system returns status 256.
//
// The kernel tells a parent how its child ended in one int, the wait status:
// either "exited with status N" (N is 0..255) or "killed by signal S". waitpid()
// and std::system() hand us that packed int; the macros WIFEXITED/WEXITSTATUS and
// WIFSIGNALED/WTERMSIG unpack it. Python's subprocess unpacks it for you and
// reports a signal as a negative returncode; os.system() returns it raw.
//
// This program ends with exit status 1 on purpose (its last line says so); the
// chapter's CMakeLists.txt declares that with EXIT_CODES 05_exit_status=1.

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <system_error>

std::string describe(int status) {
    if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) {
        return "killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
               strsignal(WTERMSIG(status)) + ")";
    }
    return "stopped or continued";
}

// What Python's Popen.returncode would be: the exit status, or minus the signal.
int python_returncode(int status) {
    return WIFSIGNALED(status) ? -WTERMSIG(status) : WEXITSTATUS(status);
}

void run_shell(const char* command, const char* why) {
    const int status = std::system(command);
    std::cout << "std::system(\"" << command << "\") returned " << status << '\n'
              << "    = " << describe(status) << why << "; subprocess.call would return "
              << python_returncode(status) << '\n';
}

int wait_for(pid_t pid) {
    int status = 0;
    while (waitpid(pid, &status, 0) == -1) {
        if (errno != EINTR) throw std::system_error(errno, std::generic_category(), "waitpid");
    }
    return status;
}

// A child that leaves with _exit(code). Only the low 8 bits of code survive.
void run_child_exiting_with(int code) {
    std::cout.flush();
    const pid_t pid = fork();
    if (pid == -1) throw std::system_error(errno, std::generic_category(), "fork");
    if (pid == 0) _exit(code);
    std::cout << "child " << pid << " called _exit(" << code << ") and "
              << describe(wait_for(pid)) << '\n';
}

int main() {
    // The shell runs the command and exits with its status; std::system returns
    // the shell's wait status: 1 << 8 == 256 on Linux and macOS.
    run_shell("exit 1", "");
    // The shell was killed, so there is no exit status at all, only a signal.
    run_shell("kill -TERM $$", "");
    // The shell's own conventions: 127 "not found", 126 "found, cannot run it".
    // (We send the shell's complaint to /dev/null to keep the output tidy.)
    run_shell("no-such-program 2>/dev/null", " (shell: not found)");
    run_shell("/ 2>/dev/null", " (shell: cannot execute it)");

    // The same statuses from our own children, collected by waitpid().
    run_child_exiting_with(3);
    run_child_exiting_with(300);  // 300 % 256 == 44: the status is one byte

    // std::system returns -1 when it cannot wait for the shell at all. One way:
    // SIGCHLD set to SIG_IGN tells the kernel to reap children at once, so the
    // shell's status is gone before std::system asks for it (errno ECHILD).
    std::signal(SIGCHLD, SIG_IGN);
    errno = 0;
    const int failed = std::system("exit 1");
    std::cout << "with SIGCHLD ignored, std::system(\"exit 1\") returned " << failed << " ("
              << std::strerror(errno) << ")\n    = the kernel reaped the shell at once;"
              << " its status was thrown away\n";
    std::signal(SIGCHLD, SIG_DFL);

    // Our own exit status, seen by whoever waits for us (the shell's $?).
    std::cout << "exiting with status 1 on purpose, like the shell's `exit 1` (try: echo $?)\n";
    return 1;
}

// Output of one run (PIDs differ; the exit status is 1 on purpose):
//
//   $ ./05_exit_status
//   std::system("exit 1") returned 256
//       = exited with status 1; subprocess.call would return 1
//   std::system("kill -TERM $$") returned 15
//       = killed by signal 15 (Terminated); subprocess.call would return -15
//   std::system("no-such-program 2>/dev/null") returned 32512
//       = exited with status 127 (shell: not found); subprocess.call would return 127
//   std::system("/ 2>/dev/null") returned 32256
//       = exited with status 126 (shell: cannot execute it); subprocess.call would return 126
//   child <n> called _exit(3) and exited with status 3
//   child <n> called _exit(300) and exited with status 44
//   with SIGCHLD ignored, std::system("exit 1") returned -1 (No child processes)
//       = the kernel reaped the shell at once; its status was thrown away
//   exiting with status 1 on purpose, like the shell's `exit 1` (try: echo $?)
