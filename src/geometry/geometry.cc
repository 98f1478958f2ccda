#include "geometry/geometry.h"

#include <geos_c.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "geometry/simple_wkt.h"

namespace vitrine::geometry {
namespace {

// GEOS objects are freed by a function that takes the context they were made with.
template <auto Destroy>
struct GeosDeleter {
  GEOSContextHandle_t handle = nullptr;
  template <class T>
  void operator()(T* p) const {
    Destroy(handle, p);
  }
};
template <class T, auto Destroy>
using GeosPtr = std::unique_ptr<T, GeosDeleter<Destroy>>;

template <auto Destroy, class T>
GeosPtr<T, Destroy> OwnGeos(GEOSContextHandle_t handle, T* p) {
  return GeosPtr<T, Destroy>(p, GeosDeleter<Destroy>{handle});
}

struct ContextFinish {
  void operator()(GEOSContextHandle_t handle) const { GEOS_finish_r(handle); }
};

// One GEOS context per thread (GEOS contexts are not thread-safe), with its readers and
// writers made once, and the last error message GEOS reported on it.
class Context {
 public:
  Context() : handle_(GEOS_init_r()) {
    GEOSContextHandle_t h = handle_.get();
    GEOSContext_setErrorMessageHandler_r(h, &Context::OnError, this);
    GEOSContext_setNoticeMessageHandler_r(h, nullptr, nullptr);
    wkt_reader_ = OwnGeos<GEOSWKTReader_destroy_r>(h, GEOSWKTReader_create_r(h));
    geojson_reader_ = OwnGeos<GEOSGeoJSONReader_destroy_r>(h, GEOSGeoJSONReader_create_r(h));
    wkb_reader_ = OwnGeos<GEOSWKBReader_destroy_r>(h, GEOSWKBReader_create_r(h));
    wkb_writer_ = OwnGeos<GEOSWKBWriter_destroy_r>(h, GEOSWKBWriter_create_r(h));
    GEOSWKBWriter_setByteOrder_r(h, wkb_writer_.get(), GEOS_WKB_NDR);
    GEOSWKBWriter_setOutputDimension_r(h, wkb_writer_.get(), 2);
    wkt_writer_ = OwnGeos<GEOSWKTWriter_destroy_r>(h, GEOSWKTWriter_create_r(h));
    GEOSWKTWriter_setTrim_r(h, wkt_writer_.get(), 1);
    GEOSWKTWriter_setOutputDimension_r(h, wkt_writer_.get(), 2);
    geojson_writer_ = OwnGeos<GEOSGeoJSONWriter_destroy_r>(h, GEOSGeoJSONWriter_create_r(h));
  }
  Context(const Context&) = delete;  // GEOS holds `this` for its error handler
  Context& operator=(const Context&) = delete;

  GEOSContextHandle_t handle() const { return handle_.get(); }
  std::string TakeError() { return std::exchange(last_error_, {}); }

  GEOSWKTReader* wkt_reader() const { return wkt_reader_.get(); }
  GEOSGeoJSONReader* geojson_reader() const { return geojson_reader_.get(); }
  GEOSWKBReader* wkb_reader() const { return wkb_reader_.get(); }
  GEOSWKBWriter* wkb_writer() const { return wkb_writer_.get(); }
  GEOSWKTWriter* wkt_writer() const { return wkt_writer_.get(); }
  GEOSGeoJSONWriter* geojson_writer() const { return geojson_writer_.get(); }

 private:
  static void OnError(const char* message, void* self) { static_cast<Context*>(self)->last_error_ = message; }

