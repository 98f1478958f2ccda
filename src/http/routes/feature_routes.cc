// /api/v1/features: the descriptor catalogue, and descriptors computed over lists of resources
// (docs/features.md), answered as JSON, CSV or BisQue's HDF5 tables.
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "core/byte_stream.h"
#include "features/feature_table.h"
#include "http/routes/route_helpers.h"
#include "service/builtin_analytics.h"

namespace vitrine::http::routes {
namespace {

using service::Caller;

Result<PixelRect> ParseRegion(const wire::Json& value) {
  std::vector<std::int64_t> numbers;
  if (value.is_array()) {
    for (const auto& v : value) {
      if (!v.is_number_integer()) return Status::InvalidArgument("region must be four whole numbers: x, y, w, h");
      numbers.push_back(v.get<std::int64_t>());
    }
  } else if (value.is_string()) {
    std::string_view text = value.get_ref<const std::string&>();
    while (!text.empty()) {
      auto comma = text.find(',');
      auto v = core::ParseInteger<std::int64_t>(text.substr(0, comma));
      if (!v) return Status::InvalidArgument("region must be x,y,w,h in whole pixels");
      numbers.push_back(*v);
      text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    }
  }
  if (numbers.size() != 4 || numbers[2] <= 0 || numbers[3] <= 0 || numbers[0] < 0 || numbers[1] < 0) {
    return Status::InvalidArgument("region must be x,y,w,h: a non-negative corner and a positive size");
  }
  return PixelRect{numbers[0], numbers[1], numbers[2], numbers[3]};
}

template <class IdT>
Result<std::optional<IdT>> OptionalId(const wire::Json& object, const char* field) {
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) return std::optional<IdT>();
  if (!it->is_number_integer() || it->get<std::int64_t>() <= 0) {
    return Status::InvalidArgument(std::string(field) + " must be a positive id");
  }
  return std::optional<IdT>(IdT(it->get<std::int64_t>()));
}

Result<service::FeatureResource> ParseResource(const wire::Json& value, std::size_t index) {
  service::FeatureResource resource;
  if (value.is_number_integer() && value.get<std::int64_t>() > 0) {
    resource.image = ImageId(value.get<std::int64_t>());
    return resource;
  }
  const std::string where = "resources[" + std::to_string(index) + "]";
  if (!value.is_object()) {
    return Status::InvalidArgument(where + " must be an image id or an object with image, region, mask, annotation");
  }
  auto with_place = [&](Status s) { return Status::InvalidArgument(where + ": " + s.message()); };
  auto image = OptionalId<ImageId>(value, "image");
  if (!image.ok()) return with_place(image.status());
  auto mask = OptionalId<ImageId>(value, "mask");
  if (!mask.ok()) return with_place(mask.status());
  auto annotation = OptionalId<AnnotationId>(value, "annotation");
  if (!annotation.ok()) return with_place(annotation.status());
  resource.image = *image;
  resource.mask = *mask;
  resource.annotation = *annotation;
  if (auto it = value.find("region"); it != value.end() && !it->is_null()) {
    auto region = ParseRegion(*it);
    if (!region.ok()) return with_place(region.status());
    resource.region = *region;
  }
  for (const auto& [key, _] : value.items()) {
    if (key != "image" && key != "mask" && key != "annotation" && key != "region") {
      return Status::InvalidArgument(where + ": unknown field '" + key + "'");
    }
  }
  return resource;
}

Result<int> MaxSize(const wire::Json* parameters, const QueryParams& query) {
  int max_size = service::kDefaultFeatureMaxSize;
  if (parameters != nullptr) {
    if (auto it = parameters->find("max_size"); it != parameters->end()) {
      if (!it->is_number_integer()) return Status::InvalidArgument("parameters.max_size must be a whole number");
      max_size = static_cast<int>(std::clamp<std::int64_t>(it->get<std::int64_t>(), -1, 1 << 20));
    }
  }
  VITRINE_ASSIGN_OR_RETURN(auto from_query, query.GetInt("max_size"));
  if (from_query) max_size = static_cast<int>(std::clamp<std::int64_t>(*from_query, -1, 1 << 20));
  return max_size;
}

// `cache=false`: computed afresh (and not stored).
Result<bool> NoCache(const QueryParams& query) {
  if (!query.Get("cache")) return false;
  VITRINE_ASSIGN_OR_RETURN(bool cache, BoolParam(query, "cache"));
  return !cache;
}

// `format`: json, the default; csv; hdf5, also "hdf". Checked before any work.
Result<std::string> FormatParam(const QueryParams& query) {
  std::string format(query.Get("format").value_or("json"));
  if (format != "json" && format != "csv" && format != "hdf5" && format != "hdf") {
    return Status::InvalidArgument("format must be json, csv or hdf5");
  }
  return format;
}

// The table in the format asked for.
Result<HttpResponse> TableResponse(const features::Table& table, const QueryParams& query) {
  VITRINE_ASSIGN_OR_RETURN(const std::string format, FormatParam(query));
  const std::string name = table.info->name;
  HttpResponse r;
  if (format == "json") return JsonResponse(200, features::TableJson(table));
  if (format == "csv") {
    r.body = features::EncodeCsv(table);
    r.With("content-type", "text/csv; charset=utf-8");
    r.With("content-disposition", "attachment; filename=\"" + ContentDisposition(name + ".csv") + "\"");
    return r;
  }
  if (format == "hdf5" || format == "hdf") {
    VITRINE_ASSIGN_OR_RETURN(r.body, features::EncodeHdf5(table));
    r.With("content-type", "application/x-hdf5");
    r.With("content-disposition", "attachment; filename=\"" + ContentDisposition(name + ".h5") + "\"");
    return r;
  }
  return Status::InvalidArgument("format must be json, csv or hdf5");
}

// Resources computed per piece of a streamed answer: more than this in a JSON or CSV request,
// and the answer is streamed. A piece's rows stay far below kMaxFeatureRows (at most 1,000 labels
// or 500 keypoints a resource).
constexpr std::size_t kStreamedResources = 16;

// Streamed answers under way at once. A stream holds its place for as long as its reader takes
// (a slow reader, a long answer), so one account may hold only a few places and all accounts
// together a few times that: no account alone can keep the others from streaming, and the
// pieces of streams waiting for a worker, which the server's busy limit (counting requests, not
// the pieces of their answers) does not see, stay few.
class StreamSlots : public std::enable_shared_from_this<StreamSlots> {
 public:
  StreamSlots(int per_user, int in_all) : per_user_(per_user), in_all_(in_all) {}

