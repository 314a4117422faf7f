-- wrk script for the dashboard's load benchmark (Benchmarks/Serve/run.sh).
--
-- Each request is the next line of $WRK_REQUESTS, round robin per thread: "PATH<TAB>COOKIE".
-- So 50 connections ask for the inbox and key-result pages of several signed-in accounts, as
-- their browsers would. At the end, one line "WRK_JSON {...}" sums up: requests, errors by kind
-- (status counts answers other than 2xx/3xx), and latency percentiles in microseconds.

local lines = {}
local next_line = 0

function init(args)
  local path = os.getenv("WRK_REQUESTS")
  for line in io.lines(path) do
    local p, cookie = line:match("^([^\t]+)\t(.*)$")
    if p then lines[#lines + 1] = { path = p, cookie = cookie } end
  end
  -- Threads start at different places, not all on the same page.
  next_line = math.random(0, #lines - 1)
end

function request()
  next_line = next_line % #lines + 1
  local r = lines[next_line]
  return wrk.format("GET", r.path, { ["Cookie"] = r.cookie })
end

local function num(x)
  if x == nil or x ~= x or x == math.huge or x == -math.huge then return "null" end
  if x == math.floor(x) and math.abs(x) < 2^53 then return string.format("%d", x) end
  return string.format("%.3f", x)
end

function done(summary, latency, requests)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    'WRK_JSON {"requests":%s,"seconds":%s,"per_second":%s,"errors":{"connect":%s,"read":%s,"write":%s,"status":%s,"timeout":%s},'
      .. '"latency_us":{"p50":%s,"p90":%s,"p99":%s,"p99_9":%s,"max":%s,"mean":%s}}\n',
    num(summary.requests), num(seconds), num(seconds > 0 and summary.requests / seconds or 0),
    num(e.connect), num(e.read), num(e.write), num(e.status), num(e.timeout),
    num(latency:percentile(50)), num(latency:percentile(90)), num(latency:percentile(99)), num(latency:percentile(99.9)),
    num(latency.max), num(latency.mean)))
end
