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

struct FftwFree {
  void operator()(void* p) const { fftwf_free(p); }
};
using ComplexBuffer = std::unique_ptr<fftwf_complex[], FftwFree>;

ComplexBuffer AllocateComplex(std::size_t n) {
  auto* p = static_cast<fftwf_complex*>(fftwf_malloc(sizeof(fftwf_complex) * n));
  if (p == nullptr) throw std::bad_alloc();
  return ComplexBuffer(p);
}

// One image size: its two plans (executed on other arrays of the same alignment, which
// fftwf_malloc guarantees) and, when the budget allows, the 24 kernels' spectra.
struct SizedBank {
  int width = 0, height = 0;
  fftwf_plan forward = nullptr, backward = nullptr;
  std::vector<ComplexBuffer> spectra;  // empty when past the budget
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

std::shared_ptr<const SizedBank> MakeBank(int width, int height, std::size_t budget_left) {
  auto bank = std::make_shared<SizedBank>();
  bank->width = width;
  bank->height = height;
  const std::size_t n = static_cast<std::size_t>(width) * height;
  {
    ComplexBuffer in = AllocateComplex(n), out = AllocateComplex(n);
    std::lock_guard lock(SizedBank::PlannerMutex());
    bank->forward = fftwf_plan_dft_2d(height, width, in.get(), out.get(), FFTW_FORWARD, FFTW_ESTIMATE);
    bank->backward = fftwf_plan_dft_2d(height, width, out.get(), out.get(), FFTW_BACKWARD, FFTW_ESTIMATE);
  }
  if (bank->forward == nullptr || bank->backward == nullptr) throw std::runtime_error("FFTW cannot plan this size");
  if (n * sizeof(fftwf_complex) * kGaborFilters <= budget_left) {
    for (int f = 0; f < kGaborFilters; ++f) {
      bank->spectra.push_back(AllocateComplex(n));
      KernelSpectrum(*bank, f, bank->spectra.back().get());
    }
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
  const std::size_t wanted = static_cast<std::size_t>(width) * height * sizeof(fftwf_complex) * kGaborFilters;
  auto bank = MakeBank(width, height, wanted <= kSpectraBudgetBytes ? kSpectraBudgetBytes : 0);
  std::lock_guard lock(mu);
  bytes += SpectraBytes(*bank);
  banks.push_front(bank);
  while (bytes > kSpectraBudgetBytes && banks.size() > 1) {
    bytes -= SpectraBytes(*banks.back());
    banks.pop_back();
  }
  return bank;
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
  const auto bank = BankFor(width, height);
  const std::size_t n = static_cast<std::size_t>(width) * height;
  ComplexBuffer image = AllocateComplex(n), spectrum = AllocateComplex(n), work = AllocateComplex(n);
  for (std::size_t i = 0; i < n; ++i) {
    image[i][0] = grey[i];
    image[i][1] = 0;
  }
  fftwf_execute_dft(bank->forward, image.get(), spectrum.get());
  ComplexBuffer kernel_spectrum = bank->spectra.empty() ? AllocateComplex(n) : nullptr;

  std::vector<double> count(groups, 0);
  if (group_of_pixel.empty()) {
    count[0] = static_cast<double>(n);
  } else {
    for (std::int32_t g : group_of_pixel) ++count[g];
  }
  GaborStatistics stats;
  stats.means.assign(groups, {});
  stats.deviations.assign(groups, {});
  std::vector<double> sum(groups), sum_squares(groups);
  const float scale = 1.0f / static_cast<float>(n);
  for (int f = 0; f < kGaborFilters; ++f) {
    const fftwf_complex* g = bank->spectra.empty() ? kernel_spectrum.get() : bank->spectra[f].get();
    if (bank->spectra.empty()) KernelSpectrum(*bank, f, kernel_spectrum.get());
    for (std::size_t i = 0; i < n; ++i) {
      const float re = spectrum[i][0] * g[i][0] - spectrum[i][1] * g[i][1];
      const float im = spectrum[i][0] * g[i][1] + spectrum[i][1] * g[i][0];
      work[i][0] = re;
      work[i][1] = im;
    }
    fftwf_execute_dft(bank->backward, work.get(), work.get());
    std::fill(sum.begin(), sum.end(), 0.0);
    std::fill(sum_squares.begin(), sum_squares.end(), 0.0);
    if (group_of_pixel.empty()) {
      double s = 0, s2 = 0;
      for (std::size_t i = 0; i < n; ++i) {
        const double r = std::sqrt(work[i][0] * work[i][0] + work[i][1] * work[i][1]) * scale;
        s += r;
        s2 += r * r;
      }
      sum[0] = s;
      sum_squares[0] = s2;
    } else {
      for (std::size_t i = 0; i < n; ++i) {
        const double r = std::sqrt(work[i][0] * work[i][0] + work[i][1] * work[i][1]) * scale;
        sum[group_of_pixel[i]] += r;
        sum_squares[group_of_pixel[i]] += r * r;
      }
    }
    for (int k = 0; k < groups; ++k) {
      if (count[k] == 0) continue;
      const double mean = sum[k] / count[k];
      stats.means[k][f] = mean;
      stats.deviations[k][f] = std::sqrt(std::max(0.0, sum_squares[k] / count[k] - mean * mean));
    }
  }
  return stats;
}

}  // namespace vitrine::features
