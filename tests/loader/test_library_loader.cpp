// The run-time search for the optional libraries (src/gpu/library_loader): the order of the
// places, which copy wins, and that a copy of the wrong version or lacking entry points is a
// reason, never a crash. Fake folders live in a temporary directory; the stand-in libraries are
// built by tests/loader/CMakeLists.txt.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "gpu/blas_api.hpp"
#include "gpu/library_loader.hpp"
#ifdef GPUXFER_HAVE_NCCL
#include "gpu/nccl/nccl.hpp"
#endif

namespace fs = std::filesystem;

namespace {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "gpuxfer-loader-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const fs::path& path() const { return path_; }
  // Creates the folder (and its parents) below the temp dir; returns its path.
  fs::path folder(const std::string& relative) const {
    fs::create_directories(path_ / relative);
    return path_ / relative;
  }
  // Copies a built stand-in library into `relative` under the name `soname`.
  fs::path place(const char* fake, const std::string& relative, const std::string& soname) const {
    const fs::path target = folder(relative) / soname;
    fs::copy_file(fake, target, fs::copy_options::overwrite_existing);
    return target;
  }

 private:
  fs::path path_;
};

gx::SearchContext fake_context(const TempDir& dir, std::map<std::string, std::string> env) {
  gx::SearchContext context;
  auto shared = std::make_shared<std::map<std::string, std::string>>(std::move(env));
  context.getenv = [shared](const char* name) -> const char* {
    const auto it = shared->find(name);
    return it == shared->end() ? nullptr : it->second.c_str();
  };
  context.root = dir.path().string();
  context.system = false;
  return context;
}

std::vector<std::string> folders_of(const std::vector<gx::SearchPlace>& places) {
  std::vector<std::string> out;
  for (const auto& p : places) out.push_back(p.folder);
  return out;
}

gx::LibrarySpec test_spec() {
  return {"cuBLASLt", "libcublasLt.so.13", 13, {"nvidia/cublas/lib", "nvidia/cu13/lib"}};
}

std::vector<gx::SearchPlace> in_order(const std::vector<fs::path>& folders) {
  std::vector<gx::SearchPlace> places;
  for (const auto& f : folders) places.push_back({f.string(), "test"});
  return places;
}

}  // namespace

TEST(SearchPlaces, FollowTheDocumentedOrder) {
  TempDir dir;
  const std::string t = dir.path().string();
  dir.folder("usr/local/cuda-13.0/lib64");
  dir.folder("usr/local/cuda-13.1/lib64");
  dir.folder("usr/local/cuda-12.9/lib64");  // another major: not searched
  dir.folder("usr/lib/python3.11/dist-packages/nvidia/cublas/lib");
  dir.folder("usr/lib/python3.11/dist-packages/nvidia/nccl/lib");  // another library's wheel
  dir.folder("venv/lib/python3.12/site-packages/nvidia/cu13/lib");
  dir.folder("home/.local/lib/python3.10/site-packages/nvidia/cublas/lib");
  dir.folder("pp/nvidia/cublas/lib");
  gx::SearchContext context = fake_context(dir, {{"GPUXFER_LIBRARY_PATH", t + "/first:" + t + "/second/"},
                                                 {"CUDA_HOME", t + "/cudahome"},
                                                 {"VIRTUAL_ENV", t + "/venv"},
                                                 {"HOME", t + "/home"},
                                                 {"PYTHONPATH", t + "/pp::" + t + "/missing"}});
  context.executable = t + "/opt/gx/bin/gpuxfer";
  const auto places = gx::search_places(test_spec(), context);
  const std::vector<std::string> expected{
      t + "/first",
      t + "/second",
      t + "/opt/gx/bin",
      t + "/opt/gx/lib/gpuxfer",
      t + "/cudahome/lib64",
      t + "/usr/local/cuda/lib64",
      t + "/usr/local/cuda/lib",
      t + "/usr/local/cuda-13.1/lib64",
      t + "/usr/local/cuda-13.0/lib64",
      t + "/usr/local/cuda/targets/x86_64-linux/lib",
      t + "/usr/lib/python3.11/dist-packages/nvidia/cublas/lib",
      t + "/venv/lib/python3.12/site-packages/nvidia/cu13/lib",
      t + "/home/.local/lib/python3.10/site-packages/nvidia/cublas/lib",
      t + "/pp/nvidia/cublas/lib",
  };
  EXPECT_EQ(folders_of(places), expected);
  EXPECT_EQ(places.front().origin, "GPUXFER_LIBRARY_PATH");
  EXPECT_EQ(places[2].origin, "beside the executable");
}

TEST(SearchPlaces, SystemSearchComesAfterTheExecutablesFolder) {
  TempDir dir;
  gx::SearchContext context = fake_context(dir, {{"GPUXFER_LIBRARY_PATH", "/x"}});
  context.executable = "/opt/gx/bin/gpuxfer";
  context.system = true;
  const auto places = gx::search_places(test_spec(), context);
  ASSERT_GE(places.size(), 5u);
  EXPECT_EQ(places[0].folder, "/x");
  EXPECT_EQ(places[1].folder, "/opt/gx/bin");
  EXPECT_EQ(places[2].folder, "/opt/gx/lib/gpuxfer");
  EXPECT_EQ(places[3].folder, "");  // dlopen of the bare soname
  EXPECT_EQ(places[3].origin, "system");
  EXPECT_EQ(places[4].folder, dir.path().string() + "/usr/local/cuda/lib64");
}

