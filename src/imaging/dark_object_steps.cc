#include "imaging/dark_object_steps.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <utility>
#include <vector>

namespace vitrine::imaging::internal_dark_objects {
namespace {

// Headings along pixel edges, clockwise on screen (y down): east, south, west, north.
enum Heading { kEast = 0, kSouth = 1, kWest = 2, kNorth = 3 };
constexpr int kStepX[4] = {1, 0, -1, 0};
constexpr int kStepY[4] = {0, 1, 0, -1};

// The two pixels ahead of corner (x, y) when heading `h` with dark on the right.
struct PixelsAhead {
  int left_x, left_y, right_x, right_y;
};
PixelsAhead Ahead(int x, int y, int h) {
  switch (h) {
    case kEast:
      return {x, y - 1, x, y};
    case kSouth:
      return {x, y, x - 1, y};
    case kWest:
      return {x - 1, y, x - 1, y - 1};
    default:  // kNorth
      return {x - 1, y - 1, x, y - 1};
  }
}

double Cross(const OutlinePoint& o, const OutlinePoint& a, const OutlinePoint& b) {
  return (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
}

double SquaredDistanceToSegment(const OutlinePoint& p, const OutlinePoint& a, const OutlinePoint& b) {
  const double dx = b.x - a.x, dy = b.y - a.y;
  const double length2 = dx * dx + dy * dy;
  double t = length2 > 0 ? ((p.x - a.x) * dx + (p.y - a.y) * dy) / length2 : 0;
  t = std::clamp(t, 0.0, 1.0);
  const double ex = a.x + t * dx - p.x, ey = a.y + t * dy - p.y;
  return ex * ex + ey * ey;
}

// Marks the points of ring[first..last] to keep, the ends being kept already.
void MarkKept(const std::vector<OutlinePoint>& ring, std::size_t first, std::size_t last, double tolerance2,
              std::vector<char>& keep) {
  std::vector<std::pair<std::size_t, std::size_t>> pending{{first, last}};
  while (!pending.empty()) {
    auto [begin, end] = pending.back();
    pending.pop_back();
    double farthest2 = -1;
    std::size_t farthest = begin;
    for (std::size_t i = begin + 1; i < end; ++i) {
      const double d2 = SquaredDistanceToSegment(ring[i], ring[begin], ring[end]);
      if (d2 > farthest2) farthest2 = d2, farthest = i;
    }
    if (farthest2 > tolerance2) {
      keep[farthest] = 1;
      pending.emplace_back(begin, farthest);
      pending.emplace_back(farthest, end);
    }
  }
}

bool OnSegment(const OutlinePoint& a, const OutlinePoint& b, const OutlinePoint& p) {
  return std::min(a.x, b.x) <= p.x && p.x <= std::max(a.x, b.x) && std::min(a.y, b.y) <= p.y &&
         p.y <= std::max(a.y, b.y);
}

int Sign(double v) { return (v > 0) - (v < 0); }

// Whether closed segments ab and cd share any point. Exact here: coordinates are multiples of
// a quarter pixel, so the products are exact in double.
bool SegmentsMeet(const OutlinePoint& a, const OutlinePoint& b, const OutlinePoint& c, const OutlinePoint& d) {
  const int o1 = Sign(Cross(a, b, c)), o2 = Sign(Cross(a, b, d));
  const int o3 = Sign(Cross(c, d, a)), o4 = Sign(Cross(c, d, b));
  if (o1 * o2 < 0 && o3 * o4 < 0) return true;  // a proper crossing
  // Otherwise they meet only where an end of one lies on the other.
  if (o1 == 0 && OnSegment(a, b, c)) return true;
  if (o2 == 0 && OnSegment(a, b, d)) return true;
  if (o3 == 0 && OnSegment(c, d, a)) return true;
  if (o4 == 0 && OnSegment(c, d, b)) return true;
  return false;
}

// Index i mirrored into [0, size) without repeating the edge: -1 -> 1, size -> size - 2.
int Reflect101(int i, int size) {
  if (size == 1) return 0;
  while (i < 0 || i >= size) i = i < 0 ? -i : 2 * size - 2 - i;
  return i;
}

// The Gaussian's weights in 1/256ths, summing to exactly 256; OpenCV's size for 8-bit images.
std::vector<std::uint16_t> GaussianWeights(double sigma) {
  const int radius = std::max(1, (static_cast<int>(std::lround(sigma * 6 + 1)) | 1) / 2);
  std::vector<double> exact(2 * radius + 1);
  double total = 0;
  for (int k = -radius; k <= radius; ++k) total += exact[k + radius] = std::exp(-k * k / (2 * sigma * sigma));
  std::vector<std::uint16_t> weights(exact.size());
  int sum = 0;
  for (std::size_t k = 0; k < exact.size(); ++k) sum += weights[k] = std::lround(exact[k] / total * 256);
  weights[radius] += 256 - sum;  // rounding leaves the total a few off; the centre absorbs it
  return weights;
}

// out[x] = sum of weights[k] * rows[k][x], rounded from 1/256ths; 16-bit lanes cannot overflow
// as the weights sum to 256. Compiled twice, the AVX2 form chosen at run time where the CPU has it.
__attribute__((target_clones("avx2", "default"))) void WeightedSum(const std::vector<const std::uint8_t*>& rows,
                                                                   const std::vector<std::uint16_t>& weights,
                                                                   std::uint16_t* sum, std::uint8_t* out, int width) {
  // The kernel is symmetric: rows at the same distance above and below share a multiply.
  const std::size_t centre = weights.size() / 2;
  const std::uint16_t centre_weight = weights[centre];
  const std::uint8_t* centre_row = rows[centre];
  for (int x = 0; x < width; ++x) sum[x] = static_cast<std::uint16_t>(128 + centre_weight * centre_row[x]);
  for (std::size_t k = 0; k < centre; ++k) {
    const std::uint16_t w = weights[k];
    const std::uint8_t* before = rows[k];
    const std::uint8_t* after = rows[weights.size() - 1 - k];
    if (w == 0) continue;
    for (int x = 0; x < width; ++x) sum[x] = static_cast<std::uint16_t>(sum[x] + w * (before[x] + after[x]));
  }
  for (int x = 0; x < width; ++x) out[x] = static_cast<std::uint8_t>(sum[x] >> 8);
}

}  // namespace

void GaussianBlur(const std::uint8_t* in, std::uint8_t* out, int width, int height, double sigma) {
  const std::vector<std::uint16_t> weights = GaussianWeights(sigma);
  const int radius = static_cast<int>(weights.size() / 2);
  const std::size_t stride = static_cast<std::size_t>(width);
  std::vector<std::uint16_t> sum(static_cast<std::size_t>(std::max(width, 1)));
  std::vector<const std::uint8_t*> rows(weights.size());
  // Down the columns into `out`, then along each row (copied with mirrored margins) in place.
  for (int y = 0; y < height; ++y) {
    for (int k = -radius; k <= radius; ++k) rows[k + radius] = in + Reflect101(y + k, height) * stride;
    WeightedSum(rows, weights, sum.data(), out + y * stride, width);
  }
  std::vector<std::uint8_t> padded(stride + 2 * radius);
  for (int y = 0; y < height; ++y) {
    std::uint8_t* row = out + y * stride;
    std::copy(row, row + width, padded.data() + radius);
    for (int x = 1; x <= radius; ++x) {
      padded[radius - x] = row[Reflect101(-x, width)];
      padded[radius + width - 1 + x] = row[Reflect101(width - 1 + x, width)];
    }
    for (int k = 0; k <= 2 * radius; ++k) rows[k] = padded.data() + k;
    WeightedSum(rows, weights, sum.data(), row, width);
  }
}

int OtsuThreshold(const Histogram& histogram) {
  std::uint64_t total = 0;
  double weighted_sum = 0;
  for (int level = 0; level < 256; ++level) {
    total += histogram[level];
    weighted_sum += static_cast<double>(level) * static_cast<double>(histogram[level]);
  }
  if (total == 0) return 0;
  const double scale = 1.0 / static_cast<double>(total);
  const double mean = weighted_sum * scale;
  double dark_weight = 0, dark_mean = 0, best_variance = 0;
  int best_level = 0;
  for (int level = 0; level < 256; ++level) {
    const double p = static_cast<double>(histogram[level]) * scale;
    dark_mean *= dark_weight;
    dark_weight += p;
    const double light_weight = 1.0 - dark_weight;
    if (std::min(dark_weight, light_weight) < FLT_EPSILON || std::max(dark_weight, light_weight) > 1.0 - FLT_EPSILON) {
      continue;
    }
    dark_mean = (dark_mean + level * p) / dark_weight;
    const double light_mean = (mean - dark_weight * dark_mean) / light_weight;
    const double variance = dark_weight * light_weight * (dark_mean - light_mean) * (dark_mean - light_mean);
    if (variance > best_variance) best_variance = variance, best_level = level;
  }
  return best_level;
}

std::vector<OutlinePoint> TraceOuterBoundary(const DarkMask& mask, int start_x, int start_y) {
  // The start is the top-left corner of the topmost-leftmost pixel: its three other neighbours
  // there are light, so the walk heads east and this corner is passed only once.
  std::vector<OutlinePoint> ring;
  ring.push_back({static_cast<double>(start_x), static_cast<double>(start_y)});
  int x = start_x, y = start_y, heading = kEast;
  do {
    x += kStepX[heading];
    y += kStepY[heading];
    const PixelsAhead ahead = Ahead(x, y, heading);
    const bool left_dark = mask.Dark(ahead.left_x, ahead.left_y);
    const bool right_dark = mask.Dark(ahead.right_x, ahead.right_y);
    int next = heading;
    if (left_dark) {
      next = (heading + 3) % 4;  // turn left: with 8-connectivity a diagonal neighbour belongs
    } else if (!right_dark) {
      next = (heading + 1) % 4;
    }
    if (next != heading && left_dark && !right_dark) {
      // A pinch: the corner is passed again from the opposite side. Cut it 0.25 px along each
      // edge, through the light pixel this turn wraps around, so the passes never touch.
      const int after = next;
      ring.push_back({x - kPinchOffsetPx * kStepX[heading], y - kPinchOffsetPx * kStepY[heading]});
      ring.push_back({x + kPinchOffsetPx * kStepX[after], y + kPinchOffsetPx * kStepY[after]});
    } else if (next != heading) {
      ring.push_back({static_cast<double>(x), static_cast<double>(y)});
    }
    heading = next;
  } while (x != start_x || y != start_y || heading != kEast);
  return ring;
}

std::vector<OutlinePoint> SimplifyRing(const std::vector<OutlinePoint>& ring, double tolerance) {
  if (tolerance <= 0 || ring.size() <= 4) return ring;
  const std::size_t n = ring.size() - 1;  // distinct positions; ring[n] == ring[0]
  // Split the ring at ring[0] and the point farthest from it, so each half is an open chain.
  std::size_t opposite = 0;
  double farthest2 = -1;
  for (std::size_t i = 1; i < n; ++i) {
    const double dx = ring[i].x - ring[0].x, dy = ring[i].y - ring[0].y;
    if (dx * dx + dy * dy > farthest2) farthest2 = dx * dx + dy * dy, opposite = i;
  }
  std::vector<char> keep(ring.size(), 0);
  keep[0] = keep[opposite] = keep[n] = 1;
  MarkKept(ring, 0, opposite, tolerance * tolerance, keep);
  MarkKept(ring, opposite, n, tolerance * tolerance, keep);
  std::vector<OutlinePoint> simplified;
  for (std::size_t i = 0; i <= n; ++i) {
    if (keep[i]) simplified.push_back(ring[i]);
  }
  return simplified;
}

bool IsSimpleRing(const std::vector<OutlinePoint>& ring) {
  if (ring.size() < 5 || ring.front() != ring.back()) return false;
  const std::size_t n = ring.size() - 1;  // edges: ring[i] -> ring[i + 1]
  for (std::size_t i = 0; i < n; ++i) {
    if (ring[i] == ring[i + 1]) return false;
    // Consecutive edges meet at their shared point only: no folding back along the same line.
    const OutlinePoint& a = ring[i];
    const OutlinePoint& b = ring[i + 1];
    const OutlinePoint& c = ring[(i + 2) % n];
    if (Cross(a, b, c) == 0 && (b.x - a.x) * (c.x - b.x) + (b.y - a.y) * (c.y - b.y) < 0) return false;
  }
  // Sweep from left to right: only edges whose x-extents overlap can meet.
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  auto min_x = [&](std::size_t e) { return std::min(ring[e].x, ring[e + 1].x); };
  auto max_x = [&](std::size_t e) { return std::max(ring[e].x, ring[e + 1].x); };
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return min_x(a) < min_x(b); });
  std::vector<std::size_t> active;
  for (std::size_t e : order) {
    const double left = min_x(e);
    std::erase_if(active, [&](std::size_t other) { return max_x(other) < left; });
    for (std::size_t other : active) {
      const std::size_t gap = e > other ? e - other : other - e;
      if (gap == 1 || gap == n - 1) continue;  // consecutive: checked above
      if (SegmentsMeet(ring[e], ring[e + 1], ring[other], ring[other + 1])) return false;
    }
    active.push_back(e);
  }
  // At least 4 distinct points (a ring this simple repeats none but its closing point).
  return n >= 4;
}

double TwiceSignedArea(const std::vector<OutlinePoint>& ring) {
  double sum = 0;
  for (std::size_t i = 0; i + 1 < ring.size(); ++i) sum += ring[i].x * ring[i + 1].y - ring[i + 1].x * ring[i].y;
  return sum;
}

}  // namespace vitrine::imaging::internal_dark_objects