  // Destroyed in reverse order: the readers and writers, then the context, then the message
  // its handler may still write.
  std::string last_error_;
  std::unique_ptr<std::remove_pointer_t<GEOSContextHandle_t>, ContextFinish> handle_;
  GeosPtr<GEOSWKTReader, GEOSWKTReader_destroy_r> wkt_reader_;
  GeosPtr<GEOSGeoJSONReader, GEOSGeoJSONReader_destroy_r> geojson_reader_;
  GeosPtr<GEOSWKBReader, GEOSWKBReader_destroy_r> wkb_reader_;
  GeosPtr<GEOSWKBWriter, GEOSWKBWriter_destroy_r> wkb_writer_;
  GeosPtr<GEOSWKTWriter, GEOSWKTWriter_destroy_r> wkt_writer_;
  GeosPtr<GEOSGeoJSONWriter, GEOSGeoJSONWriter_destroy_r> geojson_writer_;
};

Context& ThreadContext() {
  thread_local Context context;
  return context;
}

using GeometryPtr = GeosPtr<GEOSGeometry, GEOSGeom_destroy_r>;
using PreparedPtr = GeosPtr<const GEOSPreparedGeometry, GEOSPreparedGeom_destroy_r>;

GeometryPtr Own(Context& c, GEOSGeometry* g) { return OwnGeos<GEOSGeom_destroy_r>(c.handle(), g); }

// A string GEOS allocated, copied and freed.
std::string TakeString(Context& c, char* text) {
  const auto owned = OwnGeos<GEOSFree_r>(c.handle(), text);
  return owned ? std::string(owned.get()) : std::string();
}

// Checks every coordinate is finite, walking down to the coordinate sequences.
bool AllFinite(Context& c, const GEOSGeometry* g) {
  GEOSContextHandle_t h = c.handle();
  switch (GEOSGeomTypeId_r(h, g)) {
    case GEOS_POINT:
    case GEOS_LINESTRING:
    case GEOS_LINEARRING: {
      const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(h, g);
      unsigned int size = 0;
      if (!seq || !GEOSCoordSeq_getSize_r(h, seq, &size)) return false;
      for (unsigned int i = 0; i < size; ++i) {
        double x = 0, y = 0;
        if (!GEOSCoordSeq_getXY_r(h, seq, i, &x, &y) || !std::isfinite(x) || !std::isfinite(y)) return false;
      }
      return true;
    }
    case GEOS_POLYGON: {
      if (!AllFinite(c, GEOSGetExteriorRing_r(h, g))) return false;
      int holes = GEOSGetNumInteriorRings_r(h, g);
      for (int i = 0; i < holes; ++i) {
        if (!AllFinite(c, GEOSGetInteriorRingN_r(h, g, i))) return false;
      }
      return true;
    }
    default: {
      int parts = GEOSGetNumGeometries_r(h, g);
      for (int i = 0; i < parts; ++i) {
        if (!AllFinite(c, GEOSGetGeometryN_r(h, g, i))) return false;
      }
      return true;
    }
  }
}

Result<GeometryPtr> FromWkb(Context& c, std::string_view wkb) {
  GEOSGeometry* g =
      GEOSWKBReader_read_r(c.handle(), c.wkb_reader(), reinterpret_cast<const unsigned char*>(wkb.data()), wkb.size());
  if (!g) return Status::Internal("stored geometry is unreadable: " + c.TakeError());
  return Own(c, g);
}

Result<std::string> ToWkb(Context& c, const GEOSGeometry* g) {
  std::size_t size = 0;
  const auto bytes = OwnGeos<GEOSFree_r>(c.handle(), GEOSWKBWriter_write_r(c.handle(), c.wkb_writer(), g, &size));
  if (!bytes) return Status::Internal("cannot encode geometry: " + c.TakeError());
  return std::string(reinterpret_cast<const char*>(bytes.get()), size);
}

// Coordinates past this are refused: no image is that large, and GEOS 3.11's WKT writer
// overruns a stack buffer printing numbers near 1e300.
constexpr double kMaxCoordinate = 1e15;

GEOSCoordSequence* Sequence(Context& c, const std::vector<double>& xy) {
  return GEOSCoordSeq_copyFromBuffer_r(c.handle(), xy.data(), static_cast<unsigned>(xy.size() / 2), 0, 0);
}

// Null if GEOS refuses a ring. Each create takes ownership of its input, also when it fails.
GEOSGeometry* BuildPolygon(Context& c, const std::vector<std::vector<double>>& sequences) {
  std::vector<GeometryPtr> rings;
  for (const auto& xy : sequences) {
    GEOSCoordSequence* s = Sequence(c, xy);
    GeometryPtr ring = Own(c, s ? GEOSGeom_createLinearRing_r(c.handle(), s) : nullptr);
    if (!ring) return nullptr;
    rings.push_back(std::move(ring));
  }
  GEOSGeometry* shell = rings[0].release();
  std::vector<GEOSGeometry*> holes;
  for (std::size_t i = 1; i < rings.size(); ++i) holes.push_back(rings[i].release());
  return GEOSGeom_createPolygon_r(c.handle(), shell, holes.data(), static_cast<unsigned>(holes.size()));
}

// The GEOS geometry of text the fast reader took; null if GEOS refuses it (the caller then
// reads the text with GEOS, for its message).
GeometryPtr Build(Context& c, const SimpleGeometry& simple) {
  GEOSContextHandle_t h = c.handle();
  GEOSGeometry* made = nullptr;
  switch (simple.kind) {
    case SimpleGeometry::Kind::kPoint:
      if (GEOSCoordSequence* s = Sequence(c, simple.sequences[0])) made = GEOSGeom_createPoint_r(h, s);
      break;
    case SimpleGeometry::Kind::kLineString:
      if (GEOSCoordSequence* s = Sequence(c, simple.sequences[0])) made = GEOSGeom_createLineString_r(h, s);
      break;
    case SimpleGeometry::Kind::kPolygon:
      made = BuildPolygon(c, simple.sequences);
      break;
  }
  c.TakeError();
  return Own(c, made);
}

// Deeper than any geometry needs (a MultiPolygon's positions are 5 deep). GEOS reads WKT and
// GeoJSON recursively, so a text nested a hundred thousand deep would overflow the stack.
constexpr int kMaxNesting = 64;

bool NestedTooDeeply(std::string_view text, TextFormat format) {
  const bool json = format == TextFormat::kGeoJson;
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (json && c == '"') {
      in_string = true;
    } else if (c == '(' || c == '[' || c == '{') {
      if (++depth > kMaxNesting) return true;
    } else if (c == ')' || c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

// GEOS 3.11's GeoJSON reader takes a position's x and y without checking it has any: an empty
// position ([]) below a Point's own is a null read that kills the process. Such text is found
// here first. `depth` is how many arrays down from `arrays` the positions are.
bool HasEmptyPosition(const nlohmann::json& arrays, int depth) {
  if (!arrays.is_array()) return false;
  for (const auto& item : arrays) {
    if (depth == 1 ? item.is_array() && item.empty() : HasEmptyPosition(item, depth - 1)) return true;
  }
  return false;
}

// The same for a geometry, Feature or FeatureCollection, as GEOS reads them.
bool HasEmptyPosition(const nlohmann::json& object) {
  if (!object.is_object()) return false;
  auto type = object.find("type");
  if (type == object.end() || !type->is_string()) return false;
  const std::string& name = type->get_ref<const std::string&>();
  if (name == "Feature") {
    auto geometry = object.find("geometry");
    return geometry != object.end() && HasEmptyPosition(*geometry);
  }
  if (name == "FeatureCollection" || name == "GeometryCollection") {
    auto parts = object.find(name == "FeatureCollection" ? "features" : "geometries");
    if (parts == object.end() || !parts->is_array()) return false;
    for (const auto& part : *parts) {
      if (HasEmptyPosition(part)) return true;
    }
    return false;
  }
  auto coordinates = object.find("coordinates");
  if (coordinates == object.end()) return false;
  if (name == "MultiPoint" || name == "LineString") return HasEmptyPosition(*coordinates, 1);
  if (name == "Polygon" || name == "MultiLineString") return HasEmptyPosition(*coordinates, 2);
  if (name == "MultiPolygon") return HasEmptyPosition(*coordinates, 3);
  return false;
}

// Text the fast reader did not take, read by GEOS after the checks that keep GEOS from
// crashing on hostile input.
Result<GeometryPtr> ReadWithGeos(Context& c, std::string_view text, TextFormat format) {
  GEOSContextHandle_t h = c.handle();
  const char* format_name = format == TextFormat::kWkt ? "WKT" : "GeoJSON";
  if (NestedTooDeeply(text, format)) {
    return Status::InvalidArgument(std::string("malformed ") + format_name + ": nested more than " +
                                   std::to_string(kMaxNesting) + " deep");
  }
  if (format == TextFormat::kGeoJson &&
      HasEmptyPosition(nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false))) {
    return Status::InvalidArgument("malformed GeoJSON: a position has no coordinates");
  }
  std::string terminated(text);  // the readers want a C string
  GEOSGeometry* raw = format == TextFormat::kWkt
                          ? GEOSWKTReader_read_r(h, c.wkt_reader(), terminated.c_str())
                          : GEOSGeoJSONReader_readGeometry_r(h, c.geojson_reader(), terminated.c_str());
  if (!raw) {
    std::string why = c.TakeError();
    return Status::InvalidArgument(std::string("malformed ") + format_name + (why.empty() ? "" : ": " + why));
  }
  return Own(c, raw);
}

// Refuses an empty geometry, too many vertices, and a coordinate that is not finite (the fast
// reader, `checked_finite`, has checked that already). Sets `shape.vertex_count`.
Status CheckContent(Context& c, const GEOSGeometry* g, bool checked_finite, const ParseOptions& options, Shape& shape) {
  GEOSContextHandle_t h = c.handle();
  if (GEOSisEmpty_r(h, g) == 1) return Status::InvalidArgument("the geometry is empty");
  shape.vertex_count = GEOSGetNumCoordinates_r(h, g);
  if (shape.vertex_count > options.max_vertices) {
    return Status::InvalidArgument("the geometry has " + std::to_string(shape.vertex_count) + " vertices; at most " +
                                   std::to_string(options.max_vertices) + " are accepted");
  }
  if (!checked_finite && !AllFinite(c, g)) return Status::InvalidArgument("a coordinate is not a finite number");
  return Status::Ok();
}

// Leaves `g` valid: as it was, or (with `options.repair`) repaired with MakeValid, which
// `shape.repaired` then says.
Status MakeValidIfAsked(Context& c, GeometryPtr& g, const ParseOptions& options, Shape& shape) {
  GEOSContextHandle_t h = c.handle();
  char* reason = nullptr;
  GEOSGeometry* location = nullptr;
  const char valid = GEOSisValidDetail_r(h, g.get(), 0, &reason, &location);
  const std::string why = TakeString(c, reason);
  Own(c, location);  // freed at once: the reason names it
  if (valid == 2) return Status::InvalidArgument("cannot check the geometry: " + c.TakeError());
  if (valid == 1) return Status::Ok();
  if (!options.repair) {
    return Status::InvalidArgument("invalid geometry: " + why + " (send repair=true to have it fixed with MakeValid)");
  }
  GEOSGeometry* fixed = GEOSMakeValid_r(h, g.get());
  if (!fixed) return Status::InvalidArgument("the geometry cannot be repaired: " + c.TakeError());
  g = Own(c, fixed);
  if (GEOSisEmpty_r(h, g.get()) == 1) return Status::InvalidArgument("the repaired geometry is empty");
  shape.vertex_count = GEOSGetNumCoordinates_r(h, g.get());
  shape.repaired = true;
  return Status::Ok();
}

// The measures stored beside the shape: its type, box, area, perimeter and centroid.
Status Measure(Context& c, const GEOSGeometry* g, Shape& shape) {
  GEOSContextHandle_t h = c.handle();
  GEOSGeom_getXMin_r(h, g, &shape.bbox[0]);
  GEOSGeom_getYMin_r(h, g, &shape.bbox[1]);
  GEOSGeom_getXMax_r(h, g, &shape.bbox[2]);
  GEOSGeom_getYMax_r(h, g, &shape.bbox[3]);
  for (double v : shape.bbox) {
    if (std::abs(v) >= kMaxCoordinate) {
      return Status::InvalidArgument("a coordinate is beyond ±1e15 pixels");
    }
  }
  shape.type = TakeString(c, GEOSGeomType_r(h, g));
  GEOSArea_r(h, g, &shape.area);
  GEOSLength_r(h, g, &shape.perimeter);
  if (GeometryPtr centroid = Own(c, GEOSGetCentroid_r(h, g))) {
    if (GEOSisEmpty_r(h, centroid.get()) == 0) {
      GEOSGeomGetX_r(h, centroid.get(), &shape.centroid[0]);
      GEOSGeomGetY_r(h, centroid.get(), &shape.centroid[1]);
    }
  }
  return Status::Ok();
}

}  // namespace

Result<Shape> Parse(std::string_view text, TextFormat format, const ParseOptions& options) {
  Context& c = ThreadContext();
  c.TakeError();
  std::optional<SimpleGeometry> simple;
  if (format == TextFormat::kWkt) simple = ReadSimpleWkt(text);
  GeometryPtr g = simple ? Build(c, *simple) : Own(c, nullptr);
  if (!g) {
    simple.reset();
    VITRINE_ASSIGN_OR_RETURN(g, ReadWithGeos(c, text, format));
  }
  Shape shape;
  VITRINE_RETURN_IF_ERROR(CheckContent(c, g.get(), simple.has_value(), options, shape));
  VITRINE_RETURN_IF_ERROR(MakeValidIfAsked(c, g, options, shape));
  if (shape.repaired) simple.reset();  // its text no longer describes the geometry
  VITRINE_RETURN_IF_ERROR(Measure(c, g.get(), shape));
  if (simple) {
    shape.wkb = simple->ToWkb();
  } else {
    VITRINE_ASSIGN_OR_RETURN(shape.wkb, ToWkb(c, g.get()));
  }
  return shape;
}

Result<std::string> ToWkt(std::string_view wkb) {
  if (auto text = SimpleWkbToWkt(wkb)) return std::move(*text);
  Context& c = ThreadContext();
  VITRINE_ASSIGN_OR_RETURN(GeometryPtr g, FromWkb(c, wkb));
  return TakeString(c, GEOSWKTWriter_write_r(c.handle(), c.wkt_writer(), g.get()));
}

Result<std::string> MirrorWktVertically(std::string_view wkt, double height) {
  Context& c = ThreadContext();
  VITRINE_ASSIGN_OR_RETURN(GeometryPtr g, ReadWithGeos(c, wkt, TextFormat::kWkt));
  if (GEOSisEmpty_r(c.handle(), g.get()) == 1) return Status::InvalidArgument("the geometry is empty");
  auto mirror = [](double*, double* y, void* h) {
    *y = *static_cast<double*>(h) - *y;
    return 1;
  };
  GEOSGeometry* mirrored = GEOSGeom_transformXY_r(c.handle(), g.get(), mirror, &height);
  if (!mirrored) return Status::InvalidArgument("the geometry cannot be mirrored: " + c.TakeError());
  GeometryPtr owned = Own(c, mirrored);
  return TakeString(c, GEOSWKTWriter_write_r(c.handle(), c.wkt_writer(), owned.get()));
}

Result<std::string> ToGeoJson(std::string_view wkb) {
  Context& c = ThreadContext();
  VITRINE_ASSIGN_OR_RETURN(GeometryPtr g, FromWkb(c, wkb));
  return TakeString(c, GEOSGeoJSONWriter_writeGeometry_r(c.handle(), c.geojson_writer(), g.get(), -1));
}

namespace {

Ring RingOf(Context& c, const GEOSGeometry* g) {
  Ring ring;
  const GEOSCoordSequence* sequence = GEOSGeom_getCoordSeq_r(c.handle(), g);
  unsigned int size = 0;
  if (sequence == nullptr || !GEOSCoordSeq_getSize_r(c.handle(), sequence, &size)) return ring;
  ring.resize(size);
  for (unsigned int i = 0; i < size; ++i) {
    GEOSCoordSeq_getXY_r(c.handle(), sequence, i, &ring[i][0], &ring[i][1]);
  }
  return ring;
}

void CollectParts(Context& c, const GEOSGeometry* g, Parts& parts) {
  switch (GEOSGeomTypeId_r(c.handle(), g)) {
    case GEOS_POINT:
      if (!GEOSisEmpty_r(c.handle(), g)) {
        std::array<double, 2> p{};
        GEOSGeomGetX_r(c.handle(), g, &p[0]);
        GEOSGeomGetY_r(c.handle(), g, &p[1]);
        parts.points.push_back(p);
      }
      return;
    case GEOS_LINESTRING:
    case GEOS_LINEARRING:
      parts.lines.push_back(RingOf(c, g));
      return;
    case GEOS_POLYGON: {
      std::vector<Ring> rings{RingOf(c, GEOSGetExteriorRing_r(c.handle(), g))};
      const int holes = GEOSGetNumInteriorRings_r(c.handle(), g);
      for (int i = 0; i < holes; ++i) rings.push_back(RingOf(c, GEOSGetInteriorRingN_r(c.handle(), g, i)));
      parts.polygons.push_back(std::move(rings));
      return;
    }
    default: {
      const int n = GEOSGetNumGeometries_r(c.handle(), g);
      for (int i = 0; i < n; ++i) CollectParts(c, GEOSGetGeometryN_r(c.handle(), g, i), parts);
    }
  }
}

}  // namespace

Result<Parts> PartsOf(std::string_view wkb) {
  Context& c = ThreadContext();
  VITRINE_ASSIGN_OR_RETURN(GeometryPtr g, FromWkb(c, wkb));
  Parts parts;
  CollectParts(c, g.get(), parts);
  return parts;
}

Result<std::string> Simplify(std::string_view wkb, double tolerance) {
  Context& c = ThreadContext();
  VITRINE_ASSIGN_OR_RETURN(GeometryPtr g, FromWkb(c, wkb));
  GEOSGeometry* simple = GEOSTopologyPreserveSimplify_r(c.handle(), g.get(), tolerance);
  if (!simple) return Status::Internal("cannot simplify: " + c.TakeError());
  GeometryPtr owned = Own(c, simple);
  return ToWkb(c, owned.get());
}

struct BoxTest::Prepared {
  GeometryPtr box;  // declared first: outlives the prepared geometry made of it
  PreparedPtr prepared;
};

BoxTest::BoxTest(const std::array<double, 4>& box) : prepared_(std::make_unique<Prepared>()) {
  Context& c = ThreadContext();
  prepared_->box = Own(c, GEOSGeom_createRectangle_r(c.handle(), box[0], box[1], box[2], box[3]));
  prepared_->prepared =
      OwnGeos<GEOSPreparedGeom_destroy_r>(c.handle(), GEOSPrepare_r(c.handle(), prepared_->box.get()));
}

BoxTest::~BoxTest() = default;

Result<bool> BoxTest::Intersects(std::string_view wkb) const {
  Context& c = ThreadContext();
  VITRINE_ASSIGN_OR_RETURN(GeometryPtr g, FromWkb(c, wkb));
  char hit = GEOSPreparedIntersects_r(c.handle(), prepared_->prepared.get(), g.get());
  if (hit == 2) return Status::Internal("intersection test failed: " + c.TakeError());
  return hit == 1;
}

struct CoverTest::Prepared {
  GeometryPtr region;  // declared first: outlives the prepared geometry made of it
  PreparedPtr prepared;
};

CoverTest::CoverTest(std::unique_ptr<Prepared> prepared) : prepared_(std::move(prepared)) {}
CoverTest::~CoverTest() = default;
CoverTest::CoverTest(CoverTest&&) noexcept = default;
CoverTest& CoverTest::operator=(CoverTest&&) noexcept = default;

Result<CoverTest> CoverTest::Of(std::string_view region_wkb) {
  Context& c = ThreadContext();
  auto prepared = std::make_unique<Prepared>();
  VITRINE_ASSIGN_OR_RETURN(prepared->region, FromWkb(c, region_wkb));
  prepared->prepared =
      OwnGeos<GEOSPreparedGeom_destroy_r>(c.handle(), GEOSPrepare_r(c.handle(), prepared->region.get()));
  if (!prepared->prepared) return Status::Internal("cannot prepare the region: " + c.TakeError());
  return CoverTest(std::move(prepared));
}

Result<bool> CoverTest::Covers(std::string_view wkt) const {
  Context& c = ThreadContext();
  VITRINE_ASSIGN_OR_RETURN(GeometryPtr g, ReadWithGeos(c, wkt, TextFormat::kWkt));
  char hit = GEOSPreparedCovers_r(c.handle(), prepared_->prepared.get(), g.get());
  if (hit == 2) return Status::Internal("cover test failed: " + c.TakeError());
  return hit == 1;
}

}  // namespace vitrine::geometry
