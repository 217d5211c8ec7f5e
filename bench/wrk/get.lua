-- wrk: GET /v1/sessions/{id} (cached read), round-robin over the ids.
--   wrk ... -s bench/wrk/get.lua URL -- IDS_FILE
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "common.lua")

local ids
local next_index

setup = common.setup

function init(args)
  ids = common.load_ids(args[1])
  next_index = (thread_index or 0) * 7919 % #ids
end

function request()
  next_index = next_index % #ids + 1
  return wrk.format("GET", "/v1/sessions/" .. ids[next_index])
end

done = common.done
