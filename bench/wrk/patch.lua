-- wrk: PATCH /v1/sessions/{id} setting one 95-byte attribute (the session
-- stays 1 KiB), round-robin over the ids.
--   wrk ... -s bench/wrk/patch.lua URL -- IDS_FILE
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "common.lua")

local ids
local next_index
local bodies = {}

setup = common.setup

function init(args)
  ids = common.load_ids(args[1])
  next_index = (thread_index or 0) * 7919 % #ids
  for i = 0, 25 do
    local letter = string.char(string.byte("a") + i)
    bodies[#bodies + 1] = '{"set":{"attr3":"' .. string.rep(letter, 95) .. '"}}'
  end
end

local headers = { ["Content-Type"] = "application/json" }

function request()
  next_index = next_index % #ids + 1
  return wrk.format("PATCH", "/v1/sessions/" .. ids[next_index], headers,
                    bodies[next_index % #bodies + 1])
end

done = common.done
