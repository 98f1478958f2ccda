// Annotation bulk insert rate and bbox query latency over HTTP, against the raw R*Tree query
// on the same SQLite file in the same run.
//
//   annotation_bench URL TOKEN IMAGE_ID CATALOG_DB [TOTAL] [QUERIES]
//
// Inserts TOTAL (default 1,000,000) 10-vertex polygons into one 100,000 x 100,000 image in
// batches of 10,000, then times QUERIES (default 200) random boxes sized to hold about 2,000
// annotations: through the API with and without geometry, and as the bare SQL. CATALOG_DB "-"
// leaves out the bare SQL (a catalog that is not a SQLite file); a negative TOTAL queries the
// -TOTAL annotations an earlier run inserted (another server on the same catalog).
#include <curl/curl.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr double kImageSide = 100'000;
constexpr int kBatch = 10'000;
constexpr int kVertices = 10;
constexpr double kRadius = 20;

double Millis(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

std::size_t Collect(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

class Http {
 public:
  Http(std::string base, const std::string& token) : base_(std::move(base)), curl_(curl_easy_init()) {
    headers_ = curl_slist_append(headers_, ("Authorization: Bearer " + token).c_str());
    headers_ = curl_slist_append(headers_, "Content-Type: application/json");
  }
  ~Http() {
    curl_slist_free_all(headers_);
    curl_easy_cleanup(curl_);
  }
  long Call(const char* method, const std::string& path, const std::string& body, std::string& reply) {
    reply.clear();
    curl_easy_reset(curl_);
    curl_easy_setopt(curl_, CURLOPT_URL, (base_ + path).c_str());
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers_);
    curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, method);
    if (!body.empty()) {
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.data());
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    }
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, &Collect);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &reply);
    long status = 0;
    if (curl_easy_perform(curl_) != CURLE_OK) return -1;
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
    return status;
  }

 private:
  std::string base_;
  CURL* curl_;
  curl_slist* headers_ = nullptr;
};

struct Summary {
  double p50, p99, mean;
};

Summary Summarize(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  double sum = 0;
  for (double v : ms) sum += v;
  auto at = [&](double q) { return ms[std::min(ms.size() - 1, static_cast<std::size_t>(q * ms.size()))]; };
  return {at(0.5), at(0.99), sum / ms.size()};
}