  // A place for `user`'s stream, given back when the returned handle goes; kUnavailable naming
  // the bound reached when there is none.
  Result<std::shared_ptr<void>> Take(UserId user) {
    std::lock_guard lock(mu_);
    int& mine = taken_[user.value()];
    if (mine >= per_user_ || total_ >= in_all_) {
      const bool account = mine >= per_user_;
      if (mine == 0) taken_.erase(user.value());
      return Status::Unavailable(account ? std::to_string(per_user_) +
                                               " feature answers of this account are streaming already; try again "
                                               "when one has ended"
                                         : std::to_string(in_all_) +
                                               " feature answers are streaming already; try again shortly");
    }
    ++mine, ++total_;
    return std::shared_ptr<void>(this, [self = shared_from_this(), user](StreamSlots*) { self->Give(user); });
  }

 private:
  void Give(UserId user) {
    std::lock_guard lock(mu_);
    --total_;
    if (--taken_[user.value()] == 0) taken_.erase(user.value());
  }

  const int per_user_;
  const int in_all_;
  std::mutex mu_;
  std::map<std::int64_t, int> taken_;  // by user id
  int total_ = 0;
};

// A JSON or CSV table sent as its rows are computed, a piece of the resources at a time, so that
// neither the rows nor the text are ever held whole, and the first rows leave before the last
// are computed. Read runs on a worker, as the handler does.
class StreamedTable final : public core::ByteSource {
 public:
  StreamedTable(service::Service& service, Caller caller, const features::Descriptor& descriptor,
                service::FeatureRequest request, FeatureFormat format, std::shared_ptr<void> slot)
      : service_(service),
        slot_(std::move(slot)),
        caller_(std::move(caller)),
        descriptor_(descriptor),
        request_(std::move(request)),
        encoder_(descriptor.info(), format) {
    pending_ = encoder_.Begin();
  }

