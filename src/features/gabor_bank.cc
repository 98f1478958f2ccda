#include "features/gabor_bank.h"

#include <fftw3.h>

#include <cmath>
#include <complex>
#include <list>
#include <memory>
#include <mutex>
#include <numbers>

namespace vitrine::features {
namespace {

// Spectra of every size kept at once stay under this; one bank of a 512x512 image is 48 MiB.
constexpr std::size_t kSpectraBudgetBytes = std::size_t{256} << 20;
constexpr unsigned kPlanning = FFTW_MEASURE;

struct FftwFree {
  void operator()(void* p) const { fftwf_free(p); }
};
using ComplexBuffer = std::unique_ptr<fftwf_complex[], FftwFree>;

ComplexBuffer AllocateComplex(std::size_t n) {
  auto* p = static_cast<fftwf_complex*>(fftwf_malloc(sizeof(fftwf_complex) * n));
  if (p == nullptr) throw std::bad_alloc();
  return ComplexBuffer(p);
}

// One tile size: its two plans (executed on other arrays of the same alignment, which
// fftwf_malloc guarantees) and the 24 kernels' spectra (48 MiB at 512x512).
struct SizedBank {
  int width = 0, height = 0;
  fftwf_plan forward = nullptr, backward = nullptr;
  std::vector<ComplexBuffer> spectra;
  ~SizedBank() {
    std::lock_guard lock(PlannerMutex());
    if (forward) fftwf_destroy_plan(forward);
    if (backward) fftwf_destroy_plan(backward);
  }
  static std::mutex& PlannerMutex() {
    static std::mutex mu;
    return mu;
  }
};

// The kernel placed with its centre at pixel (0, 0), wrapping around the edges (an image
// smaller than the kernel sums what overlaps, as a circular convolution would), transformed.
void KernelSpectrum(const SizedBank& bank, int filter, fftwf_complex* out) {
  const std::size_t n = static_cast<std::size_t>(bank.width) * bank.height;
  ComplexBuffer placed = AllocateComplex(n);
  std::fill_n(&placed[0][0], 2 * n, 0.0f);
  const auto kernel = GaborKernel(filter / kGaborOrientations, filter % kGaborOrientations);
  constexpr int half = kGaborKernelSide / 2;
  for (int ky = 0; ky < kGaborKernelSide; ++ky) {
    const int y = ((ky - half) % bank.height + bank.height) % bank.height;
    for (int kx = 0; kx < kGaborKernelSide; ++kx) {
      const int x = ((kx - half) % bank.width + bank.width) % bank.width;
      const auto& g = kernel[static_cast<std::size_t>(ky) * kGaborKernelSide + kx];
      fftwf_complex& cell = placed[static_cast<std::size_t>(y) * bank.width + x];
      cell[0] += static_cast<float>(g[0]);
      cell[1] += static_cast<float>(g[1]);
    }
  }
  fftwf_execute_dft(bank.forward, placed.get(), out);
}

std::shared_ptr<const SizedBank> MakeBank(int width, int height) {
  auto bank = std::make_shared<SizedBank>();
  bank->width = width;
  bank->height = height;
  const std::size_t n = static_cast<std::size_t>(width) * height;
  {
    ComplexBuffer in = AllocateComplex(n), out = AllocateComplex(n);
    std::lock_guard lock(SizedBank::PlannerMutex());
    bank->forward = fftwf_plan_dft_2d(height, width, in.get(), out.get(), FFTW_FORWARD, kPlanning);
    bank->backward = fftwf_plan_dft_2d(height, width, in.get(), out.get(), FFTW_BACKWARD, kPlanning);
  }
  if (bank->forward == nullptr || bank->backward == nullptr) throw std::runtime_error("FFTW cannot plan this size");
  for (int f = 0; f < kGaborFilters; ++f) {
    bank->spectra.push_back(AllocateComplex(n));
    KernelSpectrum(*bank, f, bank->spectra.back().get());
  }
  return bank;
}

std::size_t SpectraBytes(const SizedBank& bank) {
  return bank.spectra.size() * sizeof(fftwf_complex) * bank.width * bank.height;
}

// The most recently used sizes first; evicted from the back past the budget.
std::shared_ptr<const SizedBank> BankFor(int width, int height) {
  static std::mutex mu;
  static std::list<std::shared_ptr<const SizedBank>> banks;
  static std::size_t bytes = 0;
  {
    std::lock_guard lock(mu);
    for (auto it = banks.begin(); it != banks.end(); ++it) {
      if ((*it)->width == width && (*it)->height == height) {
        banks.splice(banks.begin(), banks, it);
        return banks.front();
      }
    }
  }
  // Made outside the lock: other sizes go on meanwhile; two threads may make the same size once.
  auto bank = MakeBank(width, height);
  // Evicted banks are destroyed after the lock is released: their plans' destruction waits for
  // the planner, which may be busy measuring another size.
  std::vector<std::shared_ptr<const SizedBank>> evicted;
  std::lock_guard lock(mu);
  bytes += SpectraBytes(*bank);
  banks.push_front(bank);
  while (bytes > kSpectraBudgetBytes && banks.size() > 1) {
    bytes -= SpectraBytes(*banks.back());
    evicted.push_back(std::move(banks.back()));
    banks.pop_back();
  }
  return bank;
}

// The arrays one tile's transforms use, kept per thread (allocating them afresh cost a tenth of
// a 512x512 image's time in page faults).
struct Scratch {
  std::size_t points = 0;
  ComplexBuffer spectrum, work, response;
};

Scratch& ScratchFor(std::size_t n) {
  thread_local Scratch scratch;
  if (scratch.points != n) scratch = Scratch{n, AllocateComplex(n), AllocateComplex(n), AllocateComplex(n)};
  return scratch;
}

// How one axis is cut into tiles, each read from the periodic image (the image repeated on every
// side). A tile gives its outputs at least the kernel's half width from its edges: there they
// equal the circular convolution of the whole image (overlap-save). An axis of exactly a tile's
// length is one tile with no margin: its transform is the circular convolution itself. Tiles
// have one of four lengths, so there are at most 16 plans and kernel banks whatever the images'
// sizes, and large images cost about as much per pixel as 512x512 ones.
constexpr int kTileLengths[] = {128, 256, 384, 512};
constexpr int kMargin = kGaborKernelSide / 2;
struct AxisTiles {
  int tile = 0, margin = 0, step = 0, count = 0;
};

AxisTiles TilesOf(int length) {
  for (int tile : kTileLengths) {
    if (length == tile) return {tile, 0, tile, 1};
  }
  for (int tile : kTileLengths) {
    if (length + 2 * kMargin <= tile) return {tile, kMargin, length, 1};
  }
  constexpr int tile = kTileLengths[3], step = tile - 2 * kMargin;
  return {tile, kMargin, step, (length + step - 1) / step};
}

// out = a * b, element by element, over n complex numbers (interleaved re, im).
__attribute__((target_clones("avx2", "default"))) void MultiplySpectra(const float* a, const float* b, float* out,
                                                                       std::size_t n) {
  for (std::size_t i = 0; i < 2 * n; i += 2) {
    out[i] = a[i] * b[i] - a[i + 1] * b[i + 1];
    out[i + 1] = a[i] * b[i + 1] + a[i + 1] * b[i];
  }
}

// Sums of |w| and |w|^2 over n complex numbers. Single-precision partial sums in 8 lanes over
// blocks of 4096 (so that they vectorise), each block added in double: the relative error stays
// near float's, far below the float32 values the descriptor stores.
__attribute__((target_clones("avx2", "default"))) void MagnitudeSums(const float* w, std::size_t n, double& sum,
                                                                     double& sum_squares) {
  constexpr std::size_t kLanes = 8, kBlock = 4096;
  sum = sum_squares = 0;
  for (std::size_t start = 0; start < n; start += kBlock) {
    const std::size_t end = std::min(n, start + kBlock);
    float lane_sum[kLanes] = {}, lane_squares[kLanes] = {};
    std::size_t i = start;
    for (; i + kLanes <= end; i += kLanes) {
      for (std::size_t l = 0; l < kLanes; ++l) {
        const float re = w[2 * (i + l)], im = w[2 * (i + l) + 1];
        const float squared = re * re + im * im;
        lane_sum[l] += std::sqrt(squared);
        lane_squares[l] += squared;
      }
    }
    double block_sum = 0, block_squares = 0;
    for (std::size_t l = 0; l < kLanes; ++l) {
      block_sum += lane_sum[l];
      block_squares += lane_squares[l];
    }
    for (; i < end; ++i) {
      const double squared =
          static_cast<double>(w[2 * i]) * w[2 * i] + static_cast<double>(w[2 * i + 1]) * w[2 * i + 1];
      block_sum += std::sqrt(squared);
      block_squares += squared;
    }
    sum += block_sum;
    sum_squares += block_squares;
  }
}

}  // namespace

std::vector<std::array<double, 2>> GaborKernel(int scale, int orientation) {
  constexpr double ln2 = std::numbers::ln2;
  constexpr double pi = std::numbers::pi;
  const double ul = kGaborLowFrequency, uh = kGaborHighFrequency;
  const double a = std::pow(uh / ul, 1.0 / (kGaborScales - 1));
  const double sigma_u = (a - 1) * uh / ((a + 1) * std::sqrt(2 * ln2));
  const double z = -2 * ln2 * sigma_u * sigma_u / uh;
  const double sigma_v =
      std::tan(pi / (2 * kGaborOrientations)) * (uh + z) / std::sqrt(2 * ln2 - z * z / (sigma_u * sigma_u));
  const double sigma_x = 1 / (2 * pi * sigma_u), sigma_y = 1 / (2 * pi * sigma_v);
  const double shrink = std::pow(a, -scale);
  const double theta = orientation * pi / kGaborOrientations;
  const double c = std::cos(theta), s = std::sin(theta);
  std::vector<std::array<double, 2>> kernel(kGaborKernelSide * kGaborKernelSide);
  constexpr int half = kGaborKernelSide / 2;
  for (int y = -half; y <= half; ++y) {
    for (int x = -half; x <= half; ++x) {
      const double xr = shrink * (x * c + y * s), yr = shrink * (-x * s + y * c);
      const double envelope = shrink / (2 * pi * sigma_x * sigma_y) *
                              std::exp(-0.5 * (xr * xr / (sigma_x * sigma_x) + yr * yr / (sigma_y * sigma_y)));
      kernel[static_cast<std::size_t>(y + half) * kGaborKernelSide + (x + half)] = {
          envelope * std::cos(2 * pi * uh * xr), envelope * std::sin(2 * pi * uh * xr)};
    }
  }
  return kernel;
}

GaborStatistics ApplyGaborBank(const std::uint8_t* grey, int width, int height,
                               const std::vector<std::int32_t>& group_of_pixel, int groups) {
  const AxisTiles tx = TilesOf(width), ty = TilesOf(height);
  const auto bank = BankFor(tx.tile, ty.tile);
  const std::size_t n = static_cast<std::size_t>(tx.tile) * ty.tile;
  Scratch& scratch = ScratchFor(n);
  fftwf_complex* spectrum = scratch.spectrum.get();
  fftwf_complex* work = scratch.work.get();
  fftwf_complex* response = scratch.response.get();

  // Per filter and group: the sums of |w| and |w|^2 over every tile's valid outputs.
  std::vector<std::array<double, kGaborFilters>> sum(groups), sum_squares(groups);
  for (int tile_y = 0; tile_y < ty.count; ++tile_y) {
    for (int tile_x = 0; tile_x < tx.count; ++tile_x) {
      const int x0 = tile_x * tx.step, y0 = tile_y * ty.step;  // the first valid output's pixel
      for (int j = 0; j < ty.tile; ++j) {
        const int y = ((y0 - ty.margin + j) % height + height) % height;
        for (int i = 0; i < tx.tile; ++i) {
          const int x = ((x0 - tx.margin + i) % width + width) % width;
          response[static_cast<std::size_t>(j) * tx.tile + i][0] = grey[static_cast<std::size_t>(y) * width + x];
          response[static_cast<std::size_t>(j) * tx.tile + i][1] = 0;
        }
      }
      fftwf_execute_dft(bank->forward, response, spectrum);
      const int valid_w = std::min(tx.step, width - x0), valid_h = std::min(ty.step, height - y0);
      for (int f = 0; f < kGaborFilters; ++f) {
        MultiplySpectra(&spectrum[0][0], &bank->spectra[f][0][0], &work[0][0], n);
        fftwf_execute_dft(bank->backward, work, response);
        for (int j = 0; j < valid_h; ++j) {
          const fftwf_complex* row = response + static_cast<std::size_t>(ty.margin + j) * tx.tile + tx.margin;
          if (group_of_pixel.empty()) {
            double s = 0, s2 = 0;
            MagnitudeSums(&row[0][0], static_cast<std::size_t>(valid_w), s, s2);
            sum[0][f] += s;
            sum_squares[0][f] += s2;
            continue;
          }
          const std::int32_t* groups_of_row = group_of_pixel.data() + static_cast<std::size_t>(y0 + j) * width + x0;
          for (int i = 0; i < valid_w; ++i) {
            const double squared =
                static_cast<double>(row[i][0]) * row[i][0] + static_cast<double>(row[i][1]) * row[i][1];
            sum[groups_of_row[i]][f] += std::sqrt(squared);
            sum_squares[groups_of_row[i]][f] += squared;
          }
        }
      }
    }
  }

  std::vector<double> count(groups, 0);
  if (group_of_pixel.empty()) {
    count[0] = static_cast<double>(width) * height;
  } else {
    for (std::int32_t g : group_of_pixel) ++count[g];
  }
  // The backward transform is unnormalised: |w| / n is the convolution's magnitude.
  const double scale = 1.0 / static_cast<double>(n);
  GaborStatistics stats;
  stats.means.assign(groups, {});
  stats.deviations.assign(groups, {});
  for (int k = 0; k < groups; ++k) {
    if (count[k] == 0) continue;
    for (int f = 0; f < kGaborFilters; ++f) {
      const double mean = sum[k][f] * scale / count[k];
      stats.means[k][f] = mean;
      stats.deviations[k][f] = std::sqrt(std::max(0.0, sum_squares[k][f] * scale * scale / count[k] - mean * mean));
    }
  }
  return stats;
}

}  // namespace vitrine::features
