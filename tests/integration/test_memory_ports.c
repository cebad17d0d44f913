/* test_memory_ports.c: Zircon's own cases for the process-memory calls (SEMANTICS.md section 6), re-created:
 * process_debug (pattern, accesses at 0 and in a hole, the vDSO), debugger (text patch), vmar (partial unmap,
 * mapping offsets, read-only mappings). */
#include "memory_host.h"

#define PATTERN_ROUND_TRIP "read_status=ZX_OK\nread_actual=12288\nread_matches=1\n"
#define VDSO_DENIED(fn)    fn "=ZX_ERR_ACCESS_DENIED intact=1\n"
#define VDSO_READABLE(fn)  fn "=ZX_OK actual=16 matches=1\n"
#define VDSO_EACH(line)                                                                                      \
    line("zx_handle_close") line("zx_process_write_memory") line("zx_process_read_memory")                   \
        line("zx_vmo_create") line("zx_debug_write") line("zx_system_get_page_size")

Test(memory_ports, pattern_12k_written_lands_in_the_mapping_and_reads_back)
{
    REQUIRE_KVM();
    memh_case(
        "write", "pattern_12k",
        "write_status=ZX_OK\nwrite_actual=12288\nmapping_matches=1\nvmo_matches=1\n" PATTERN_ROUND_TRIP);
}

Test(memory_ports, pattern_12k_put_in_the_vmo_reads_back)
{
    REQUIRE_KVM();
    memh_case("read", "pattern_12k", PATTERN_ROUND_TRIP);
}

Test(memory_ports, write_of_64_bytes_at_address_0_is_no_memory)
{
    REQUIRE_KVM();
    memh_case("write", "vaddr_zero", MEMH_FAILED(ZX_ERR_NO_MEMORY));
}

Test(memory_ports, read_of_64_bytes_at_address_0_is_no_memory)
{
    REQUIRE_KVM();
    memh_case("read", "vaddr_zero", MEMH_FAILED(ZX_ERR_NO_MEMORY));
}

Test(memory_ports, write_of_64_bytes_at_an_unmapped_page_of_a_range_is_no_memory)
{
    REQUIRE_KVM();
    memh_case("write", "subrange_hole", "unmap=ZX_OK\n" MEMH_FAILED(ZX_ERR_NO_MEMORY));
}

Test(memory_ports, read_of_64_bytes_at_an_unmapped_page_of_a_range_is_no_memory)
{
    REQUIRE_KVM();
    memh_case("read", "subrange_hole", "unmap=ZX_OK\n" MEMH_FAILED(ZX_ERR_NO_MEMORY));
}

Test(memory_ports, writes_at_vdso_functions_are_access_denied)
{
    REQUIRE_KVM();
    memh_case("write", "vdso_functions", VDSO_EACH(VDSO_DENIED));
}

Test(memory_ports, reads_at_vdso_functions_work)
{
    REQUIRE_KVM();
    memh_case("read", "vdso_functions", VDSO_EACH(VDSO_READABLE));
}

Test(memory_ports, one_byte_patch_of_own_text_and_restore)
{
    REQUIRE_KVM();
    memh_case("write", "text_patch_restore",
              "plant_status=ZX_OK\nplant_actual=1\nseen=0xcc\nrestore_status=ZX_OK\nrestore_actual=1\n"
              "call_returns=0x5eed1234\n");
}

Test(memory_ports, write_of_two_pages_with_the_second_unmapped_returns_one_page)
{
    REQUIRE_KVM();
    memh_case("write", "partial_unmap_two_pages", MEMH_COPIED(4096));
}

Test(memory_ports, read_of_two_pages_with_the_second_unmapped_returns_one_page)
{
    REQUIRE_KVM();
    memh_case("read", "partial_unmap_two_pages", MEMH_COPIED(4096));
}

Test(memory_ports, write_of_two_bytes_straddling_the_gap_returns_one)
{
    REQUIRE_KVM();
    memh_case("write", "partial_unmap_straddle", MEMH_COPIED(1));
}

Test(memory_ports, read_of_two_bytes_straddling_the_gap_returns_one)
{
    REQUIRE_KVM();
    memh_case("read", "partial_unmap_straddle", MEMH_COPIED(1));
}

Test(memory_ports, write_at_the_gap_is_no_memory)
{
    REQUIRE_KVM();
    memh_case("write", "partial_unmap_gap", MEMH_FAILED(ZX_ERR_NO_MEMORY));
}

Test(memory_ports, read_at_the_gap_is_no_memory)
{
    REQUIRE_KVM();
    memh_case("read", "partial_unmap_gap", MEMH_FAILED(ZX_ERR_NO_MEMORY));
}

Test(memory_ports, write_through_a_mapping_at_a_vmo_offset_lands_at_that_offset)
{
    REQUIRE_KVM();
    memh_case("write", "mapping_offset", "map=ZX_OK\nstatus=ZX_OK\nactual=16\nat_vmo_offset=1\n");
}

Test(memory_ports, read_through_a_mapping_at_a_vmo_offset_comes_from_that_offset)
{
    REQUIRE_KVM();
    memh_case("read", "mapping_offset", "map=ZX_OK\nstatus=ZX_OK\nactual=16\nat_vmo_offset=1\n");
}

Test(memory_ports, read_only_mapping_is_writable_and_the_process_sees_it)
{
    REQUIRE_KVM();
    memh_case("write", "readonly_mapping", MEMH_COPIED(16) "first_byte=0x22\n");
}

Test(memory_ports, read_only_mapping_is_readable)
{
    REQUIRE_KVM();
    memh_case("read", "readonly_mapping", MEMH_COPIED(16) "first_byte=0x11\n");
}
