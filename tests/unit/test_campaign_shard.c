/* test_campaign_shard.c: --shard parsing, the runs a shard (and --resume) selects, --resume's reading of a
 * file, the progress text. No KVM. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "campaign/campaign.h"
#include "campaign/shard.h"

Test(campaign_shard, parses_k_of_m)
{
    struct campaign_shard s;
    char err[256];
    cr_assert_eq(campaign_shard_parse("0/1", &s, err, sizeof(err)), 0);
    cr_assert(s.k == 0 && s.m == 1);
    cr_assert_eq(campaign_shard_parse("3/4", &s, err, sizeof(err)), 0);
    cr_assert(s.k == 3 && s.m == 4);
    cr_assert_eq(campaign_shard_parse("17/1000", &s, err, sizeof(err)), 0);
    cr_assert(s.k == 17 && s.m == 1000);
}

/* Asserts that `text` is refused with `cause` in the message. */
static void assert_refused(const char *text, const char *cause)
{
    struct campaign_shard s = {9, 9};
    char err[256] = "";
    cr_assert_eq(campaign_shard_parse(text, &s, err, sizeof(err)), -EINVAL, "%s accepted", text);
    cr_assert(strstr(err, cause) != NULL, "'%s': expected \"%s\" in \"%s\"", text, cause, err);
    cr_assert(s.k == 9 && s.m == 9, "a refused shard changed the output");
}

Test(campaign_shard, each_malformed_shard_is_refused_naming_the_cause)
{
    assert_refused("3", "--shard 3: expected K/M (shard K of M, 0 <= K < M), e.g. 0/4");
    assert_refused("", "expected K/M");
    assert_refused("/4", "K '' is not a decimal number");
    assert_refused("a/4", "K 'a' is not a decimal number");
    assert_refused("-1/4", "K '-1' is not a decimal number");
    assert_refused("1/", "M '' is not a decimal number");
    assert_refused("1/4x", "M '4x' is not a decimal number");
    assert_refused("1/2/3", "M '2/3' is not a decimal number");
    assert_refused("0x1/4", "K '0x1' is not a decimal number");
    assert_refused("0/0", "--shard 0/0: M is 0; there must be at least one shard");
    assert_refused("4/4", "--shard 4/4: K is 4, not below M (shards are numbered 0 to 3)");
    assert_refused("5/2", "K is 5, not below M");
    assert_refused("1/99999999999999999999", "M '99999999999999999999' is not a decimal number");
}

Test(campaign_shard, shards_partition_the_indices)
{
    struct campaign_shard shards[3] = {{0, 3}, {1, 3}, {2, 3}};
    for (uint64_t i = 0; i < 100; i++) {
        int owners = 0;
        for (int k = 0; k < 3; k++)
            owners += campaign_shard_has(&shards[k], i);
        cr_assert_eq(owners, 1, "index %llu has %d shards", (unsigned long long)i, owners);
        cr_assert(campaign_shard_has(&shards[i % 3], i));
    }
}

Test(campaign_shard, select_lists_the_shard_indices_in_order_less_those_done)
{
    struct campaign_shard s = {1, 3};
    uint64_t *list;
    cr_assert_eq(campaign_select(10, &s, NULL, &list), 3);
    cr_assert(list[0] == 1 && list[1] == 4 && list[2] == 7);
    free(list);
    bool done[10] = {false};
    done[4] = true;
    done[5] = true; /* another shard's: no effect */
    cr_assert_eq(campaign_select(10, &s, done, &list), 2);
    cr_assert(list[0] == 1 && list[1] == 7);
    free(list);
    struct campaign_shard all = {0, 1};
    cr_assert_eq(campaign_select(3, &all, NULL, &list), 3);
    cr_assert(list[0] == 0 && list[1] == 1 && list[2] == 2);
    free(list);
    struct campaign_shard empty = {5, 8}; /* more shards than runs: only the golden row */
    cr_assert_eq(campaign_select(4, &empty, NULL, &list), 0);
    cr_assert_null(list);
}

/* A file holding `text`, rewound. */
static FILE *file_of(const char *text)
{
    FILE *f = tmpfile();
    cr_assert_not_null(f);
    fputs(text, f);
    rewind(f);
    return f;
}

#define GOLDEN                                                                                               \
    "{\"scenario\":\"s.lua\",\"campaign_seed\":7,\"run\":\"golden\",\"seed\":null,\"class\":\"golden\"}\n"
#define ROW(i, class)                                                                                        \
    "{\"scenario\":\"s.lua\",\"campaign_seed\":7,\"run\":" #i                                                \
    ",\"seed\":\"0x1\",\"faults\":[],\"class\":\"" class "\",\"duration_ms\":1.0}\n"

