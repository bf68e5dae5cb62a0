// Prints the stamp as "sha dirty" so the test can compare it with git's own answer.
#include <cstdio>
#include <optional>

extern const char* stamp_sha;
extern const char* stamp_dirty;
extern const std::optional<bool> stamp_dirty_value;
extern const char* stamp_note;

int main() {
  const char* from_value = !stamp_dirty_value.has_value() ? "unknown" : *stamp_dirty_value ? "yes" : "no";
  std::printf("%s %s %s|%s\n", stamp_sha, stamp_dirty, from_value, stamp_note);
  return 0;
}
