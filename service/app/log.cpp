#include "app/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <unistd.h>

namespace portico::log {

namespace {
std::atomic<int> g_level{static_cast<int>(Level::Info)};
const char* kNames[] = {"debug", "info", "notice", "warn", "error", "crit"};
} // namespace

bool parseLevel(std::string_view text, Level& out) {
    for (int i = 0; i < 6; ++i)
        if (text == kNames[i]) {
            out = static_cast<Level>(i);
            return true;
        }
    return false;
}

const char* levelName(Level level) {
    return kNames[static_cast<int>(level)];
}

void setLevel(Level level) {
    g_level = static_cast<int>(level);
}
bool enabled(Level level) {
    return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed);
}

void write(Level level, std::string_view component, std::string_view message) {
    if (!enabled(level)) return;
    using namespace std::chrono;
    auto now = system_clock::now();
    std::time_t t = system_clock::to_time_t(now);
    auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char stamp[40];
    std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(ms));
    std::string line;
    line.reserve(64 + message.size());
    line.append(stamp).append(" ").append(kNames[static_cast<int>(level)]).append(" [");
    line.append(component).append("] ").append(message).push_back('\n');
    // One write per line keeps lines whole when several threads log.
    (void)!::write(STDERR_FILENO, line.data(), line.size());
}

} // namespace portico::log
