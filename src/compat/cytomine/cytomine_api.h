// Cytomine's protocol on Vitrine's server (docs/compat/cytomine.md): the `/server/ping` and
// `/api/...json` routes that Cytomine's Python client calls, translated onto the service layer.
// Ids are Vitrine's; an ImageInstance and an AbstractImage are two views of one Vitrine image;
// geometry crosses between Cytomine's bottom-left origin and Vitrine's top-left one here.
#pragma once

#include "http/router.h"
#include "service/service.h"

namespace vitrine::compat::cytomine {

// `service` must outlive the router.
void AddCytomineRoutes(http::Router& router, service::Service& service);

}  // namespace vitrine::compat::cytomine