  Result<std::size_t> Read(std::span<char> buffer) override {
    while (offset_ == pending_.size()) {
      if (ended_) return 0;
      VITRINE_RETURN_IF_ERROR(Refill());
    }
    const std::size_t n = std::min(buffer.size(), pending_.size() - offset_);
    std::memcpy(buffer.data(), pending_.data() + offset_, n);
    offset_ += n;
    return n;
  }

 private:
  Status Refill() {
    offset_ = 0;
    if (next_ >= request_.resources.size()) {
      pending_ = encoder_.End();
      ended_ = true;
      return Status::Ok();
    }
    // Rights were checked when the answer began; an account disabled since ends it (the client
    // sees a broken answer, never a short one).
    VITRINE_ASSIGN_OR_RETURN(caller_, service_.auth().Refreshed(caller_));
    VITRINE_ASSIGN_OR_RETURN(auto rows, service_.features().ExtractRows(caller_, descriptor_, request_, next_,
                                                                        kStreamedResources, service::kMaxFeatureRows));
    next_ += kStreamedResources;
    pending_ = encoder_.Rows(rows);
    return Status::Ok();
  }

  service::Service& service_;
  const std::shared_ptr<void> slot_;
  Caller caller_;
  const features::Descriptor& descriptor_;
  const service::FeatureRequest request_;
  features::TableTextEncoder encoder_;
  std::string pending_;
  std::size_t offset_ = 0;
  std::size_t next_ = 0;  // the first resource not yet computed
  bool ended_ = false;
};

// Runs a request's resources through the descriptor with the size and caching asked for, and
// answers the table in the format asked for: JSON and CSV of many resources streamed.
Result<HttpResponse> Extracted(service::Service& service, StreamSlots& slots, const Caller& caller,
                               const std::string& name, service::FeatureRequest request, const wire::Json* parameters,
                               const QueryParams& query) {
  VITRINE_ASSIGN_OR_RETURN(request.max_size, MaxSize(parameters, query));
  VITRINE_ASSIGN_OR_RETURN(bool no_cache, NoCache(query));
  request.use_cache = !no_cache;
  VITRINE_ASSIGN_OR_RETURN(const std::string format, FormatParam(query));
  if ((format == "json" || format == "csv") && request.resources.size() > kStreamedResources) {
    VITRINE_ASSIGN_OR_RETURN(const features::Descriptor* descriptor, service.features().Check(name, request));
    VITRINE_ASSIGN_OR_RETURN(std::shared_ptr<void> slot, slots.Take(caller.user_id()));
    const FeatureFormat kind = format == "csv" ? FeatureFormat::kCsv : FeatureFormat::kJson;
    HttpResponse r;
    if (kind == FeatureFormat::kCsv) {
      r.With("content-type", "text/csv; charset=utf-8");
      r.With("content-disposition", "attachment; filename=\"" + ContentDisposition(name + ".csv") + "\"");
    } else {
      r.With("content-type", "application/json");
    }
    r.stream = std::make_unique<StreamedTable>(service, caller, *descriptor, std::move(request), kind, std::move(slot));
    r.stream_length = -1;  // chunked: the length is known only at the end
    return r;
  }
  VITRINE_ASSIGN_OR_RETURN(features::Table table, service.features().Extract(caller, name, request));
  return TableResponse(table, query);
}

Result<HttpResponse> ListDescriptors(service::Service&, const Caller&, const HttpRequest&, const PathParams&) {
  wire::Json all = wire::Json::array();
  for (const auto& descriptor : features::Catalogue()) all.push_back(features::DescribeJson(descriptor->info()));
  return JsonResponse(200, {{"features", std::move(all)}});
}

Result<HttpResponse> GetDescriptor(service::Service& service, const Caller&, const HttpRequest&,
                                   const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(const features::Descriptor* descriptor, service.features().Find(params.at("name")));
  return JsonResponse(200, features::DescribeJson(descriptor->info()));
}

// A request run as the vitrine/features job, in the project of its images (or the one named):
// 202 with the job, whose output `features` is the table in the format asked for.
Result<HttpResponse> ExtractAsJob(service::Service& service, const Caller& caller, const std::string& name,
                                  const service::FeatureRequest& request, const wire::Json& body,
                                  const wire::Json* parameters, const QueryParams& query) {
  VITRINE_RETURN_IF_ERROR(service.features().Find(name).status());
  wire::Json ids = wire::Json::array();
  for (std::size_t i = 0; i < request.resources.size(); ++i) {
    const service::FeatureResource& r = request.resources[i];
    if (!r.image || r.region || r.mask || r.annotation) {
      return Status::InvalidArgument("resources[" + std::to_string(i) +
                                     "]: a request run as a job takes image ids only; regions, masks and annotations "
                                     "go in requests of at most " +
                                     std::to_string(service::kMaxFeatureResources) + " resources");
    }
    ids.push_back(r.image->value());
  }
  if (ids.empty()) return Status::InvalidArgument("resources must name at least one image");
  NewJob job;
  if (auto it = body.find("project"); it != body.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<std::int64_t>() <= 0) {
      return Status::InvalidArgument("project must be a project id");
    }
    job.project = ProjectId(it->get<std::int64_t>());
  } else {
    auto first = service.images().Get(caller, *request.resources.front().image);
    if (!first.ok()) {
      if (first.status().code() != ErrorCode::kNotFound) return first.status();
      return Status::InvalidArgument("resources[0]: image " + std::to_string(ids.front().get<std::int64_t>()) +
                                     " not found (a job reads images of one project that the caller may view)");
    }
    job.project = first->project_id;
  }
  VITRINE_ASSIGN_OR_RETURN(std::string format, FormatParam(query));
  VITRINE_ASSIGN_OR_RETURN(const int max_size, MaxSize(parameters, query));
  VITRINE_ASSIGN_OR_RETURN(const bool no_cache, NoCache(query));
  job.analytic = service::kFeaturesAnalytic;
  job.name = name + " over " + std::to_string(ids.size()) + " images";
  job.inputs = wire::Json{{"images", {{"image-ids", std::move(ids)}}}}.dump();
  job.parameters = wire::Json{
      {"descriptor", name},
      {"format", format == "hdf" ? "hdf5" : format},
      {"max_size", max_size},
      {"cache",
       !no_cache}}.dump();
  job.auto_start = true;
  VITRINE_ASSIGN_OR_RETURN(Job created, service.jobs().Create(caller, job));
  const std::string location = "/api/v1/jobs/" + std::to_string(created.id.value());
  HttpResponse r = JsonResponse(202, wire::ToJson(created));
  r.With("location", location);
  r.With("link", "<" + location + "/outputs/features>; rel=\"result\"");
  return r;
}

