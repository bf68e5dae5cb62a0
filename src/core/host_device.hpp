#pragma once
// GX_HOST_DEVICE marks a function host code and kernels share: under nvcc it is compiled for
// both, elsewhere it is an ordinary inline function (src/core never needs a CUDA header).
#ifdef __CUDACC__
#define GX_HOST_DEVICE __host__ __device__
#else
#define GX_HOST_DEVICE
#endif