TEST(SearchPlaces, DuplicatesAreSearchedOnce) {
  TempDir dir;
  const std::string t = dir.path().string();
  gx::SearchContext context =
      fake_context(dir, {{"GPUXFER_LIBRARY_PATH", t + "/usr/local/cuda/lib64"}, {"CUDA_HOME", t + "/usr/local/cuda"}});
  const auto places = gx::search_places(test_spec(), context);
  ASSERT_FALSE(places.empty());
  EXPECT_EQ(std::count_if(places.begin(), places.end(),
                          [&](const gx::SearchPlace& p) { return p.folder == t + "/usr/local/cuda/lib64"; }),
            1);
  EXPECT_EQ(places.front().origin, "GPUXFER_LIBRARY_PATH");
}

TEST(LoadLibrary, WrongVersionAndMissingEntryPointsAreReasonsAndTheSearchGoesOn) {
  TempDir dir;
  const fs::path empty = dir.folder("a");
  dir.place(GX_FAKE_V99, "b", "libcublasLt.so.13");
  dir.place(GX_FAKE_V13, "c", "libcublasLt.so.13");
  dir.place(GX_FAKE_EMPTY, "d", "libcublasLt.so.13");
  const auto loaded = gx::load_library(
      test_spec(), in_order({empty, dir.path() / "b", dir.path() / "c", dir.path() / "d", dir.path() / "nowhere"}),
      gx::check_cublaslt);
  EXPECT_EQ(loaded.handle, nullptr);
  const gx::LibraryStatus& s = loaded.status;
  EXPECT_FALSE(s.found);
  EXPECT_TRUE(s.path.empty());
  ASSERT_EQ(s.searched.size(), 5u);
  EXPECT_NE(s.searched[0].find("no libcublasLt.so.13"), std::string::npos) << s.searched[0];
  EXPECT_NE(s.searched[1].find("version 99.1.2, gpuxfer needs major 13"), std::string::npos) << s.searched[1];
  EXPECT_NE(s.searched[2].find("lacks cublasLtGetStatusName"), std::string::npos) << s.searched[2];
  EXPECT_NE(s.searched[3].find("lacks cublasLtGetVersion"), std::string::npos) << s.searched[3];
  EXPECT_NE(s.searched[4].find("no such folder"), std::string::npos) << s.searched[4];
  EXPECT_NE(s.reason.find("no usable libcublasLt.so.13"), std::string::npos) << s.reason;
  EXPECT_NE(s.reason.find("version 99.1.2"), std::string::npos) << s.reason;
  EXPECT_NE(s.reason.find((dir.path() / "nowhere").string()), std::string::npos) << s.reason;
}

TEST(LoadLibrary, NotFoundAnywhereNamesEveryPlace) {
  TempDir dir;
  const auto loaded = gx::load_library(test_spec(), in_order({dir.folder("x"), dir.path() / "y"}), gx::check_cublaslt);
  EXPECT_FALSE(loaded.status.found);
  EXPECT_EQ(loaded.status.reason, "libcublasLt.so.13 not found (searched " + (dir.path() / "x").string() + ", " +
                                      (dir.path() / "y").string() + ")");
}

TEST(LoadLibrary, FirstUsableCopyWins) {
  TempDir dir;
  const fs::path first = dir.place(GX_FAKE_V13, "one", "libgxfake.so.1");
  dir.place(GX_FAKE_V13, "two", "libgxfake.so.1");
  const gx::LibrarySpec spec{"fake", "libgxfake.so.1", 0, {}};
  int calls = 0;
  const auto loaded =
      gx::load_library(spec, in_order({dir.path() / "one", dir.path() / "two"}), [&](void*, std::string& version) {
        ++calls;
        version = "1.2.3";
        return std::string();
      });
  ASSERT_NE(loaded.handle, nullptr);
  EXPECT_TRUE(loaded.status.found);
  EXPECT_EQ(loaded.status.path, fs::canonical(first).string());
  EXPECT_EQ(loaded.status.version, "1.2.3");
  EXPECT_TRUE(loaded.status.reason.empty());
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(loaded.status.searched.size(), 1u);
}

