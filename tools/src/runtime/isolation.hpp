// isolation.hpp: how student code is fenced in while it is graded: bubblewrap, and never as root.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace course {

/// The fence around graded code, decided once per grading run.
struct Isolation {
    std::string kind = "none";  ///< "bubblewrap" or "none"
    std::string reason;         ///< why there is no sandbox, when kind is "none"
    unsigned uid = 0;           ///< the unprivileged user graded code runs as when we are root (0: as us)
    unsigned gid = 0;
    unsigned users = 1;         ///< how many users from `uid` on, one per parallel worker
    /// Folders that graded code must see, read-only (the test binaries): nothing of the
    /// host is there but the system's programs and libraries.
    std::vector<std::filesystem::path> read_only;
    /// What bounds a case's processes together (a cgroup's memory and task limits), or why
    /// nothing does; empty when not asked.
    std::string resource_groups;
    /// The size of each private tmpfs: /tmp, /dev/shm and the working folder.
    std::uint64_t tmpfs_bytes = std::uint64_t{64} << 20;

    /// The command that runs a program inside the sandbox, in a private folder at the path
    /// `writable` (a sized tmpfs; the host's folder there stays untouched); empty when
    /// there is no sandbox.
    std::vector<std::string> wrapper(const std::filesystem::path& writable) const;

    /// The command that runs a build inside the sandbox: the system and `readable` read-only,
    /// `hidden` folders (inside those) empty, `writable` folders (the build tree) as they are;
    /// a private, sized /tmp; no network. Empty when there is no sandbox.
    std::vector<std::string> build_wrapper(const std::vector<std::filesystem::path>& readable,
                                           const std::vector<std::filesystem::path>& hidden,
                                           const std::vector<std::filesystem::path>& writable) const;

    /// One line for reports: what protected the grading, or why nothing did.
    std::string describe() const;
};

/// Decides the isolation: `wanted` is "auto" (bubblewrap if it works here, else none),
/// "bwrap" (bubblewrap or an error) or "none". `scratch` is a folder it may write to.
Isolation choose_isolation(const std::string& wanted, const std::filesystem::path& scratch);

}  // namespace course
