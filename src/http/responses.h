// Building responses: JSON bodies, the one Status→HTTP mapping, and error bodies.
#pragma once

#include "http/message.h"
#include "vitrine/status.h"
#include "wire/json.h"

namespace vitrine::http {

// The HTTP status for an error code: not_found→404, invalid_argument→400, ... internal→500.
int HttpStatusFor(ErrorCode code);

HttpResponse JsonResponse(int status, const wire::Json& body);
// {"error": {"code", "message"}} with the mapped status; adds WWW-Authenticate on 401.
HttpResponse ErrorResponse(const Status& status);
HttpResponse NoContent();

}  // namespace vitrine::http