Result<HttpResponse> ExtractFeatures(service::Service& service, StreamSlots& slots, const Caller& caller,
                                     const HttpRequest& request, const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(QueryParams query, QueryParams::Parse(request.query));
  VITRINE_RETURN_IF_ERROR(FormatParam(query).status());
  VITRINE_ASSIGN_OR_RETURN(wire::Json body, wire::ParseObject(request.body));
  auto resources = body.find("resources");
  if (resources == body.end() || !resources->is_array()) {
    return Status::InvalidArgument("resources must be a list of image ids or {image, region, mask, annotation}");
  }
  bool as_job = resources->size() > service::kMaxFeatureResources;
  if (auto it = body.find("job"); it != body.end() && !it->is_null()) {
    if (!it->is_boolean()) return Status::InvalidArgument("job must be true or false");
    if (!it->get<bool>() && as_job) {
      return Status::InvalidArgument("at most " + std::to_string(service::kMaxFeatureResources) +
                                     " resources in one request; split the list, or leave job out to run it as a job");
    }
    as_job = it->get<bool>();
  }
  // Refused before each resource is parsed: a body of millions of ids must not become millions
  // of resources first.
  const std::size_t most = service.jobs().options().max_images_per_input;
  if (resources->size() > most) {
    return Status::InvalidArgument("at most " + std::to_string(most) + " resources in one request, even as a job; " +
                                   std::to_string(resources->size()) + " given");
  }
  service::FeatureRequest feature_request;
  feature_request.resources.reserve(resources->size());
  for (std::size_t i = 0; i < resources->size(); ++i) {
    VITRINE_ASSIGN_OR_RETURN(auto resource, ParseResource((*resources)[i], i));
    feature_request.resources.push_back(std::move(resource));
  }
  const wire::Json* parameters = nullptr;
  if (auto it = body.find("parameters"); it != body.end() && !it->is_null()) {
    if (!it->is_object()) return Status::InvalidArgument("parameters must be an object");
    parameters = &*it;
  }
  if (as_job) return ExtractAsJob(service, caller, params.at("name"), feature_request, body, parameters, query);
  return Extracted(service, slots, caller, params.at("name"), std::move(feature_request), parameters, query);
}

