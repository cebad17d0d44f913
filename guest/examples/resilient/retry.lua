-- retry.lua: makes resilient's zx_vmo_write fail with ZX_ERR_NO_MEMORY, each call with probability 60%.
-- When the program's retries get through, its exit status is the golden run's: the oracle compares only
-- the exit status (its stdout mentions the retries), so the recovery counts as masked; three failures
-- in a row make it give up (detected). The build copies this file next to the built program:
--   build/zxvmm run --scenario build/guest-examples/retry.lua --seed 3
--   build/zxvmm campaign build/guest-examples/retry.lua --runs 100 --seed 1 --out retry.jsonl
return {
  program = { "resilient" },
  timeout = 30,
  faults = {
    { id = "nomem", on = "syscall", name = "zx_vmo_write", probability = 60, times = -1,
      action = { fail = "ZX_ERR_NO_MEMORY" } },
  },
  oracle = { compare = { "exit" } },
}
