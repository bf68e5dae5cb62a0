#pragma once
// Cases that cannot run because an optional library is not usable (gpu/library_loader): the plan
// stays as it is, and those cases become skips with the loader's reason (what was looked for and
// where), so the rest of the run goes on and the report says why.
#include <string>
#include <vector>

#include "core/bench_model.hpp"

namespace gx {

// Whether a case calls cuBLAS / cuBLASLt: every case of the gemm and overlap suites.
[[nodiscard]] bool needs_blas(const Case& c);

// Marks each case that needs cuBLAS and is not already skipped as skipped with `reason`. An empty
// reason (the libraries are usable) changes nothing. Returns how many cases it marked.
std::size_t skip_cases_needing_blas(std::vector<Case>& cases, const std::string& reason);

}  // namespace gx