Result<HttpResponse> ExtractImageFeatures(service::Service& service, StreamSlots& slots, const Caller& caller,
                                          const HttpRequest& request, const PathParams& params) {
  VITRINE_ASSIGN_OR_RETURN(QueryParams query, QueryParams::Parse(request.query));
  VITRINE_RETURN_IF_ERROR(FormatParam(query).status());
  service::FeatureResource resource;
  VITRINE_ASSIGN_OR_RETURN(resource.image, PathId<ImageId>(params, "image_id"));
  VITRINE_ASSIGN_OR_RETURN(resource.mask, IdParam<ImageId>(query, "mask"));
  VITRINE_ASSIGN_OR_RETURN(resource.annotation, IdParam<AnnotationId>(query, "annotation"));
  if (auto region = query.Get("region")) {
    VITRINE_ASSIGN_OR_RETURN(resource.region, ParseRegion(wire::Json(std::string(*region))));
  }
  service::FeatureRequest feature_request;
  feature_request.resources.push_back(resource);
  return Extracted(service, slots, caller, params.at("name"), std::move(feature_request), nullptr, query);
}

}  // namespace

void AddFeatureRoutes(Router& router, service::Service& service) {
  router.Add("GET", "/api/v1/features", Authed(service, ListDescriptors));
  router.Add("GET", "/api/v1/features/{name}", Authed(service, GetDescriptor));
  // Shared by the routes, and by the answers they stream for as long as those last.
  const int cpus = static_cast<int>(std::max(2U, std::thread::hardware_concurrency()));
  auto slots = std::make_shared<StreamSlots>(cpus, 4 * cpus);
  auto with_slots = [slots](auto handler) {
    return [slots, handler](service::Service& s, const Caller& caller, const HttpRequest& request,
                            const PathParams& params) { return handler(s, *slots, caller, request, params); };
  };
  router.Add("POST", "/api/v1/features/{name}", AuthedWork(service, with_slots(ExtractFeatures)));
  router.Add("GET", "/api/v1/images/{image_id}/features/{name}", AuthedWork(service, with_slots(ExtractImageFeatures)));
}

}  // namespace vitrine::http::routes
