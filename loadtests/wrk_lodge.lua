-- wrk script of the benchmark (loadtests/wrk_intake.py runs it): POST each body of a file once.
--
-- Environment: BENCH_WRK_BODIES, a file of `key<TAB>idempotency key<TAB>JSON body` lines;
-- BENCH_WRK_THREADS, wrk's -t; BENCH_WRK_DONE_DIR, where each thread leaves `done-<id>` once
-- every one of its bodies is answered (wrk itself runs until -d is over or it gets SIGINT).
-- Thread i takes lines i, i + t, i + 2t, ...: the slices are disjoint, so each body is sent
-- exactly once. done() prints one `BENCH_WRK_JSON {...}` line.

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock_id, bench_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local IDLE_MS = 3600 * 1000 -- a connection with no body left waits; the thread stops first
local SAMPLE_BODIES = 3 -- bodies of refused requests kept per thread, to say why
local FILLER_STATUS = 200 -- lodging answers 202 or an error, never 200

local clock = ffi.new("bench_timespec")
local function now_us()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, clock)
  return tonumber(clock.tv_sec) * 1000000 + math.floor(tonumber(clock.tv_nsec) / 1000)
end

-- Main state: the threads, numbered as wrk sets them up.
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

-- Thread state.
local function mark_done()
  local marker = io.open(os.getenv("BENCH_WRK_DONE_DIR") .. "/done-" .. id, "w")
  marker:close()
end

function init(args)
  local count = tonumber(os.getenv("BENCH_WRK_THREADS"))
  requests, queue, head, tail = {}, {}, 1, 0
  reserved, sent, answered, filler = 0, 0, 0, 0
  statuses, refusals = {}, {}
  first_us, last_us = 0, 0
  local index = 0
  for line in io.lines(os.getenv("BENCH_WRK_BODIES")) do
    if index % count == id then
      local key, idempotency, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
      local headers = {
        ["Authorization"] = "Bearer " .. key,
        ["Content-Type"] = "application/json",
        ["Idempotency-Key"] = idempotency,
      }
      requests[#requests + 1] = wrk.format("POST", wrk.path, headers, body)
    end
    index = index + 1
  end
  bodies = #requests
  if bodies == 0 then
    mark_done()
  end
end

-- wrk asks delay() before each request on a connection, then request() for it: reserving
-- a body here means two connections never race for the last one.
function delay()
  if reserved < #requests then
    reserved = reserved + 1
    tail = tail + 1
    queue[tail] = reserved
    return 0
  end
  return IDLE_MS
end

function request()
  local index = queue[head]
  if index == nil then
    -- wrk parses one request before it starts, and asks again after a reconnect: neither
    -- may use up a body. A reconnect's request is answered 200 and counted as filler.
    return wrk.format("GET", "/healthz", {}, nil)
  end
  queue[head] = nil
  head = head + 1
  if sent == 0 then
    first_us = now_us()
  end
  sent = sent + 1
  return requests[index]
end

function response(status, headers, body)
  if status == FILLER_STATUS then
    filler = filler + 1
    return
  end
  statuses[tostring(status)] = (statuses[tostring(status)] or 0) + 1
  if (status < 200 or status > 299) and #refusals < SAMPLE_BODIES then
    refusals[#refusals + 1] = tostring(status) .. " " .. string.sub(body, 1, 200)
  end
  answered = answered + 1
  if answered == #requests then
    last_us = now_us()
    mark_done()
    wrk.thread:stop()
  end
end

-- Main state again, once every thread has stopped.
local function encode(value)
  local kind = type(value)
  if kind == "number" then
    return string.format("%.17g", value)
  elseif kind == "string" then
    return '"' .. value:gsub('[%c"\\]', function(c)
      return string.format("\\u%04x", c:byte())
    end) .. '"'
  elseif kind == "table" then
    local parts, array = {}, #value > 0
    for k, v in pairs(value) do
      parts[#parts + 1] = array and encode(v) or (encode(tostring(k)) .. ":" .. encode(v))
    end
    return array and ("[" .. table.concat(parts, ",") .. "]") or ("{" .. table.concat(parts, ",") .. "}")
  end
  return "null"
end

function done(summary, latency, requests)
  local result = {
    threads = {},
    latency_us = {
      p50 = latency:percentile(50),
      p95 = latency:percentile(95),
      p99 = latency:percentile(99),
      max = latency.max,
      mean = latency.mean,
    },
    wrk_requests = summary.requests,
    wrk_duration_us = summary.duration,
    errors = summary.errors,
  }
  for _, thread in ipairs(threads) do
    result.threads[#result.threads + 1] = {
      id = thread:get("id"),
      bodies = thread:get("bodies"),
      sent = thread:get("sent"),
      answered = thread:get("answered"),
      filler = thread:get("filler"),
      first_us = thread:get("first_us"),
      last_us = thread:get("last_us"),
      statuses = thread:get("statuses"),
      refusals = thread:get("refusals"),
    }
  end
  io.write("BENCH_WRK_JSON ", encode(result), "\n")
end
