local t = setmetatable({}, { __index = function(_, k) return k .. "!" end })
local s = string.format("%d %s", #t, t.x) .. table.concat({ "a", "b" }, ",") .. utf8.char(72)
local f = load("return " .. math.random(1, 9))
return { program = { s, tostring(f()) }, faults = { { on = "start", action = { kill = "p" } } } }
