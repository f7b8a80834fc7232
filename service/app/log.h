#pragma once
// One line per event on stderr: time, level, component, message. Any thread may log; a line is
// written with a single write() so lines from different threads never interleave.

#include <string>
#include <string_view>

namespace portico::log {

enum class Level { Debug, Info, Notice, Warn, Error, Crit };

bool parseLevel(std::string_view text, Level& out);
const char* levelName(Level level);
void setLevel(Level level);
bool enabled(Level level);
void write(Level level, std::string_view component, std::string_view message);

inline void debug(std::string_view c, std::string_view m) {
    write(Level::Debug, c, m);
}
inline void info(std::string_view c, std::string_view m) {
    write(Level::Info, c, m);
}
inline void notice(std::string_view c, std::string_view m) {
    write(Level::Notice, c, m);
}
inline void warn(std::string_view c, std::string_view m) {
    write(Level::Warn, c, m);
}
inline void error(std::string_view c, std::string_view m) {
    write(Level::Error, c, m);
}

} // namespace portico::log
