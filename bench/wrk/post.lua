-- wrk: POST /v1/sessions creating a 1 KiB session (10 attributes of 95
-- bytes, as in the library benchmarks).
--   wrk ... -s bench/wrk/post.lua URL
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "common.lua")

local parts = {}
for i = 0, 9 do
  parts[#parts + 1] = string.format('"attr%d":"%s"', i,
                                    string.rep(string.char(97 + i), 95))
end
local body = '{"attributes":{' .. table.concat(parts, ",") .. "}}"
local headers = { ["Content-Type"] = "application/json" }

setup = common.setup

function request()
  return wrk.format("POST", "/v1/sessions", headers, body)
end

done = common.done
