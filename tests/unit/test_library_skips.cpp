#include "core/library_skips.hpp"

#include <gtest/gtest.h>

#include "core/bench_model.hpp"

using namespace gx;

namespace {

Case make(Method m, std::string skip = "") {
  Case c;
  c.method = m;
  c.suite = suite_of(m);
  c.skip_reason = std::move(skip);
  return c;
}

}  // namespace

TEST(LibrarySkips, GemmAndOverlapCasesAreSkippedWithTheReason) {
  std::vector<Case> cases{make(Method::triad), make(Method::gemm_bf16), make(Method::h2d_gemm),
                          make(Method::copy_gemm, "needs at least 2 GPUs, have 1"), make(Method::gemm_fp32)};
  const std::string reason = "cuBLASLt not usable: libcublasLt.so.13 not found (searched /a, /b)";
  EXPECT_EQ(skip_cases_needing_blas(cases, reason), 3u);
  EXPECT_EQ(cases[0].skip_reason, "");
  EXPECT_EQ(cases[1].skip_reason, reason);
  EXPECT_EQ(cases[2].skip_reason, reason);
  EXPECT_EQ(cases[3].skip_reason, "needs at least 2 GPUs, have 1");  // its own reason stays
  EXPECT_EQ(cases[4].skip_reason, reason);
}

TEST(LibrarySkips, UsableLibrariesChangeNothing) {
  std::vector<Case> cases{make(Method::gemm_bf16), make(Method::h2d_gemm)};
  EXPECT_EQ(skip_cases_needing_blas(cases, ""), 0u);
  EXPECT_TRUE(cases[0].skip_reason.empty());
  EXPECT_TRUE(cases[1].skip_reason.empty());
}

TEST(LibrarySkips, OnlyTheComputeSuitesThatCallCublas) {
  EXPECT_TRUE(needs_blas(make(Method::gemm_tf32)));
  EXPECT_TRUE(needs_blas(make(Method::copy_gemm)));
  EXPECT_FALSE(needs_blas(make(Method::triad)));
  EXPECT_FALSE(needs_blas(make(Method::ce_write)));
}
