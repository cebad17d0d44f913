return {
  program = { "victim", "arg1" },
  spawn = { { "helper", "x" } },
  cmdline = "kernel.enable-debugging-syscalls=true",
  mem = "256M", timeout = 5,
  faults = {
    { id = "wm3", on = "syscall", name = "zx_process_write_memory", when = "before",
      process = "victim", nth = 3, action = { fail = "ZX_ERR_NO_MEMORY" } },
    { id = "flip", on = "syscall", name = "zx_debug_write", process = "victim", probability = 20,
      action = { flip = { process = "victim", addr = 0x20001000, mask = 0x10 }, lifespan = 0 } },
    { on = "exception", vector = "#PF", action = { reg = { process = "victim", name = "rip", flip = 1 } } },
    { on = "time", ms = 5, interval = 2, space = 100, action = { revoke = { "ZX_RIGHT_READ" } } },
  },
  oracle = { compare = { "exit", "stdout" } },
  limits = { instructions = 100000, memory = 1 << 20 },
  classify = function(r) if r.stdout:find("MISMATCH") then return "detected" end end,
  on_syscall = function(ev) return nil end,
}