TEST(LoadLibrary, NotASharedObjectIsAReason) {
  TempDir dir;
  const fs::path bogus = dir.folder("bogus") / "libcublasLt.so.13";
  std::FILE* f = std::fopen(bogus.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("not an ELF file\n", f);
  std::fclose(f);
  const auto loaded = gx::load_library(test_spec(), in_order({dir.path() / "bogus"}), gx::check_cublaslt);
  EXPECT_FALSE(loaded.status.found);
  EXPECT_NE(loaded.status.reason.find("no usable libcublasLt.so.13"), std::string::npos) << loaded.status.reason;
}

TEST(LoadLibrary, CublasCheckReadsTheMajorWithGetProperty) {
  TempDir dir;
  dir.place(GX_FAKE_V99, "b", "libcublas.so.13");
  dir.place(GX_FAKE_V13, "c", "libcublas.so.13");
  const gx::LibrarySpec spec{"cuBLAS", "libcublas.so.13", 13, {}};
  const auto loaded = gx::load_library(spec, in_order({dir.path() / "b", dir.path() / "c"}), gx::check_cublas);
  EXPECT_FALSE(loaded.status.found);
  ASSERT_EQ(loaded.status.searched.size(), 2u);
  EXPECT_NE(loaded.status.searched[0].find("version 99.1.2, gpuxfer needs major 13"), std::string::npos);
  EXPECT_NE(loaded.status.searched[1].find("lacks cublasCreate_v2"), std::string::npos) << loaded.status.searched[1];
}

#ifdef GPUXFER_HAVE_NCCL
TEST(LoadLibrary, NcclCheckReadsTheMajorWithGetVersion) {
  TempDir dir;
  dir.place(GX_FAKE_V99, "b", "libnccl.so.2");
  dir.place(GX_FAKE_V13, "c", "libnccl.so.2");
  const auto loaded = gx::load_library(gx::nccl_spec(), in_order({dir.path() / "b", dir.path() / "c"}), gx::check_nccl);
  EXPECT_FALSE(loaded.status.found);
  ASSERT_EQ(loaded.status.searched.size(), 2u);
  EXPECT_NE(loaded.status.searched[0].find("version 99.1.2, gpuxfer needs major 2"), std::string::npos)
      << loaded.status.searched[0];
  EXPECT_NE(loaded.status.searched[1].find("lacks ncclGetErrorString"), std::string::npos) << loaded.status.searched[1];
}
#endif

TEST(Specs, SonamesTakeTheHeadersMajor) {
  EXPECT_EQ(gx::cublaslt_spec().soname, "libcublasLt.so." + std::to_string(CUBLAS_VER_MAJOR));
  EXPECT_EQ(gx::cublas_spec().soname, "libcublas.so." + std::to_string(CUBLAS_VER_MAJOR));
#ifdef GPUXFER_HAVE_NCCL
  EXPECT_EQ(gx::nccl_spec().soname, "libnccl.so.2");
#endif
}

TEST(VersionFromCode, MajorMinorPatch) {
  EXPECT_EQ(gx::version_from_code(130102), "13.1.2");
  EXPECT_EQ(gx::version_from_code(22809), "2.28.9");
}

// The process's own search, through the binary: a wrong copy first in GPUXFER_LIBRARY_PATH is
// passed over with its reason, and --version says where the library came from or why not.
TEST(Binary, VersionJsonReportsTheLibrariesAndTheWrongCopyPassedOver) {
  TempDir dir;
  dir.place(GX_FAKE_V99, "fakes", "libcublasLt.so.13");
  const std::string command = "GPUXFER_LIBRARY_PATH='" + (dir.path() / "fakes").string() +
                              "' '" GPUXFER_BINARY "' --version --format json 2>/dev/null";
  std::FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string out;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
  ASSERT_EQ(pclose(pipe), 0) << out;
  const auto json = nlohmann::json::parse(out);
  ASSERT_TRUE(json.contains("libraries")) << out;
  const auto& lt = json["libraries"][0];
  EXPECT_EQ(lt["name"], "cuBLASLt");
  EXPECT_EQ(lt["soname"], "libcublasLt.so.13");
  ASSERT_FALSE(lt["searched"].empty());
  const std::string first = lt["searched"][0];
  EXPECT_NE(first.find("version 99.1.2, gpuxfer needs major 13"), std::string::npos) << first;
  if (lt["found"] == true) {
    EXPECT_TRUE(fs::exists(lt["path"].get<std::string>()));
    EXPECT_TRUE(lt["reason"].is_null());
  } else {
    EXPECT_NE(lt["reason"].get<std::string>().find("version 99.1.2"), std::string::npos);
  }
}

// gpuxfer has no MPI: started as one of several ranks with no gpuxfer-mpi beside it, bench says
// what is missing in one line and exits 3 (a copy of the binary alone in a folder).
TEST(Binary, MpiLauncherWithoutGpuxferMpiBesideItExits3) {
  TempDir dir;
  const fs::path alone = dir.folder("bin") / "gpuxfer";
  fs::copy_file(GPUXFER_BINARY, alone);
  fs::permissions(alone, fs::perms::owner_all);
  const std::string command = "cd '" + dir.path().string() + "' && OMPI_COMM_WORLD_SIZE=4 '" + alone.string() +
                              "' bench --quick 2>&1 >/dev/null";
  std::FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string err;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) err += buffer;
  const int status = pclose(pipe);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 3) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_NE(err.find("launched by an MPI launcher (OMPI_COMM_WORLD_SIZE=4) but gpuxfer-mpi was not found beside " +
                     alone.string()),
            std::string::npos)
      << err;
}
