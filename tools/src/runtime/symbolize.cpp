// symbolize.cpp: run addr2line on a crash's frames, outside the process that crashed.
#include "symbolize.hpp"

#include <algorithm>
#include <sstream>
#include <string_view>

#include "watchdog.hpp"

namespace course {

namespace {

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

}  // namespace

std::vector<Frame> symbolize_crash(const std::filesystem::path& binary, const std::string& pc,
                                   const std::vector<std::string>& frames) {
    // The handler's own frames come first, then the signal trampoline, then the faulting
    // instruction: start there. Without it, skip the handler and the trampoline.
    auto first = static_cast<std::size_t>(std::find(frames.begin(), frames.end(), pc) - frames.begin());
    if (first == frames.size()) first = std::min<std::size_t>(2, frames.size());
    std::vector<std::string> addresses;
    std::vector<std::size_t> positions;  // where each address' frames go
    std::vector<std::vector<Frame>> slots;
    for (std::size_t i = first; i < frames.size(); ++i) {
        const std::string& f = frames[i];
        slots.emplace_back();
        if (starts_with(f, "0x")) {
            // A return address points after its call: look up the call itself.
            unsigned long long offset = std::stoull(f, nullptr, 16);
            if (i != first && offset > 0) --offset;
            std::ostringstream hex;
            hex << "0x" << std::hex << offset;
            addresses.push_back(hex.str());
            positions.push_back(slots.size() - 1);
        } else {
            slots.back().push_back({"(in " + f.substr(0, f.find('+')) + ")", "", 0});
        }
    }
    if (!addresses.empty()) {
        // One addr2line call per address keeps inlined frames with the address they belong to.
        std::vector<std::string> argv{"addr2line", "-a", "-p", "-f", "-C", "-i", "-e", binary.string()};
        argv.insert(argv.end(), addresses.begin(), addresses.end());
        Launch launch;
        launch.argv = argv;
        Limits limits;
        limits.wall = std::chrono::seconds(20);
        limits.file_bytes = 0;
        const Outcome outcome = run_watched(launch, limits);
        // Each address starts with "0x...: "; "(inlined by)" lines belong to the one before.
        std::istringstream in(outcome.output);
        std::string line;
        std::string chunk;
        std::vector<std::string> chunks;
        while (std::getline(in, line)) {
            if (starts_with(line, "0x") && !chunk.empty()) {
                chunks.push_back(chunk);
                chunk.clear();
            }
            chunk += line + "\n";
        }
        if (!chunk.empty()) chunks.push_back(chunk);
        for (std::size_t i = 0; i < positions.size(); ++i) {
            if (i < chunks.size()) slots[positions[i]] = parse_addr2line(chunks[i]);
            if (slots[positions[i]].empty()) slots[positions[i]].push_back({addresses[i], "", 0});
        }
    }
    std::vector<Frame> result;
    for (const auto& slot : slots) result.insert(result.end(), slot.begin(), slot.end());
    return result;
}

}  // namespace course
