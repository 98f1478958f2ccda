#include "geometry/geometry.h"

#include <geos_c.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <memory>
#include <optional>
#include <vector>

#include "geometry/simple_wkt.h"

namespace vitrine::geometry {
namespace {

// One GEOS context per thread (GEOS contexts are not thread-safe), with its readers and
// writers made once, and the last error message GEOS reported on it.
class Context {
 public:
  Context() : handle_(GEOS_init_r()) {
    GEOSContext_setErrorMessageHandler_r(handle_, &Context::OnError, this);
    GEOSContext_setNoticeMessageHandler_r(handle_, nullptr, nullptr);
    wkt_reader_ = GEOSWKTReader_create_r(handle_);
    geojson_reader_ = GEOSGeoJSONReader_create_r(handle_);
    wkb_reader_ = GEOSWKBReader_create_r(handle_);
    wkb_writer_ = GEOSWKBWriter_create_r(handle_);
    GEOSWKBWriter_setByteOrder_r(handle_, wkb_writer_, GEOS_WKB_NDR);
    GEOSWKBWriter_setOutputDimension_r(handle_, wkb_writer_, 2);
    wkt_writer_ = GEOSWKTWriter_create_r(handle_);
    GEOSWKTWriter_setTrim_r(handle_, wkt_writer_, 1);
    GEOSWKTWriter_setOutputDimension_r(handle_, wkt_writer_, 2);
    geojson_writer_ = GEOSGeoJSONWriter_create_r(handle_);
  }
  ~Context() {
    GEOSWKTReader_destroy_r(handle_, wkt_reader_);
    GEOSGeoJSONReader_destroy_r(handle_, geojson_reader_);
    GEOSWKBReader_destroy_r(handle_, wkb_reader_);
    GEOSWKBWriter_destroy_r(handle_, wkb_writer_);
    GEOSWKTWriter_destroy_r(handle_, wkt_writer_);
    GEOSGeoJSONWriter_destroy_r(handle_, geojson_writer_);
    GEOS_finish_r(handle_);
  }
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  GEOSContextHandle_t handle() const { return handle_; }
  std::string TakeError() { return std::exchange(last_error_, {}); }

  GEOSWKTReader* wkt_reader() const { return wkt_reader_; }
  GEOSGeoJSONReader* geojson_reader() const { return geojson_reader_; }
  GEOSWKBReader* wkb_reader() const { return wkb_reader_; }
  GEOSWKBWriter* wkb_writer() const { return wkb_writer_; }
  GEOSWKTWriter* wkt_writer() const { return wkt_writer_; }
  GEOSGeoJSONWriter* geojson_writer() const { return geojson_writer_; }

 private:
  static void OnError(const char* message, void* self) { static_cast<Context*>(self)->last_error_ = message; }

