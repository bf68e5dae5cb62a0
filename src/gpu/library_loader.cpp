#include "gpu/library_loader.hpp"

#include <dlfcn.h>
#include <fmt/format.h>
#include <glob.h>
#include <link.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace gx {
namespace {

namespace fs = std::filesystem;

std::string env(const SearchContext& context, const char* name) {
  if (!context.getenv) return {};
  const char* value = context.getenv(name);
  return value != nullptr ? value : "";
}

std::vector<std::string> split_colons(const std::string& text) {
  std::vector<std::string> out;
  std::size_t begin = 0;
  while (begin <= text.size()) {
    const std::size_t end = std::min(text.find(':', begin), text.size());
    if (end > begin) out.push_back(text.substr(begin, end - begin));
    begin = end + 1;
  }
  return out;
}

// Sorted matches of a glob pattern that are folders; none when nothing matches.
std::vector<std::string> glob_folders(const std::string& pattern) {
  std::vector<std::string> out;
  glob_t g{};
  if (glob(pattern.c_str(), GLOB_ONLYDIR, nullptr, &g) == 0) {
    for (std::size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  }
  globfree(&g);
  std::error_code ec;
  out.erase(std::remove_if(out.begin(), out.end(), [&](const std::string& p) { return !fs::is_directory(p, ec); }),
            out.end());
  // Newest toolkit / Python first: cuda-13.2 before cuda-13.0.
  std::sort(out.rbegin(), out.rend());
  return out;
}

std::string under_root(const SearchContext& context, const std::string& absolute) {
  return (fs::path(context.root.empty() ? "/" : context.root) / fs::path(absolute).relative_path())
      .lexically_normal()
      .string();
}

std::string trimmed(const std::string& folder) {
  std::string out = fs::path(folder).lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

#if defined(__aarch64__)
constexpr const char* kTargetArch = "sbsa-linux";
#else
constexpr const char* kTargetArch = "x86_64-linux";
#endif

// The file a handle came from (for a bare soname, where the dynamic linker found it).
std::string loaded_path(void* handle, const std::string& fallback) {
  link_map* map = nullptr;
  if (dlinfo(handle, RTLD_DI_LINKMAP, &map) == 0 && map != nullptr && map->l_name != nullptr && *map->l_name != 0) {
    std::error_code ec;
    const fs::path canonical = fs::canonical(map->l_name, ec);
    return ec ? std::string(map->l_name) : canonical.string();
  }
  return fallback;
}

}  // namespace

SearchContext process_search_context() {
  SearchContext context;
  context.getenv = [](const char* name) { return std::getenv(name); };
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) context.executable = self.string();
  return context;
}

std::vector<SearchPlace> search_places(const LibrarySpec& spec, const SearchContext& context) {
  std::vector<SearchPlace> places;
  auto add = [&](const std::string& folder, const char* origin) {
    const std::string f = folder.empty() ? folder : trimmed(folder);
    const bool seen = std::any_of(places.begin(), places.end(), [&](const SearchPlace& p) { return p.folder == f; });
    if (!seen) places.push_back({f, origin});
  };

  // 1. The user's explicit choice.
  for (const std::string& folder : split_colons(env(context, "GPUXFER_LIBRARY_PATH"))) {
    add(folder, "GPUXFER_LIBRARY_PATH");
  }
  // 2. Shipped with the binary: a tarball's bin/ and lib/gpuxfer/.
  if (!context.executable.empty()) {
    const fs::path bin = fs::path(context.executable).parent_path();
    add(bin.string(), "beside the executable");
    add((bin / ".." / "lib" / "gpuxfer").string(), "beside the executable");
  }
  // 3. The dynamic linker's own search.
  if (context.system) places.push_back({"", "system"});
  // 4. The CUDA toolkit's usual homes.
  for (const char* var : {"CUDA_HOME", "CUDA_PATH"}) {
    const std::string home = env(context, var);
    if (!home.empty()) add((fs::path(home) / "lib64").string(), "CUDA toolkit");
  }
  add(under_root(context, "/usr/local/cuda/lib64"), "CUDA toolkit");
  add(under_root(context, "/usr/local/cuda/lib"), "CUDA toolkit");
  if (spec.cuda_major > 0) {
    for (const char* lib : {"lib64", "lib"}) {
      for (const std::string& f :
           glob_folders(under_root(context, fmt::format("/usr/local/cuda-{}*/{}", spec.cuda_major, lib)))) {
        add(f, "CUDA toolkit");
      }
    }
  }
  add(under_root(context, fmt::format("/usr/local/cuda/targets/{}/lib", kTargetArch)), "CUDA toolkit");
  // 5. NVIDIA's Python wheels (pip install nvidia-cublas-cu13 / nvidia-nccl-cu13, or PyTorch's).
  std::vector<std::string> sites;
  for (const char* pattern : {"/usr/lib/python3*/site-packages", "/usr/lib/python3*/dist-packages",
                              "/usr/local/lib/python3*/site-packages", "/usr/local/lib/python3*/dist-packages"}) {
    for (const std::string& f : glob_folders(under_root(context, pattern))) sites.push_back(f);
  }
  const std::string venv = env(context, "VIRTUAL_ENV");
  if (!venv.empty()) {
    for (const std::string& f : glob_folders(venv + "/lib/python3*/site-packages")) sites.push_back(f);
  }
  const std::string home = env(context, "HOME");
  if (!home.empty()) {
    for (const std::string& f : glob_folders(home + "/.local/lib/python3*/site-packages")) sites.push_back(f);
  }
  for (const std::string& entry : split_colons(env(context, "PYTHONPATH"))) sites.push_back(entry);
  std::error_code ec;
  for (const std::string& site : sites) {
    for (const std::string& wheel : spec.wheel_dirs) {
      const std::string folder = (fs::path(site) / wheel).string();
      if (fs::is_directory(folder, ec)) add(folder, "Python");
    }
  }
  return places;
}

std::string missing_symbol_reason(const char* symbol) {
  return fmt::format("lacks {}", symbol);
}

std::string version_from_code(long long code) {
  if (code < 0) return fmt::format("{}", code);
  return fmt::format("{}.{}.{}", code / 10000, code / 100 % 100, code % 100);
}

LoadedLibrary load_library(const LibrarySpec& spec, const std::vector<SearchPlace>& places, const LibraryCheck& check) {
  LoadedLibrary out;
  LibraryStatus& s = out.status;
  s.name = spec.name;
  s.soname = spec.soname;
  std::vector<std::string> unusable;  // copies that loaded but failed their check, or failed to load
  std::error_code ec;
  for (const SearchPlace& place : places) {
    const bool system = place.folder.empty();
    const std::string target = system ? spec.soname : place.folder + "/" + spec.soname;
    const std::string where = system ? "system library path" : place.folder;
    if (!system && !fs::exists(target, ec)) {
      s.searched.push_back(fmt::format("{} ({}): {}", where, place.origin,
                                       fs::is_directory(place.folder, ec) ? "no " + spec.soname : "no such folder"));
      continue;
    }
    dlerror();
    void* handle = dlopen(target.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      const char* why = dlerror();
      std::string text = why != nullptr ? why : "dlopen failed";
      // The bare soname not found is the usual case: say it plainly.
      if (system && text.find("No such file") != std::string::npos) text = "not in LD_LIBRARY_PATH or ld.so.cache";
      s.searched.push_back(fmt::format("{}: {}", where, text));
      if (!system) unusable.push_back(fmt::format("{}: {}", target, text));
      continue;
    }
    const std::string path = loaded_path(handle, target);
    std::string version;
    const std::string reason = check ? check(handle, version) : std::string();
    if (!reason.empty()) {
      s.searched.push_back(fmt::format("{}: {}", path, reason));
      unusable.push_back(fmt::format("{}: {}", path, reason));
      if (!version.empty()) s.version = version;
      dlclose(handle);
      continue;
    }
    s.searched.push_back(fmt::format("{}: loaded", path));
    s.found = true;
    s.path = path;
    s.version = version;
    out.handle = handle;
    return out;
  }
  std::string list;
  for (const SearchPlace& place : places) {
    if (!list.empty()) list += ", ";
    list += place.folder.empty() ? "the system library path" : place.folder;
  }
  if (unusable.empty()) {
    s.reason = fmt::format("{} not found (searched {})", spec.soname, list.empty() ? "nowhere" : list);
  } else {
    std::string bad;
    for (const std::string& u : unusable) bad += (bad.empty() ? "" : "; ") + u;
    s.reason = fmt::format("no usable {} ({}; searched {})", spec.soname, bad, list);
  }
  return out;
}

}  // namespace gx
