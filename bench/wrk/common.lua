-- Shared by the wrk scripts of scripts/bench.sh: the session ids to use
-- (read from the file named by the first script argument) and one
-- machine-readable summary line.

local common = {}

-- Reads the ids file; each thread starts at its own offset so that the
-- connections spread over all sessions.
function common.load_ids(path)
  local ids = {}
  local file = assert(io.open(path, "r"), "cannot read " .. tostring(path))
  for line in file:lines() do
    if #line > 0 then ids[#ids + 1] = line end
  end
  file:close()
  assert(#ids > 0, "no ids in " .. path)
  return ids
end

-- Numbers each thread (wrk calls setup once per thread, in the main state).
local thread_count = 0
function common.setup(thread)
  thread:set("thread_index", thread_count)
  thread_count = thread_count + 1
end

-- "RESULT key=value ..." with latencies in microseconds.
function common.done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d rps=%.1f non2xx=%d connect_errors=%d "
      .. "read_errors=%d write_errors=%d timeouts=%d mean_us=%.1f "
      .. "p50_us=%d p75_us=%d p90_us=%d p99_us=%d p999_us=%d max_us=%d\n",
    summary.requests, summary.duration,
    summary.requests / (summary.duration / 1e6), errors.status,
    errors.connect, errors.read, errors.write, errors.timeout, latency.mean,
    latency:percentile(50), latency:percentile(75), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9), latency.max))
  -- The distribution for the plot: percentile and latency, one per line.
  for _, p in ipairs({ 1, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99 }) do
    io.write(string.format("PERCENTILE %g %d\n", p, latency:percentile(p)))
  end
end

return common