  GEOSContextHandle_t handle_;
  std::string last_error_;
  GEOSWKTReader* wkt_reader_;
  GEOSGeoJSONReader* geojson_reader_;
  GEOSWKBReader* wkb_reader_;
  GEOSWKBWriter* wkb_writer_;
  GEOSWKTWriter* wkt_writer_;
  GEOSGeoJSONWriter* geojson_writer_;
};

Context& ThreadContext() {
  thread_local Context context;
  return context;
}

struct GeometryDeleter {
  GEOSContextHandle_t handle;
  void operator()(GEOSGeometry* g) const { GEOSGeom_destroy_r(handle, g); }
};
using GeometryPtr = std::unique_ptr<GEOSGeometry, GeometryDeleter>;

GeometryPtr Own(Context& c, GEOSGeometry* g) { return GeometryPtr(g, GeometryDeleter{c.handle()}); }

// A string GEOS allocated, freed with GEOSFree_r.
std::string TakeString(Context& c, char* text) {
  std::string out = text ? text : "";
  if (text) GEOSFree_r(c.handle(), text);
  return out;
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
  unsigned char* bytes = GEOSWKBWriter_write_r(c.handle(), c.wkb_writer(), g, &size);
  if (!bytes) return Status::Internal("cannot encode geometry: " + c.TakeError());
  std::string out(reinterpret_cast<const char*>(bytes), size);
  GEOSFree_r(c.handle(), bytes);
  return out;
}

// Coordinates past this are refused: no image is that large, and GEOS 3.11's WKT writer
// overruns a stack buffer printing numbers near 1e300.
constexpr double kMaxCoordinate = 1e15;

// The GEOS geometry of text the fast reader took; null if GEOS refuses it (the caller then
// reads the text with GEOS, for its message).
GeometryPtr Build(Context& c, const SimpleGeometry& simple) {
  GEOSContextHandle_t h = c.handle();
  auto sequence = [&](const std::vector<double>& xy) {
    return GEOSCoordSeq_copyFromBuffer_r(h, xy.data(), static_cast<unsigned>(xy.size() / 2), 0, 0);
  };
  GEOSGeometry* made = nullptr;
  switch (simple.kind) {
    case SimpleGeometry::Kind::kPoint:
      if (GEOSCoordSequence* s = sequence(simple.sequences[0])) made = GEOSGeom_createPoint_r(h, s);
      break;
    case SimpleGeometry::Kind::kLineString:
      if (GEOSCoordSequence* s = sequence(simple.sequences[0])) made = GEOSGeom_createLineString_r(h, s);
      break;
    case SimpleGeometry::Kind::kPolygon: {
      // Each create takes ownership of its input, also when it fails.
      std::vector<GEOSGeometry*> rings;
      bool ok = true;
      for (const auto& xy : simple.sequences) {
        GEOSCoordSequence* s = sequence(xy);
        GEOSGeometry* ring = s ? GEOSGeom_createLinearRing_r(h, s) : nullptr;
        if (!ring)
          ok = false;
        else
          rings.push_back(ring);
      }
      if (!ok) {
        for (GEOSGeometry* ring : rings) GEOSGeom_destroy_r(h, ring);
        break;
      }
      made = GEOSGeom_createPolygon_r(h, rings[0], rings.data() + 1, static_cast<unsigned>(rings.size() - 1));
      break;
    }
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

}  // namespace

Result<Shape> Parse(std::string_view text, TextFormat format, const ParseOptions& options) {
  Context& c = ThreadContext();
  GEOSContextHandle_t h = c.handle();
  c.TakeError();
  std::optional<SimpleGeometry> simple;
  if (format == TextFormat::kWkt) simple = ReadSimpleWkt(text);
  GeometryPtr g = simple ? Build(c, *simple) : GeometryPtr(nullptr, GeometryDeleter{h});
  if (!g) {
    simple.reset();
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
    g = Own(c, raw);
  }
  if (GEOSisEmpty_r(h, g.get()) == 1) return Status::InvalidArgument("the geometry is empty");

  Shape shape;
  shape.vertex_count = GEOSGetNumCoordinates_r(h, g.get());
  if (shape.vertex_count > options.max_vertices) {
    return Status::InvalidArgument("the geometry has " + std::to_string(shape.vertex_count) + " vertices; at most " +
                                   std::to_string(options.max_vertices) + " are accepted");
  }
  if (!simple && !AllFinite(c, g.get())) return Status::InvalidArgument("a coordinate is not a finite number");

  char* reason = nullptr;
  GEOSGeometry* location = nullptr;
  char valid = GEOSisValidDetail_r(h, g.get(), 0, &reason, &location);
  std::string why = TakeString(c, reason);
  if (location) GEOSGeom_destroy_r(h, location);
  if (valid == 2) return Status::InvalidArgument("cannot check the geometry: " + c.TakeError());
  if (valid == 0) {
    if (!options.repair) {
      return Status::InvalidArgument("invalid geometry: " + why +
                                     " (send repair=true to have it fixed with MakeValid)");
    }
    GEOSGeometry* fixed = GEOSMakeValid_r(h, g.get());
    if (!fixed) return Status::InvalidArgument("the geometry cannot be repaired: " + c.TakeError());
    g = Own(c, fixed);
    if (GEOSisEmpty_r(h, g.get()) == 1) return Status::InvalidArgument("the repaired geometry is empty");
    shape.vertex_count = GEOSGetNumCoordinates_r(h, g.get());
    shape.repaired = true;
    simple.reset();
  }

  GEOSGeom_getXMin_r(h, g.get(), &shape.bbox[0]);
  GEOSGeom_getYMin_r(h, g.get(), &shape.bbox[1]);
  GEOSGeom_getXMax_r(h, g.get(), &shape.bbox[2]);
  GEOSGeom_getYMax_r(h, g.get(), &shape.bbox[3]);
  for (double v : shape.bbox) {
    if (std::abs(v) >= kMaxCoordinate) {
      return Status::InvalidArgument("a coordinate is beyond ±1e15 pixels");
    }
  }
  shape.type = TakeString(c, GEOSGeomType_r(h, g.get()));
  GEOSArea_r(h, g.get(), &shape.area);
  GEOSLength_r(h, g.get(), &shape.perimeter);
  if (GEOSGeometry* centroid = GEOSGetCentroid_r(h, g.get())) {
    GeometryPtr owned = Own(c, centroid);
    if (GEOSisEmpty_r(h, centroid) == 0) {
      GEOSGeomGetX_r(h, centroid, &shape.centroid[0]);
      GEOSGeomGetY_r(h, centroid, &shape.centroid[1]);
    }
  }
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

Result<std::string> ToGeoJson(std::string_view wkb) {
  Context& c = ThreadContext();
  VITRINE_ASSIGN_OR_RETURN(GeometryPtr g, FromWkb(c, wkb));
  return TakeString(c, GEOSGeoJSONWriter_writeGeometry_r(c.handle(), c.geojson_writer(), g.get(), -1));
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
  GeometryPtr box;
  const GEOSPreparedGeometry* prepared = nullptr;
};

BoxTest::BoxTest(const std::array<double, 4>& box) : prepared_(new Prepared) {
  Context& c = ThreadContext();
  prepared_->box = Own(c, GEOSGeom_createRectangle_r(c.handle(), box[0], box[1], box[2], box[3]));
  prepared_->prepared = GEOSPrepare_r(c.handle(), prepared_->box.get());
}

BoxTest::~BoxTest() {
  GEOSPreparedGeom_destroy_r(ThreadContext().handle(), prepared_->prepared);
  delete prepared_;
}

Result<bool> BoxTest::Intersects(std::string_view wkb) const {
  Context& c = ThreadContext();
  VITRINE_ASSIGN_OR_RETURN(GeometryPtr g, FromWkb(c, wkb));
  char hit = GEOSPreparedIntersects_r(c.handle(), prepared_->prepared, g.get());
  if (hit == 2) return Status::Internal("intersection test failed: " + c.TakeError());
  return hit == 1;
}

}  // namespace vitrine::geometry