Test(campaign_shard, resume_keeps_whole_rows_and_drops_a_cut_last_line)
{
    const char *whole = GOLDEN ROW(0, "masked") ROW(1, "detected");
    char text[1024];
    snprintf(text, sizeof(text), "%s{\"scenario\":\"s.lua\",\"campaign_seed\":7,\"run\":2,\"se", whole);
    FILE *f = file_of(text);
    struct campaign_shard all = {0, 1};
    struct campaign_resume r;
    char err[256];
    cr_assert_eq(campaign_resume_read(f, 4, &all, &r, err, sizeof(err)), 0, "%s", err);
    cr_assert(r.golden);
    cr_assert(r.seed_known && r.seed == 7);
    cr_assert(r.cut);
    cr_assert_eq(r.keep, (long)strlen(whole), "keep %ld", r.keep);
    cr_assert(r.done[0] && r.done[1] && !r.done[2] && !r.done[3]);
    cr_assert_eq(r.ndone, 2);
    cr_assert_eq(r.counts[campaign_class_index("masked")], 1);
    cr_assert_eq(r.counts[campaign_class_index("detected")], 1);
    campaign_resume_free(&r);
    fclose(f);
}

Test(campaign_shard, resume_of_whole_rows_cuts_nothing)
{
    const char *whole = GOLDEN ROW(0, "masked");
    FILE *f = file_of(whole);
    struct campaign_shard all = {0, 1};
    struct campaign_resume r;
    char err[256];
    cr_assert_eq(campaign_resume_read(f, 2, &all, &r, err, sizeof(err)), 0, "%s", err);
    cr_assert(!r.cut);
    cr_assert_eq(r.keep, (long)strlen(whole));
    campaign_resume_free(&r);
    fclose(f);
}

Test(campaign_shard, resume_of_an_empty_file_starts_afresh)
{
    FILE *f = file_of("");
    struct campaign_shard all = {0, 1};
    struct campaign_resume r;
    char err[256];
    cr_assert_eq(campaign_resume_read(f, 3, &all, &r, err, sizeof(err)), 0, "%s", err);
    cr_assert(!r.golden && !r.seed_known && !r.cut);
    cr_assert_eq(r.keep, 0);
    cr_assert_eq(r.ndone, 0);
    campaign_resume_free(&r);
    fclose(f);
}

Test(campaign_shard, resume_counts_only_rows_of_its_shard_and_range_once)
{
    FILE *f = file_of(GOLDEN ROW(1, "sdc") ROW(2, "sdc") ROW(3, "sdc") ROW(3, "sdc") ROW(9, "sdc"));
    struct campaign_shard odd = {1, 2};
    struct campaign_resume r;
    char err[256];
    cr_assert_eq(campaign_resume_read(f, 5, &odd, &r, err, sizeof(err)), 0, "%s", err);
    cr_assert(r.done[1] && r.done[3] && !r.done[2]);
    cr_assert_eq(r.ndone, 2);
    cr_assert_eq(r.counts[campaign_class_index("sdc")], 2);
    campaign_resume_free(&r);
    fclose(f);
}

Test(campaign_shard, resume_refuses_a_whole_line_that_is_not_a_row)
{
    FILE *f = file_of(GOLDEN "hello\n" ROW(0, "masked"));
    struct campaign_shard all = {0, 1};
    struct campaign_resume r;
    char err[256] = "";
    cr_assert_eq(campaign_resume_read(f, 2, &all, &r, err, sizeof(err)), -EINVAL);
    cr_assert_str_eq(err, "2: not a result row (no \"campaign_seed\", \"run\" or \"class\")");
    fclose(f);
}

Test(campaign_shard, resume_refuses_rows_of_two_campaign_seeds)
{
    FILE *f = file_of(GOLDEN "{\"campaign_seed\":8,\"run\":0,\"class\":\"masked\"}\n");
    struct campaign_shard all = {0, 1};
    struct campaign_resume r;
    char err[256] = "";
    cr_assert_eq(campaign_resume_read(f, 2, &all, &r, err, sizeof(err)), -EINVAL);
    cr_assert_str_eq(err, "2: its \"campaign_seed\" differs from the rows before it");
    fclose(f);
}

Test(campaign_shard, resume_refuses_an_unknown_class)
{
    FILE *f = file_of(GOLDEN "{\"campaign_seed\":7,\"run\":0,\"class\":\"fine\"}\n");
    struct campaign_shard all = {0, 1};
    struct campaign_resume r;
    char err[256] = "";
    cr_assert_eq(campaign_resume_read(f, 2, &all, &r, err, sizeof(err)), -EINVAL);
    cr_assert_str_eq(err, "2: its \"run\" is not a run number or its \"class\" is unknown");
    fclose(f);
}

Test(campaign_shard, progress_text_has_runs_rate_classes_seen_and_eta)
{
    uint64_t counts[CAMPAIGN_CLASSES] = {0};
    char text[256];
    campaign_progress_text(text, sizeof(text), 0, 10, 0.0, counts);
    cr_assert_str_eq(text, "zxvmm: 0/10 runs");
    counts[campaign_class_index("masked")] = 3;
    counts[campaign_class_index("detected")] = 1;
    campaign_progress_text(text, sizeof(text), 4, 10, 2.0, counts);
    cr_assert_str_eq(text, "zxvmm: 4/10 runs, 2.0 runs/s, detected 1, masked 3, ETA 3s");
    char small[12];
    campaign_progress_text(small, sizeof(small), 4, 10, 2.0, counts);
    cr_assert_str_eq(small, "zxvmm: 4/10");
}
