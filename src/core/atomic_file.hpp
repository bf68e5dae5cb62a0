#pragma once
// Output files are written whole or not at all: a temp file in the same folder, fsync, rename.
// An existing file is never left half-written.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gx {

// Throws InputError when the file cannot be written (folder missing or not writable, path is a
// folder). Checked before a run starts, so a bad path is not found after minutes of work.
void ensure_writable(const std::string& path);

// Writes content to path atomically. Throws InputError naming the path and the OS error.
void write_file_atomically(const std::string& path, std::string_view content);

// Throws UsageError when an output names the same file as another output or as an input (flag
// name -> path; empty paths ignored): it would be destroyed. Inputs may repeat (comparing a file
// with itself is fine). Compares the files themselves where they exist (links, ./a vs a), else
// the normalized absolute paths.
using NamedPaths = std::vector<std::pair<std::string, std::string>>;
void refuse_same_file(const NamedPaths& outputs, const NamedPaths& inputs);

}  // namespace gx
