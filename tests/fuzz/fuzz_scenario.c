/* fuzz_scenario.c: scenario_parse (the Lua sandbox and the validator) on arbitrary scenario text. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inject/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant the fuzzer must never break: report it and stop with the input saved. */
static void broken(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz invariant broken: %s: %s\n", what, detail);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct scenario sc;
    char err[512] = "";
    int rc = scenario_parse("fuzz.lua", (const char *)data, size, &sc, err, sizeof(err));
    if (rc == -1) {
        if (strncmp(err, "fuzz.lua", 8) != 0 || strlen(err) < 10)
            broken("a refusal names the file and a cause", err);
        return 0;
    }
    if (rc != 0)
        broken("scenario_parse returns 0 or -1", err);
    if (sc.program.argc < 1 || sc.program.argv[sc.program.argc] != NULL || sc.nfaults > SCENARIO_MAX_FAULTS)
        broken("an accepted scenario has a program and at most the maximum of faults", "");
    for (unsigned i = 0; i < sc.nfaults; i++)
        if (sc.faults[i].id[0] == '\0' || sc.faults[i].counter.probability < 0 ||
            sc.faults[i].counter.probability > 100)
            broken("every fault has an id and a probability in [0, 100]", sc.faults[i].id);
    scenario_free(&sc);
    return 0;
}