std::string Polygon(std::mt19937& random) {
  std::uniform_real_distribution<double> position(kRadius, kImageSide - kRadius);
  double cx = position(random), cy = position(random);
  std::string wkt = "POLYGON ((";
  char buffer[64];
  for (int i = 0; i <= kVertices; ++i) {
    double angle = 2 * M_PI * (i % kVertices) / kVertices;
    std::snprintf(buffer, sizeof buffer, "%s%.2f %.2f", i ? ", " : "", cx + kRadius * std::cos(angle),
                  cy + kRadius * std::sin(angle));
    wkt += buffer;
  }
  return wkt + "))";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: annotation_bench URL TOKEN IMAGE_ID CATALOG_DB [TOTAL] [QUERIES]\n");
    return 2;
  }
  const std::string image = argv[3];
  const long given_total = argc > 5 ? std::stol(argv[5]) : 1'000'000;
  const bool insert = given_total > 0;
  const long total = std::labs(given_total);
  const bool compare_with_sql = std::string(argv[4]) != "-";
  const int queries = argc > 6 ? std::stoi(argv[6]) : 200;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  Http http(argv[1], argv[2]);
  std::mt19937 random(42);
  std::string reply;

  // 1. Bulk insert. Bodies are built before the clock starts: the server's work is timed.
  Clock::duration inserting{};
  std::vector<double> batch_ms;
  for (long done = 0; insert && done < total; done += kBatch) {
    json batch = json::array();
    for (int i = 0; i < kBatch && done + i < total; ++i) {
      batch.push_back({{"image_id", std::stoll(image)}, {"wkt", Polygon(random)}});
    }
    std::string body = batch.dump();
    auto start = Clock::now();
    long status = http.Call("POST", "/api/v1/annotations", body, reply);
    auto took = Clock::now() - start;
    if (status != 201) {
      std::fprintf(stderr, "bulk insert failed (%ld): %.300s\n", status, reply.c_str());
      return 1;
    }
    inserting += took;
    batch_ms.push_back(Millis(took));
  }
  if (insert) {
    double seconds = std::chrono::duration<double>(inserting).count();
    Summary batches = Summarize(batch_ms);
    std::printf(
        "bulk insert: %ld annotations (10-vertex polygons) in batches of %d: %.0f annotations/s "
        "(batch p50 %.0f ms, p99 %.0f ms); target >= 50,000/s\n",
        total, kBatch, total / seconds, batches.p50, batches.p99);
  }

  // 2. Boxes sized for ~2,000 hits at this density.
  const double side = std::sqrt(2000.0 * kImageSide * kImageSide / static_cast<double>(total));
  std::uniform_real_distribution<double> corner(0, kImageSide - side);
  std::vector<std::array<double, 4>> boxes;
  for (int i = 0; i < queries; ++i) {
    double x = corner(random), y = corner(random);
    boxes.push_back({x, y, x + side, y + side});
  }

  sqlite3* db = nullptr;
  if (compare_with_sql && sqlite3_open_v2(argv[4], &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    std::fprintf(stderr, "cannot open %s\n", argv[4]);
    return 1;
  }
  auto raw = [&](bool geometry, std::vector<double>* ms, long* hits) {
    if (!compare_with_sql) return;
    // The same plane slot the catalog gives the image (see annotation_queries.cc).
    // Buckets from the R*Tree, their members' exact boxes, then the rows.
    const char* sql = geometry ? "SELECT a.id, a.x0, a.y0, a.x1, a.y1, a.geometry FROM annotation_buckets b CROSS JOIN "
                                 "annotation_extents e ON e.bucket_id = b.id CROSS JOIN annotations a ON a.id = e.id "
                                 "WHERE b.x1 >= ?2 AND b.x0 <= ?3 AND b.y1 >= ?4 AND b.y0 <= ?5 AND b.image_id = ?1 "
                                 "AND e.x1 >= ?6 AND e.x0 <= ?7 AND e.y1 >= ?8 AND e.y0 <= ?9"
                               : "SELECT a.id, a.x0, a.y0, a.x1, a.y1 FROM annotation_buckets b CROSS JOIN "
                                 "annotation_extents e ON e.bucket_id = b.id CROSS JOIN annotations a ON a.id = e.id "
                                 "WHERE b.x1 >= ?2 AND b.x0 <= ?3 AND b.y1 >= ?4 AND b.y0 <= ?5 AND b.image_id = ?1 "
                                 "AND e.x1 >= ?6 AND e.x0 <= ?7 AND e.y1 >= ?8 AND e.y0 <= ?9";
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr);
    for (const auto& box : boxes) {
      auto start = Clock::now();
      const std::int64_t slot = std::stoll(image) % (16384LL * 16384LL);
      const double ox = static_cast<double>(slot % 16384) * 262144.0 - 2147483648.0;
      const double oy = static_cast<double>(slot / 16384) * 262144.0 - 2147483648.0;
      sqlite3_bind_int64(stmt, 1, std::stoll(image));
      sqlite3_bind_int64(stmt, 2, static_cast<sqlite3_int64>(std::floor(ox + box[0])));
      sqlite3_bind_int64(stmt, 3, static_cast<sqlite3_int64>(std::ceil(ox + box[2])));
      sqlite3_bind_int64(stmt, 4, static_cast<sqlite3_int64>(std::floor(oy + box[1])));
      sqlite3_bind_int64(stmt, 5, static_cast<sqlite3_int64>(std::ceil(oy + box[3])));
      sqlite3_bind_double(stmt, 6, box[0]);
      sqlite3_bind_double(stmt, 7, box[2]);
      sqlite3_bind_double(stmt, 8, box[1]);
      sqlite3_bind_double(stmt, 9, box[3]);
      long n = 0;
      while (sqlite3_step(stmt) == SQLITE_ROW) {
        if (geometry) (void)sqlite3_column_blob(stmt, 5);
        ++n;
      }
      sqlite3_reset(stmt);
      if (ms) ms->push_back(Millis(Clock::now() - start));
      if (hits) *hits += n;
    }
    sqlite3_finalize(stmt);
  };
  auto api = [&](const char* fields, std::vector<double>* ms, long* hits) {
    for (const auto& box : boxes) {
      char query[256];
      std::snprintf(query, sizeof query, "/api/v1/annotations?image=%s&bbox=%.2f,%.2f,%.2f,%.2f&limit=10000%s%s",
                    image.c_str(), box[0], box[1], box[2], box[3], *fields ? "&fields=" : "", fields);
      auto start = Clock::now();
      long status = http.Call("GET", query, "", reply);
      if (ms) ms->push_back(Millis(Clock::now() - start));
      if (status != 200) {
        std::fprintf(stderr, "query failed (%ld): %.300s\n", status, reply.c_str());
        std::exit(1);
      }
      if (hits) *hits += json::parse(reply)["total"].get<long>();
    }
  };

  raw(true, nullptr, nullptr);  // warm the page cache for both
  api("id,bbox", nullptr, nullptr);
  std::vector<double> raw_ms, raw_geometry_ms, api_ms, api_geometry_ms;
  long raw_hits = 0, api_hits = 0, ignored = 0;
  raw(false, &raw_ms, &raw_hits);
  raw(true, &raw_geometry_ms, &ignored);
  api("id,bbox", &api_ms, &api_hits);
  api("", &api_geometry_ms, &ignored);

  Summary a = Summarize(api_ms), ag = Summarize(api_geometry_ms);
  std::printf("bbox queries: %d random %.0f px boxes, %.0f hits each on average\n", queries, side,
              static_cast<double>(api_hits) / queries);
  if (compare_with_sql) {
    Summary r = Summarize(raw_ms), rg = Summarize(raw_geometry_ms);
    std::printf("  raw SQL, boxes only     p50 %6.2f ms  p99 %6.2f ms  (%.0f hits on average)\n", r.p50, r.p99,
                static_cast<double>(raw_hits) / queries);
    std::printf("  raw SQL, with WKB       p50 %6.2f ms  p99 %6.2f ms\n", rg.p50, rg.p99);
    std::printf("  API fields=id,bbox      p50 %6.2f ms  p99 %6.2f ms  (%.2fx the raw query)\n", a.p50, a.p99,
                a.p50 / r.p50);
    std::printf("  API all fields + WKT    p50 %6.2f ms  p99 %6.2f ms  (%.2fx the raw query with WKB)\n", ag.p50,
                ag.p99, ag.p50 / rg.p50);
    std::printf("  targets: API p50 <= 50 ms and <= 3x the raw query\n");
  } else {
    std::printf("  API fields=id,bbox      p50 %6.2f ms  p99 %6.2f ms\n", a.p50, a.p99);
    std::printf("  API all fields + WKT    p50 %6.2f ms  p99 %6.2f ms\n", ag.p50, ag.p99);
  }
  std::printf("api_p50_ms=%.3f\n", a.p50);
  if (db) sqlite3_close(db);
  curl_global_cleanup();
  return 0;
}
