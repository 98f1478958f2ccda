-- wrk script: requests the paths listed one per line in the file named by PATHS, each thread
-- taking every THREADS-th line from its own offset, so no path is asked twice in a run. When a
-- thread's share is used up it stops (ONCE=1: a cold run ends before it could ask again) or
-- starts over (the cached runs). Prints the exact p50/p99 (ms), the request count and the
-- non-2xx count at the end.
local paths = {}
for line in io.lines(os.getenv("PATHS")) do paths[#paths + 1] = line end
local threads = tonumber(os.getenv("THREADS") or "2")
local once = os.getenv("ONCE") == "1"
local counter = 0
local all_threads = {}

function setup(thread)
  thread:set("offset", counter)
  counter = counter + 1
  table.insert(all_threads, thread)
end

function init(args)
  position = offset + 1
  failures = 0
  wrapped = 0
  local auth = os.getenv("AUTH")
  if auth and auth ~= "" then wrk.headers["Authorization"] = auth end
end

function request()
  local path = paths[position]
  position = position + threads
  if position > #paths then
    if once then wrk.thread:stop() end
    position = offset + 1
    wrapped = wrapped + 1
  end
  return wrk.format("GET", path)
end

function response(status, headers, body)
  if status ~= 200 then failures = failures + 1 end
end

function done(summary, latency, requests)
  local failed, wraps = 0, 0
  for _, t in ipairs(all_threads) do
    failed = failed + t:get("failures")
    wraps = wraps + t:get("wrapped")
  end
  io.write(string.format("RESULT requests=%d seconds=%.3f p50_ms=%.3f p99_ms=%.3f failures=%d wraps=%d errors=%d\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    failed, wraps, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status +
    summary.errors.timeout))
end
