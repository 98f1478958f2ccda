// Plumbing shared by the Cytomine route files: the handler wrapper (authentication, Cytomine's
// error bodies, never a cached JSON answer), its listings' paging, and the registrars.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "compat/cytomine/cytomine_json.h"
#include "http/query.h"
#include "http/router.h"
#include "http/routes/route_helpers.h"
#include "service/service.h"

namespace vitrine::compat::cytomine {

using http::HttpRequest;
using http::HttpResponse;
using http::PathParams;
using service::Caller;

// A route's work: who asks (authenticated), the request, its captures.
using CytomineHandler =
    std::function<Result<HttpResponse>(service::Service&, const Caller&, const HttpRequest&, const PathParams&)>;

// Authenticates as the native API does (CYTOMINE signatures, bearer tokens, Basic) and turns an
// error into Cytomine's body with the native status. `heavy` work always runs on a worker.
http::Handler Cytomine(service::Service& service, CytomineHandler fn, bool heavy = false);

// 200 with `body`, never stored by the client's HTTP cache (it caches what it may).
HttpResponse CytomineJsonResponse(const Json& body);
// The error's native status with Cytomine's error body.
HttpResponse CytomineErrorResponse(const Status& status);

// Cytomine's `max` (0: all) and `offset` query parameters.
struct Slice {
  std::int64_t max = 0;
  std::int64_t offset = 0;
};
Result<Slice> SliceOf(const http::QueryParams& query);

// At most this many rows in one answer of a paged listing (images, annotations): past it, max=0
// is refused (413) rather than answered short, since the client never pages by itself.
inline constexpr std::int64_t kMaxRowsPerAnswer = 100'000;

// Reads the rows of `slice` from a paged service listing (pages of up to `page_size`) and
// wraps them in the list envelope with `to_json` applied to each. `fetch` may count the total
// on the first page only (page.offset == slice.offset) and leave it -1 after.
template <class T>
Result<Json> PagedList(const Slice& slice, std::int64_t page_size,
                       const std::function<Result<Page<T>>(const PageRequest&)>& fetch,
                       const std::function<Json(const T&)>& to_json) {
  if (slice.max > kMaxRowsPerAnswer) {
    return Status::InvalidArgument("max is at most " + std::to_string(kMaxRowsPerAnswer));
  }
  const std::int64_t wanted = slice.max > 0 ? slice.max : kMaxRowsPerAnswer;
  Json rows = Json::array();
  std::int64_t total = 0;
  for (std::int64_t read = 0; read < wanted;) {
    const std::int64_t limit = std::min(page_size, wanted - read);
    VITRINE_ASSIGN_OR_RETURN(Page<T> page, fetch(PageRequest{limit, slice.offset + read}));
    if (page.total >= 0) total = page.total;
    if (slice.max == 0 && total - slice.offset > kMaxRowsPerAnswer) {
      return Status::TooLarge(std::to_string(total - slice.offset) + " rows match; an answer holds at most " +
                              std::to_string(kMaxRowsPerAnswer) + ": page with max and offset");
    }
    for (const T& item : page.items) rows.push_back(to_json(item));
    read += static_cast<std::int64_t>(page.items.size());
    if (static_cast<std::int64_t>(page.items.size()) < limit) break;
  }
  return ListEnvelope(std::move(rows), total, slice.offset, slice.max);
}

// Wraps rows already in memory.
Json ListOf(Json rows, const Slice& slice);

// A `{name}` capture as a positive id, as the native routes read them.
template <class IdT>
Result<IdT> IdIn(const PathParams& params, const char* name) {
  return http::routes::PathId<IdT>(params, name);
}

// The body as a JSON object (callers read the keys they know and ignore the rest).
inline Result<Json> BodyObject(const HttpRequest& request) { return wire::ParseObject(request.body); }
// An id field that may be absent, null, a number or a numeric string.
Result<std::optional<std::int64_t>> OptionalIdField(const Json& object, const char* field);
// Cytomine's booleans: "true"/"True"/"1" (any case) are true.
bool Truthy(std::optional<std::string_view> value);

void AddUserRoutes(http::Router& router, service::Service& service);
void AddProjectRoutes(http::Router& router, service::Service& service);
void AddImageRoutes(http::Router& router, service::Service& service);
void AddOntologyRoutes(http::Router& router, service::Service& service);
void AddAnnotationRoutes(http::Router& router, service::Service& service);
void AddPropertyRoutes(http::Router& router, service::Service& service);
void AddUploadRoutes(http::Router& router, service::Service& service);

}  // namespace vitrine::compat::cytomine
