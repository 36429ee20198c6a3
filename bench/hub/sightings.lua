-- wrk script: POST /api/v1/sightings with batches of 500 new items.
-- Values cycle over 2000 domains, 1 in 10 of them a known indicator.
local counter = 0
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("id", threads)
end
init = function(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
end
request = function()
  if prefix == nil then prefix = string.format("%d-%d", os.time(), id) end
  counter = counter + 1
  local items = {}
  for i = 1, 500 do
    local v = (counter * 500 + i) % 2000
    items[i] = string.format('{"id":"%s-%d-%d","type":"domain","value":"host%d.bench.example","observed_at":"2026-11-%02dT10:00:00Z","count":1,"sensor":"dns"}', prefix, counter, i, v, 1 + (counter % 21))
  end
  return wrk.format(nil, "/api/v1/sightings", nil, '{"items":[' .. table.concat(items, ",") .. ']}')
end
done = function(summary, latency, requests)
  io.write(string.format("sightings/s: %.0f (non-2xx: %d)\n", summary.requests / (summary.duration / 1e6) * 500, summary.errors.status))
end
