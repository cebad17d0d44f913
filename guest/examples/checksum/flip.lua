-- flip.lua: one random bit flip in checksum's buffer or in the spare page after it, while the program
-- prints "filled ..." (between its two sums). Data bits change the checksum (sdc; with "verify",
-- detected); spare bits change nothing (masked). The build copies this file next to the built
-- program (the program path below is relative to the scenario file):
--   build/zxvmm run --scenario build/guest-examples/flip.lua --seed 1
--   build/zxvmm campaign build/guest-examples/flip.lua --runs 200 -j 2 --seed 42 --out flip.jsonl
local DATA_AT = 0x30000000
local SPAN = 2 * 4096 -- the data page and the spare page

return {
  program = { "checksum" },
  timeout = 30,
  on_syscall = function(ev)
    if ev.syscall == "zx_debug_write" and ev.when == "before" and ev.n == 1 then
      local offset = zx.randint(0, SPAN - 1)
      zx.log(string.format("flip at +0x%x", offset))
      return { flip = { process = "checksum", addr = DATA_AT + offset, mask = 1 << zx.randint(0, 7) } }
    end
  end,
}
