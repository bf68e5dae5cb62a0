#pragma once
// Output files are written whole or not at all: a temp file in the same folder, fsync, rename.
// An existing file is never left half-written.
#include <string>
#include <string_view>

namespace gx {

// Throws InputError when the file cannot be written (folder missing or not writable, path is a
// folder). Checked before a run starts, so a bad path is not found after minutes of work.
void ensure_writable(const std::string& path);

// Writes content to path atomically. Throws InputError naming the path and the OS error.
void write_file_atomically(const std::string& path, std::string_view content);

}  // namespace gx
