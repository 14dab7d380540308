//===- xf-peak.cpp - What this machine can do, measured -------------------===//
//
// The yardsticks the benchmarks quote: the single-precision FMA peak (a
// loop whose fused multiply-adds only touch registers, enough independent
// chains to hide their latency) and the memory bandwidth (a STREAM-style
// triad over arrays far larger than the caches), on one thread and on N.
// Only for reports: nothing in xfc depends on it.
//
//   xf-peak [--threads N] [--json]
//
//===----------------------------------------------------------------------===//

#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {
using Clock = std::chrono::steady_clock;

constexpr long kFmaIterations = 20'000'000;

/// 24 independent zmm chains: two FMA pipes of four cycles' latency need at
/// least eight. Returns the flops done (2 per lane per FMA).
__attribute__((target("avx512f"))) double fmaLoopAvx512(float seed) {
  __m512 acc[24];
  for (int i = 0; i < 24; ++i)
    acc[i] = _mm512_set1_ps(seed + i);
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (long it = 0; it < kFmaIterations; ++it) {
    // Unrolled, so that the accumulators live in registers.
#pragma GCC unroll 24
    for (int i = 0; i < 24; ++i)
      acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  }
  __m512 sum = acc[0];
  for (int i = 1; i < 24; ++i)
    sum = _mm512_add_ps(sum, acc[i]);
  float lanes[16];
  _mm512_storeu_ps(lanes, sum);
  volatile float sink = lanes[0];
  (void)sink;
  return 2.0 * 16 * 24 * kFmaIterations;
}

/// 12 independent ymm chains (16 registers).
__attribute__((target("avx2,fma"))) double fmaLoopAvx2(float seed) {
  __m256 acc[12];
  for (int i = 0; i < 12; ++i)
    acc[i] = _mm256_set1_ps(seed + i);
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (long it = 0; it < kFmaIterations; ++it) {
#pragma GCC unroll 12
    for (int i = 0; i < 12; ++i)
      acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  }
  __m256 sum = acc[0];
  for (int i = 1; i < 12; ++i)
    sum = _mm256_add_ps(sum, acc[i]);
  float lanes[8];
  _mm256_storeu_ps(lanes, sum);
  volatile float sink = lanes[0];
  (void)sink;
  return 2.0 * 8 * 12 * kFmaIterations;
}

/// Runs `work(thread)` on `threads` threads at once; returns the seconds
/// of the slowest.
template <typename Work> double timeOnThreads(int threads, Work work) {
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<double> seconds(threads);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      ready.fetch_add(1);
      while (!go.load())
        ;
      auto start = Clock::now();
      work(t);
      seconds[t] = std::chrono::duration<double>(Clock::now() - start).count();
    });
  while (ready.load() != threads)
    ;
  go.store(true);
  for (std::thread &thread : pool)
    thread.join();
  return *std::max_element(seconds.begin(), seconds.end());
}

/// GFLOP/s of the FMA loop on `threads` threads together (best of 3).
double fmaPeak(int threads, bool avx512) {
  double best = 0;
  for (int round = 0; round < 3; ++round) {
    double flops = 0;
    std::atomic<long> done{0};
    double seconds = timeOnThreads(threads, [&](int t) {
      double f = avx512 ? fmaLoopAvx512(t) : fmaLoopAvx2(t);
      done.fetch_add(static_cast<long>(f));
    });
    flops = static_cast<double>(done.load());
    best = std::max(best, flops / seconds / 1e9);
  }
  return best;
}

/// GB/s of a[i] = b[i] + s * c[i] over 64 MiB arrays split between
/// `threads` threads (best of 5; 12 bytes moved per element).
double triadBandwidth(int threads) {
  const size_t n = (64u << 20) / sizeof(float);
  std::vector<float> a(n, 0.0f), b(n, 1.0f), c(n, 2.0f);
  double best = 0;
  for (int round = 0; round < 5; ++round) {
    double seconds = timeOnThreads(threads, [&](int t) {
      size_t begin = n * t / threads, end = n * (t + 1) / threads;
      for (size_t i = begin; i < end; ++i)
        a[i] = b[i] + 3.0f * c[i];
    });
    best = std::max(best, 12.0 * n / seconds / 1e9);
  }
  volatile float sink = a[n / 2];
  (void)sink;
  return best;
}
} // namespace

int main(int argc, char **argv) {
  int threads = static_cast<int>(std::thread::hardware_concurrency());
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--threads" && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else if (arg == "--json") {
      json = true;
    } else {
      std::fprintf(stderr, "usage: xf-peak [--threads N] [--json]\n");
      return 2;
    }
  }
  if (threads < 1) {
    std::fprintf(stderr, "xf-peak: --threads must be at least 1\n");
    return 2;
  }
  __builtin_cpu_init();
  bool avx512 = __builtin_cpu_supports("avx512f");
  if (!avx512 && !__builtin_cpu_supports("fma")) {
    std::fprintf(stderr, "xf-peak: this CPU has neither AVX-512 nor FMA\n");
    return 1;
  }
  double fma1 = fmaPeak(1, avx512), fmaN = fmaPeak(threads, avx512);
  double bw1 = triadBandwidth(1), bwN = triadBandwidth(threads);
  const char *isa = avx512 ? "avx512" : "avx2";
  if (json)
    std::printf("{\"isa\": \"%s\", \"threads\": %d, \"fma_gflops_1\": %.1f, "
                "\"fma_gflops_n\": %.1f, \"triad_gbs_1\": %.1f, "
                "\"triad_gbs_n\": %.1f}\n",
                isa, threads, fma1, fmaN, bw1, bwN);
  else
    std::printf("FMA peak (%s, f32): %.1f GFLOP/s on 1 thread, %.1f on %d\n"
                "memory bandwidth (triad): %.1f GB/s on 1 thread, %.1f on %d\n",
                isa, fma1, fmaN, threads, bw1, bwN, threads);
  return 0;
}
