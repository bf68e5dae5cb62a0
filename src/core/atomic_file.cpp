#include "core/atomic_file.hpp"

#include <filesystem>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "core/error.hpp"

namespace gx {
namespace {

std::string folder_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

[[noreturn]] void fail(const std::string& path, std::string_view what, int err) {
  throw InputError(fmt::format("cannot write '{}': {}: {}", path, what, std::strerror(err)));
}

// Closes the descriptor and removes the temp file unless committed.
class TempFile {
 public:
  explicit TempFile(const std::string& target) : path_(target + ".tmp.XXXXXX") {
    std::vector<char> name(path_.begin(), path_.end());
    name.push_back('\0');
    fd_ = mkstemp(name.data());
    if (fd_ < 0) fail(target, "cannot create a temporary file beside it", errno);
    path_ = name.data();
  }
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  [[nodiscard]] int fd() const { return fd_; }
  [[nodiscard]] const std::string& path() const { return path_; }
  int close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }
  void commit() { committed_ = true; }

 private:
  std::string path_;
  int fd_ = -1;
  bool committed_ = false;
};

}  // namespace

void ensure_writable(const std::string& path) {
  if (path.empty()) throw InputError("cannot write '': empty file name");
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) throw InputError(fmt::format("cannot write '{}': it is a folder", path));
    if (::access(path.c_str(), W_OK) != 0) fail(path, "file not writable", errno);
  }
  const std::string folder = folder_of(path);
  if (::stat(folder.c_str(), &st) != 0) fail(path, fmt::format("folder '{}'", folder), errno);
  if (!S_ISDIR(st.st_mode)) throw InputError(fmt::format("cannot write '{}': '{}' is not a folder", path, folder));
  if (::access(folder.c_str(), W_OK | X_OK) != 0) fail(path, fmt::format("folder '{}'", folder), errno);
}

void write_file_atomically(const std::string& path, std::string_view content) {
  ensure_writable(path);
  TempFile temp(path);
  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(temp.fd(), content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(path, "write", errno);
    }
    written += static_cast<std::size_t>(n);
  }
  // Readable by others like a file made by a plain open(): mkstemp creates 0600.
  const mode_t mask = ::umask(0);
  ::umask(mask);
  if (::fchmod(temp.fd(), 0666 & ~mask) != 0) fail(path, "chmod", errno);
  if (::fsync(temp.fd()) != 0) fail(path, "fsync", errno);
  if (temp.close() != 0) fail(path, "close", errno);
  if (::rename(temp.path().c_str(), path.c_str()) != 0) fail(path, "rename", errno);
  temp.commit();
}

namespace {
bool same_file(const std::string& a, const std::string& b) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(a, ec) && fs::exists(b, ec)) {
    const bool same = fs::equivalent(a, b, ec);
    if (!ec) return same;
  }
  const fs::path pa = fs::weakly_canonical(fs::absolute(a, ec), ec);
  const fs::path pb = fs::weakly_canonical(fs::absolute(b, ec), ec);
  return !ec && pa == pb;
}
}  // namespace

void refuse_same_file(const NamedPaths& outputs, const NamedPaths& inputs) {
  NamedPaths paths = outputs;
  paths.insert(paths.end(), inputs.begin(), inputs.end());
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    for (std::size_t j = i + 1; j < paths.size(); ++j) {
      const auto& [flag_a, a] = paths[i];
      const auto& [flag_b, b] = paths[j];
      if (a.empty() || b.empty() || !same_file(a, b)) continue;
      throw UsageError(
          fmt::format("{} and {} name the same file '{}': an output must not overwrite an input "
                      "or another output",
                      flag_a, flag_b, b));
    }
  }
}

}  // namespace gx
