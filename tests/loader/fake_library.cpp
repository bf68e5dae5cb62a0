// A stand-in for cuBLASLt, cuBLAS and NCCL in the loader tests: it reports the version
// GX_FAKE_MAJOR (13 or 2 right, 99 wrong) and has none of the other entry points, so a load must
// end with a reason (wrong version, missing entry point), never a crash. GX_FAKE_EMPTY: no
// entry point at all.
#include <cstddef>

#ifndef GX_FAKE_EMPTY
extern "C" {

__attribute__((visibility("default"))) std::size_t cublasLtGetVersion() {
  return static_cast<std::size_t>(GX_FAKE_MAJOR) * 10000 + 102;
}

// libraryPropertyType: MAJOR_VERSION 0, MINOR_VERSION 1, PATCH_LEVEL 2. Status 0: success.
__attribute__((visibility("default"))) int cublasGetProperty(int type, int* value) {
  *value = type == 0 ? GX_FAKE_MAJOR : type == 1 ? 1 : 2;
  return 0;
}

__attribute__((visibility("default"))) int ncclGetVersion(int* version) {
  *version = GX_FAKE_NCCL_MAJOR * 10000 + 102;
  return 0;
}

}  // extern "C"
#else
extern "C" __attribute__((visibility("default"))) int gx_fake_nothing_useful() {
  return 0;
}
#endif
