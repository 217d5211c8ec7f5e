-- wrk: GET /v1/sessions/{id} (cached read), round-robin over the ids.
--   wrk ... -s bench/wrk/get.lua URL -- IDS_FILE
-- The requests are formatted once, in init: building each one in Lua per
-- request cost wrk CPU that the daemon shares the two cores with.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "common.lua")

local requests
local next_index

setup = common.setup

function init(args)
  local ids = common.load_ids(args[1])
  requests = {}
  for i, id in ipairs(ids) do
    requests[i] = wrk.format("GET", "/v1/sessions/" .. id)
  end
  next_index = (thread_index or 0) * 7919 % #requests
end

function request()
  next_index = next_index % #requests + 1
  return requests[next_index]
end

done = common.done
