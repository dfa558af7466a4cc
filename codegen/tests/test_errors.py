"""Every kind of schema error: the generator exits 1, names the file and the
exact line of the offending key or field, says what is wrong, and leaves the
output directory untouched."""

import unittest

from .support import GenTestCase

HEADER = "10-segment-header.yaml"
PEERS = "20-peer-table.yaml"
BIPBUF = "30-bipbuf.yaml"
POOL = "40-var-slot-pool.yaml"
FRAMING = "50-framing.yaml"
SEGMENT = "60-segment.yaml"
EXTRA = "70-extra.yaml"


class SchemaErrorTest(GenTestCase):
    def edit(self, file, old, new, after=None):
        self.ws.edit_schema(file, old, new, after)

    def line(self, file, *anchors):
        return self.ws.schema_line(file, *anchors)

    def add(self, text):
        self.ws.add_schema(EXTRA, text)


class YamlErrors(SchemaErrorTest):
    def test_mapping_value_where_none_is_allowed(self):
        self.edit(HEADER, "type: u32\n", "type: u32: x\n", after="name: version")
        self.assertRejected(HEADER, self.line(HEADER, "type: u32: x"),
                            "YAML syntax error", "mapping values are not allowed")

    def test_unclosed_flow_sequence_names_where_it_opened(self):
        self.edit(HEADER, "offset: 12\n", "offset: [12\n")
        opened = self.line(HEADER, "offset: [12")
        self.assertRejected(HEADER, opened + 1, "YAML syntax error",
                            f"flow sequence at line {opened}")

    def test_bad_indentation(self):
        self.edit(HEADER, "    size: 128\n", "    size: 128\n   packed: 1\n")
        self.assertRejected(HEADER, self.line(HEADER, "   packed: 1"), "YAML syntax error")

    def test_duplicate_yaml_key(self):
        self.edit(HEADER, "        type: u32\n", "        type: u32\n        offset: 9\n",
                  after="name: version")
        first = self.line(HEADER, "name: version", "offset: 8")
        self.assertRejected(HEADER, self.line(HEADER, "offset: 9"),
                            "duplicate key 'offset'", f"first at line {first}")

    def test_file_that_is_not_utf8(self):
        with open(self.ws.schema_file(EXTRA), "wb") as f:
            f.write(b"# extra\nconstants: []\n# caf\xe9\n")
        self.assertRejected(EXTRA, 3, "not UTF-8", "0xE9")

    def test_file_that_is_not_a_mapping(self):
        self.add("# extra\n- constants\n")
        self.assertRejected(EXTRA, 2, "file: expected a mapping")


class ShapeErrors(SchemaErrorTest):
    def test_unknown_key_in_field(self):
        self.edit(HEADER, "        type: u32\n", "        type: u32\n        colour: red\n",
                  after="name: version")
        self.assertRejected(HEADER, self.line(HEADER, "colour: red"),
                            "field 'version'", "unknown key 'colour'", "known keys:")

    def test_unknown_key_in_struct(self):
        self.edit(HEADER, "    size: 128\n", "    size: 128\n    packed: true\n")
        self.assertRejected(HEADER, self.line(HEADER, "packed: true"),
                            "struct 'segment_header'", "unknown key 'packed'")

    def test_unknown_top_level_key(self):
        self.edit(HEADER, "structs:\n", "typedefs: []\n\nstructs:\n")
        self.assertRejected(HEADER, self.line(HEADER, "typedefs:"),
                            "file: unknown key 'typedefs'",
                            "constants, enums, flags, segment, structs")

    def test_unknown_key_in_rmw(self):
        self.edit(PEERS, "order: acq_rel,", "order: acq_rel, ordre: relaxed,")
        self.assertRejected(PEERS, self.line(PEERS, "ordre: relaxed"),
                            "field 'peer_entry.epoch' rmw 'bump'", "unknown key 'ordre'")

    def test_missing_required_key_in_field(self):
        self.edit(HEADER, "        writer: host-init\n", "", after="name: version")
        self.assertRejected(HEADER, self.line(HEADER, "name: version"),
                            "field 'version'", "missing key 'writer'")

    def test_missing_required_key_in_struct(self):
        self.edit(BIPBUF, "    align: 64\n", "")
        self.assertRejected(BIPBUF, self.line(BIPBUF, "- name: bipbuf_header"),
                            "struct 'bipbuf_header'", "missing key 'align'")

    def test_offset_given_as_a_word(self):
        self.edit(HEADER, "offset: 8\n", 'offset: "eight"\n')
        self.assertRejected(HEADER, self.line(HEADER, 'offset: "eight"'),
                            "field 'version'", "'offset' must be an integer",
                            "not the string 'eight'")

    def test_reserved_given_as_a_number(self):
        self.edit(HEADER, "reserved: true", "reserved: 3")
        self.assertRejected(HEADER, self.line(HEADER, "reserved: 3"),
                            "field 'reserved'", "'reserved' must be true or false",
                            "not the integer 3")

    def test_fields_given_as_a_number(self):
        self.edit(FRAMING, "    fields:\n", "    fields: 3\n    old_fields:\n",
                  after="name: mmap_ref")
        self.assertRejected(FRAMING, self.line(FRAMING, "fields: 3"),
                            "struct 'mmap_ref'", "'fields' must be a list", errors=2)

    def test_unknown_scalar_type(self):
        self.edit(HEADER, "type: u32", "type: u24", after="name: version")
        self.assertRejected(HEADER, self.line(HEADER, "type: u24"),
                            "field 'segment_header.version'", "unknown type 'u24'")

    def test_zero_length_array_type(self):
        self.edit(HEADER, "type: u8[48]", "type: u8[0]")
        self.assertRejected(HEADER, self.line(HEADER, "type: u8[0]"),
                            "field 'segment_header.reserved'", "unknown type 'u8[0]'")

    def test_constant_with_value_and_expr(self):
        self.edit(HEADER, "    value: 255\n", "    value: 255\n    expr: 3 * 85\n")
        self.assertRejected(HEADER, self.line(HEADER, "- name: MAX_GUESTS"),
                            "constant 'MAX_GUESTS'", "exactly one of 'value' and 'expr'")


class DuplicateErrors(SchemaErrorTest):
    def test_duplicate_field_name(self):
        self.edit(HEADER, "name: header_size", "name: version")
        first = self.line(HEADER, "name: version")
        self.assertRejected(HEADER, self.line(HEADER, "name: version", "name: version"),
                            "duplicate struct 'segment_header' field 'version'",
                            f"first at schema/{HEADER}:{first}")

    def test_duplicate_struct_across_files(self):
        self.add("""# extra
structs:
  - name: slot_ref
    doc: Another slot_ref.
    size: 4
    align: 4
    fields:
      - {name: slot_idx, offset: 0, type: u32, writer: producer, doc: Index.}
""")
        first = self.line(FRAMING, "- name: slot_ref")
        self.assertRejected(EXTRA, 3, "duplicate struct 'slot_ref'",
                            f"first at schema/{FRAMING}:{first}")

    def test_duplicate_constant_across_files(self):
        self.add("# extra\nconstants:\n  - {name: MAGIC, type: u32, value: 1, doc: x}\n")
        self.assertRejected(EXTRA, 3, "duplicate constant 'MAGIC'",
                            f"first at schema/{HEADER}:{self.line(HEADER, '- name: MAGIC')}")

    def test_duplicate_rmw_name(self):
        self.edit(PEERS, "{name: claim,", "{name: attach,")
        self.assertRejected(PEERS, self.line(PEERS, "{name: attach,", "{name: attach,"),
                            "duplicate field 'peer_entry.state' rmw 'attach'")


class LayoutErrors(SchemaErrorTest):
    def test_overlapping_fields(self):
        self.edit(HEADER, "type: u32", "type: u64", after="name: version")
        self.assertRejected(HEADER, self.line(HEADER, "name: header_size", "offset: 12"),
                            "field 'segment_header.header_size'",
                            "bytes 12..15 overlap 'version' (bytes 8..15)")

    def test_overlap_names_the_field_it_overlaps(self):
        # c overlaps a (0..7), not b, the field listed just before it.
        self.add("""# extra
structs:
  - name: odd
    doc: x
    size: 8
    align: 8
    fields:
      - {name: a, offset: 0, type: u64, writer: host, doc: x}
      - {name: b, offset: 4, type: u8, writer: host, doc: x}
      - {name: c, offset: 5, type: u8, writer: host, doc: x}
""")
        err = self.assertRejected(EXTRA, 10, "field 'odd.c'",
                                  "bytes 5..5 overlap 'a' (bytes 0..7)", errors=2)
        self.assertIn(f"schema/{EXTRA}:9: field 'odd.b': bytes 4..4 overlap 'a'", err)

    def test_gap_not_declared_reserved(self):
        self.edit(HEADER, "offset: 12\n        type: u32", "offset: 12\n        type: u16")
        self.assertRejected(HEADER, self.line(HEADER, "name: total_size", "offset: 16"),
                            "field 'segment_header.total_size'",
                            "gap of 2 bytes at offset 14",
                            "declare the gap as a reserved field")

    def test_fields_out_of_offset_order(self):
        self.edit(HEADER, "offset: 12", "offset: 4")
        self.assertRejected(HEADER, self.line(HEADER, "offset: 4"),
                            "field 'segment_header.header_size'",
                            "offset 4 comes after 'version' at 8")

    def test_field_not_naturally_aligned(self):
        self.add("""# extra
structs:
  - name: odd
    doc: x
    size: 4
    align: 2
    fields:
      - {name: a, offset: 0, type: u8, writer: host, doc: x}
      - {name: b, offset: 1, type: u16, writer: host, doc: x}
      - {name: c, offset: 3, type: u8, writer: host, doc: x}
""")
        self.assertRejected(EXTRA, 9, "field 'odd.b'",
                            "offset 1 is not a multiple of 2", "natural alignment of u16")

    def test_negative_offset(self):
        self.add("""# extra
structs:
  - name: odd
    doc: x
    size: 4
    align: 4
    fields:
      - {name: a, offset: -4, type: u32, writer: host, doc: x}
      - {name: b, offset: 0, type: u32, writer: host, doc: x}
""")
        self.assertRejected(EXTRA, 8, "field 'odd.a'", "offset -4 is negative")

    def test_fields_short_of_struct_size(self):
        self.edit(HEADER, "size: 128", "size: 136")
        self.assertRejected(HEADER, self.line(HEADER, "size: 136"),
                            "struct 'segment_header'",
                            "fields add up to 128 bytes but size is 136")

    def test_fields_past_struct_size(self):
        self.edit(HEADER, "size: 128", "size: 120")
        self.assertRejected(HEADER, self.line(HEADER, "name: reserved", "offset: 80"),
                            "field 'segment_header.reserved'",
                            "ends at 128, past the struct size 120")

    def test_align_not_a_power_of_two(self):
        self.edit(BIPBUF, "align: 64", "align: 12")
        self.assertRejected(BIPBUF, self.line(BIPBUF, "align: 12"),
                            "struct 'bipbuf_header'", "align 12 is not a power of two")

    def test_align_below_natural_alignment(self):
        self.edit(BIPBUF, "align: 64", "align: 2")
        self.assertRejected(BIPBUF, self.line(BIPBUF, "align: 2"),
                            "struct 'bipbuf_header'",
                            "align 2 is below the alignment of its widest field (4)")

    def test_size_not_a_multiple_of_align(self):
        self.add("""# extra
structs:
  - name: odd
    doc: x
    size: 6
    align: 4
    fields:
      - {name: a, offset: 0, type: u32, writer: host, doc: x}
      - {name: b, offset: 4, type: u16, writer: host, doc: x}
""")
        self.assertRejected(EXTRA, 5, "struct 'odd'", "size 6 is not a multiple of align 4")

    def test_line_start_off_a_cache_line(self):
        self.edit(BIPBUF, "        writer: host-init\n",
                  "        line_start: true\n        writer: host-init\n",
                  after="name: capacity")
        self.assertRejected(BIPBUF, self.line(BIPBUF, "name: capacity", "line_start: true"),
                            "field 'bipbuf_header.capacity'",
                            "must start a new 64-byte cache line", "offset 8")

    def test_struct_without_fields(self):
        self.add("# extra\nstructs:\n  - {name: odd, doc: x, size: 4, align: 4, fields: []}\n")
        self.assertRejected(EXTRA, 3, "struct 'odd': has no fields")


class AtomicErrors(SchemaErrorTest):
    def test_atomic_u16(self):
        self.edit(BIPBUF, "type: u32", "type: u16", after="name: watermark")
        err = self.assertRejected(BIPBUF, self.line(BIPBUF, "name: watermark", "atomic:"),
                                  "field 'bipbuf_header.watermark'",
                                  "atomic fields must be 4 or 8 bytes", "not u16", errors=2)
        # The two bytes the narrower field leaves are a gap of their own.
        self.assertIn("gap of 2 bytes at offset 6", err)

    def test_atomic_byte_array(self):
        self.edit(HEADER, "type: u64", "type: u8[8]", after="name: current_size")
        self.assertRejected(HEADER, self.line(HEADER, "name: current_size", "atomic:"),
                            "field 'segment_header.current_size'",
                            "atomic fields must be 4 or 8 bytes", "not u8[8]")

    def test_load_with_release_ordering(self):
        self.edit(HEADER, "load: acquire", "load: release", after="name: host_goodbye")
        self.assertRejected(HEADER, self.line(HEADER, "load: release"),
                            "field 'segment_header.host_goodbye'",
                            "load ordering 'release' must be one of acquire, relaxed, seq_cst")

    def test_store_with_acquire_ordering(self):
        self.edit(HEADER, "store: release", "store: acquire", after="name: host_goodbye")
        self.assertRejected(HEADER, self.line(HEADER, "store: acquire"),
                            "field 'segment_header.host_goodbye'",
                            "store ordering 'acquire' must be one of relaxed, release, seq_cst")

    def test_cas_failure_stronger_than_success(self):
        self.edit(PEERS, "success: acq_rel, failure: acquire",
                  "success: relaxed, failure: acquire", after="name: claim")
        self.assertRejected(PEERS, self.line(PEERS, "name: claim"),
                            "field 'peer_entry.state' rmw 'claim'",
                            "failure ordering 'acquire' is stronger than success "
                            "ordering 'relaxed'")

    def test_cas_failure_ordering_release(self):
        self.edit(PEERS, "failure: acquire", "failure: release", after="name: claim")
        self.assertRejected(PEERS, self.line(PEERS, "name: claim"),
                            "rmw 'claim'", "failure ordering 'release' must be one of")

    def test_block_style_rmw_reports_the_key_line(self):
        self.edit(POOL, "- {name: swap, op: cas, success: acq_rel, failure: acquire,\n"
                        "               doc: Replace the free-list head when it still "
                        "holds the expected value.}\n",
                  "- name: swap\n"
                  "              op: cas\n"
                  "              success: acq_rel\n"
                  "              failure: consume\n"
                  "              doc: Replace the free-list head.\n")
        self.assertRejected(POOL, self.line(POOL, "failure: consume"),
                            "field 'size_class_header.free_head' rmw 'swap'",
                            "failure ordering 'consume'")

    def test_fetch_op_without_order(self):
        self.edit(PEERS, "op: fetch_add, order: acq_rel,", "op: fetch_add,")
        self.assertRejected(PEERS, self.line(PEERS, "{name: bump"),
                            "field 'peer_entry.epoch' rmw 'bump'", "needs 'order'")

    def test_unknown_rmw_op(self):
        self.edit(PEERS, "op: fetch_add", "op: fetch_mul")
        self.assertRejected(PEERS, self.line(PEERS, "op: fetch_mul"),
                            "rmw 'bump'", "unknown op 'fetch_mul'")

    def test_cas_from_not_an_enum_value(self):
        self.edit(PEERS, "from: RESERVED", "from: LEFT", after="name: claim")
        self.assertRejected(PEERS, self.line(PEERS, "from: LEFT"),
                            "field 'peer_entry.state' rmw 'claim'",
                            "from 'LEFT' is not a value of enum 'peer_state'")

    def test_cas_to_not_an_enum_value(self):
        self.edit(PEERS, "to: EMPTY", "to: GONE", after="name: release")
        self.assertRejected(PEERS, self.line(PEERS, "to: GONE"),
                            "field 'peer_entry.state' rmw 'release'",
                            "to 'GONE' is not a value of enum 'peer_state'")

    def test_cas_from_on_a_field_without_enum(self):
        self.edit(POOL, "{name: swap, op: cas,", "{name: swap, op: cas, from: FREE, to: ALLOCATED,")
        self.assertRejected(POOL, self.line(POOL, "from: FREE"),
                            "rmw 'swap'", "need the field to have an enum")


class EnumAndFlagErrors(SchemaErrorTest):
    def test_unknown_enum_referenced(self):
        self.edit(PEERS, "enum: peer_state", "enum: peer_status")
        # Only this error: the cas entries that move between its values say nothing.
        self.assertRejected(PEERS, self.line(PEERS, "enum: peer_status"),
                            "field 'peer_entry.state'", "unknown enum 'peer_status'")

    def test_unknown_flags_referenced(self):
        self.edit(FRAMING, "flags: frame_flags", "flags: frame_flag")
        self.assertRejected(FRAMING, self.line(FRAMING, "flags: frame_flag\n"),
                            "field 'frame_header.flags'", "unknown flags 'frame_flag'")

    def test_enum_type_differs_from_field_type(self):
        self.edit(PEERS, "type: u32\n    doc: Lifecycle", "type: u16\n    doc: Lifecycle")
        self.assertRejected(PEERS, self.line(PEERS, "enum: peer_state"),
                            "field 'peer_entry.state'",
                            "type u32 differs from enum 'peer_state' type u16")

    def test_enum_value_out_of_range(self):
        self.edit(PEERS, "value: 3", "value: 4294967296")
        self.assertRejected(PEERS, self.line(PEERS, "name: RESERVED"),
                            "enum 'peer_state'", "RESERVED=4294967296 does not fit in u32")

    def test_enum_value_negative(self):
        self.edit(POOL, "value: 1", "value: -1")
        self.assertRejected(POOL, self.line(POOL, "name: ALLOCATED"),
                            "enum 'slot_state'", "ALLOCATED=-1 does not fit in u32")

    def test_enum_value_duplicate(self):
        self.edit(PEERS, "value: 2", "value: 1")
        first = self.line(PEERS, "name: ATTACHED")
        self.assertRejected(PEERS, self.line(PEERS, "name: GOODBYE"),
                            "duplicate enum 'peer_state' value '1'",
                            f"first at schema/{PEERS}:{first}")

    def test_enum_value_name_duplicate(self):
        self.edit(PEERS, "name: GOODBYE", "name: ATTACHED")
        self.assertRejected(PEERS, self.line(PEERS, "name: ATTACHED", "name: ATTACHED"),
                            "duplicate enum 'peer_state' value name 'ATTACHED'")

    def test_enum_wider_than_32_bits(self):
        self.edit(POOL, "type: u32\n    doc: State", "type: u64\n    doc: State")
        err = self.assertRejected(POOL, self.line(POOL, "name: slot_state", "type: u64"),
                            "enum 'slot_state'", "must be u8, u16 or u32", "not u64",
                            errors=2)
        self.assertIn("field 'var_slot_meta.state': type u32 differs from enum "
                      "'slot_state' type u64", err)

    def test_enum_without_values(self):
        self.add("# extra\nenums:\n  - name: odd\n    type: u8\n    doc: x\n    values: []\n")
        self.assertRejected(EXTRA, 6, "enum 'odd': has no values")

    def test_flag_bit_out_of_range(self):
        self.edit(FRAMING, "bit: 1", "bit: 8")
        self.assertRejected(FRAMING, self.line(FRAMING, "name: MMAP_REF"),
                            "flags 'frame_flags'", "MMAP_REF=8 does not fit in u8")

    def test_flag_bit_duplicate(self):
        self.edit(FRAMING, "bit: 1", "bit: 0")
        self.assertRejected(FRAMING, self.line(FRAMING, "name: MMAP_REF"),
                            "duplicate flags 'frame_flags' bit '0'")

    def test_exclusive_names_unknown_bit(self):
        self.edit(FRAMING, "[SLOT_REF, MMAP_REF]", "[SLOT_REF, MMAP]")
        self.assertRejected(FRAMING, self.line(FRAMING, "[SLOT_REF, MMAP]"),
                            "flags 'frame_flags'", "exclusive names unknown bit 'MMAP'")

    def test_exclusive_with_a_single_bit(self):
        self.edit(FRAMING, "[SLOT_REF, MMAP_REF]", "[SLOT_REF]")
        self.assertRejected(FRAMING, self.line(FRAMING, "[SLOT_REF]"),
                            "each 'exclusive' entry must be a list of two or more")

    def test_flags_wider_than_32_bits(self):
        self.add("# extra\nflags:\n  - name: wide_flags\n    type: u64\n    doc: x\n"
                 "    bits:\n      - {name: HIGH, bit: 40, doc: x}\n")
        self.assertRejected(EXTRA, 4, "flags 'wide_flags'", "must be u8, u16 or u32",
                            "not u64")

    def test_flags_without_bits(self):
        self.add("# extra\nflags:\n  - name: odd_flags\n    type: u8\n    doc: x\n"
                 "    bits: []\n")
        self.assertRejected(EXTRA, 6, "flags 'odd_flags': has no bits")


class ConstantErrors(SchemaErrorTest):
    def test_expr_with_unknown_constant(self):
        self.edit(FRAMING, "expr: FRAME_HEADER_SIZE + size(slot_ref)",
                  "expr: FRAME_HEADER_SZ + size(slot_ref)")
        self.assertRejected(FRAMING, self.line(FRAMING, "expr: FRAME_HEADER_SZ"),
                            "constant 'SLOT_REF_ENTRY_SIZE'",
                            "unknown constant 'FRAME_HEADER_SZ'")

    def test_expr_with_unknown_struct(self):
        self.edit(FRAMING, "size(mmap_ref)", "size(mmap_reference)")
        self.assertRejected(FRAMING, self.line(FRAMING, "size(mmap_reference)"),
                            "constant 'MMAP_REF_ENTRY_SIZE'",
                            "unknown struct 'mmap_reference'")

    def test_fault_is_reported_where_it_is_not_where_it_is_used(self):
        # AAA uses BBB before BBB is evaluated; only BBB's expr is wrong.
        self.add("""# extra
constants:
  - {name: AAA, type: u32, expr: BBB + 1, doc: x}
  - {name: BBB, type: u32, expr: NOPE * 2, doc: x}
""")
        self.assertRejected(EXTRA, 4, "constant 'BBB'", "expr 'NOPE * 2'",
                            "unknown constant 'NOPE'")

    def test_expr_cycle(self):
        self.edit(FRAMING, "expr: size(frame_header)", "expr: SLOT_REF_ENTRY_SIZE - 12")
        self.assertRejected(FRAMING, self.line(FRAMING, "expr: SLOT_REF_ENTRY_SIZE - 12"),
                            "constant 'FRAME_HEADER_SIZE'",
                            "cycle: FRAME_HEADER_SIZE -> SLOT_REF_ENTRY_SIZE -> "
                            "FRAME_HEADER_SIZE")

    def test_expr_cycle_of_three_is_reported_once(self):
        self.add("""# extra
constants:
  - {name: AAA, type: u32, expr: BBB + 1, doc: x}
  - {name: BBB, type: u32, expr: CCC + 1, doc: x}
  - {name: CCC, type: u32, expr: AAA + 1, doc: x}
""")
        self.assertRejected(EXTRA, 3, "constant 'AAA'",
                            "cycle: AAA -> BBB -> CCC -> AAA")

    def test_expr_with_a_forbidden_operator(self):
        self.edit(FRAMING, "expr: size(frame_header)", "expr: size(frame_header) ** 2")
        self.assertRejected(FRAMING, self.line(FRAMING, "** 2"),
                            "constant 'FRAME_HEADER_SIZE'", "only integers, constant names")

    def test_expr_dividing_by_zero(self):
        self.edit(FRAMING, "expr: size(frame_header)", "expr: size(frame_header) // 0")
        self.assertRejected(FRAMING, self.line(FRAMING, "// 0"),
                            "constant 'FRAME_HEADER_SIZE'", "division by zero")

    def test_expr_using_a_byte_string(self):
        self.edit(FRAMING, "expr: size(frame_header)", "expr: MAGIC + 1")
        self.assertRejected(FRAMING, self.line(FRAMING, "expr: MAGIC + 1"),
                            "constant 'FRAME_HEADER_SIZE'", "constant 'MAGIC' is not an integer")

    def test_value_too_large_for_type(self):
        self.edit(HEADER, "value: 255", "value: 4294967296")
        self.assertRejected(HEADER, self.line(HEADER, "value: 4294967296"),
                            "constant 'MAX_GUESTS'", "value 4294967296 does not fit in u32")

    def test_negative_value(self):
        self.edit(HEADER, "value: 255", "value: -1")
        self.assertRejected(HEADER, self.line(HEADER, "value: -1"),
                            "constant 'MAX_GUESTS'", "value -1 does not fit in u32")

    def test_derived_value_that_does_not_fit(self):
        self.edit(FRAMING, "expr: size(frame_header)", "expr: size(frame_header) - 9")
        self.assertRejected(FRAMING, self.line(FRAMING, "- 9"),
                            "constant 'FRAME_HEADER_SIZE'", "value -1 does not fit in u32")

    def test_magic_one_byte_long(self):
        self.edit(HEADER, r'value: "ROAMHUB\x07"', r'value: "ROAMHUB\x07\x00"')
        self.assertRejected(HEADER, self.line(HEADER, r'value: "ROAMHUB'),
                            "constant 'MAGIC'", "value has 9 bytes, type u8[8] needs 8")

    def test_magic_one_byte_short(self):
        self.edit(HEADER, r'value: "ROAMHUB\x07"', r'value: "ROAMHUB"')
        self.assertRejected(HEADER, self.line(HEADER, r'value: "ROAMHUB'),
                            "constant 'MAGIC'", "value has 7 bytes, type u8[8] needs 8")

    def test_magic_with_a_character_that_is_not_a_byte(self):
        self.edit(HEADER, r'value: "ROAMHUB\x07"', 'value: "ROAMHUB\u20ac"')
        self.assertRejected(HEADER, self.line(HEADER, 'value: "ROAMHUB'),
                            "constant 'MAGIC'", "character '\u20ac'", "not a byte")

    def test_integer_value_for_an_array_constant(self):
        self.edit(HEADER, r'value: "ROAMHUB\x07"', "value: 7")
        self.assertRejected(HEADER, self.line(HEADER, "type: u8[8]"),
                            "constant 'MAGIC'", "must be u8[N] with a string value")

    def test_default_naming_unknown_constant(self):
        self.edit(HEADER, "default: DEFAULT_INLINE_THRESHOLD", "default: DEFAULT_INLINE")
        self.assertRejected(HEADER, self.line(HEADER, "default: DEFAULT_INLINE"),
                            "field 'segment_header.inline_threshold'",
                            "default names unknown constant 'DEFAULT_INLINE'")

    def test_default_of_zero(self):
        self.edit(HEADER, "default: DEFAULT_INLINE_THRESHOLD", "default: 0")
        self.assertRejected(HEADER, self.line(HEADER, "default: 0"),
                            "field 'segment_header.inline_threshold'",
                            "default 0 must be non-zero")

    def test_default_on_an_atomic_field(self):
        self.edit(HEADER, "        writer: host\n", "        default: 1\n        writer: host\n",
                  after="name: host_goodbye")
        self.assertRejected(HEADER, self.line(HEADER, "default: 1"),
                            "field 'segment_header.host_goodbye'",
                            "'default' needs a plain scalar field")


class NameErrors(SchemaErrorTest):
    def test_constant_colliding_with_enum_value_macro(self):
        # ROAM_PEER_STATE_EMPTY: reported at the new definition, naming the old one.
        self.add("# extra\nconstants:\n"
                 "  - {name: PEER_STATE_EMPTY, type: u32, value: 9, doc: x}\n")
        first = self.line(PEERS, "name: EMPTY")
        self.assertRejected(EXTRA, 3, "constant 'PEER_STATE_EMPTY'",
                            "generated C name 'ROAM_PEER_STATE_EMPTY'",
                            f"enum value 'peer_state.EMPTY' (schema/{PEERS}:{first})")

    def test_field_accessor_colliding_with_struct_function(self):
        self.edit(HEADER, "name: bipbuf_capacity", "name: fields")
        self.assertRejected(HEADER, self.line(HEADER, "name: fields"),
                            "field 'segment_header.fields'",
                            "generated C name 'roam_segment_header_fields'",
                            "struct 'segment_header'")

    def test_field_setter_colliding_with_another_field(self):
        self.add("""# extra
structs:
  - name: odd
    doc: x
    size: 8
    align: 4
    fields:
      - {name: x, offset: 0, type: u32, writer: host, doc: x}
      - {name: set_x, offset: 4, type: u32, writer: host, doc: x}
""")
        self.assertRejected(EXTRA, 9, "field 'odd.set_x'",
                            "generated C name 'roam_odd_set_x'", "field 'odd.x'")

    def test_field_name_not_lower_snake_case(self):
        self.edit(HEADER, "name: max_guests", "name: maxGuests")
        self.assertRejected(HEADER, self.line(HEADER, "name: maxGuests"),
                            "name 'maxGuests' must be lower_snake_case")

    def test_field_named_after_a_c_keyword(self):
        self.edit(HEADER, "name: version", "name: volatile")
        self.assertRejected(HEADER, self.line(HEADER, "name: volatile"),
                            "field 'segment_header.volatile'", "not a C keyword")

    def test_bad_rule_id(self):
        self.edit(BIPBUF, "        writer: host-init\n",
                  "        writer: host-init\n        rules: [Shm Capacity]\n",
                  after="name: capacity")
        self.assertRejected(BIPBUF, self.line(BIPBUF, "rules: [Shm Capacity]"),
                            "rule id 'Shm Capacity' is not of the form a.b.c")

    def test_region_of_unknown_struct(self):
        self.edit(SEGMENT, "struct: peer_entry", "struct: peer")
        self.assertRejected(SEGMENT, self.line(SEGMENT, "- name: peer table"),
                            "segment region 'peer table'", "unknown struct 'peer'")

    def test_segment_declared_twice(self):
        self.add("# extra\nsegment:\n  doc: x\n  regions:\n"
                 "    - {name: a, struct: slot_ref, at: '0', offset: '0', size: '12'}\n"
                 "  total_size: x\n")
        self.assertRejected(EXTRA, 2, "segment: declared twice",
                            f"first in schema/{SEGMENT}")

    def test_segment_without_regions(self):
        self.ws.write("schema/" + SEGMENT, "# the segment\nsegment:\n  doc: x\n"
                      "  regions: []\n  total_size: x\n")
        self.assertRejected(SEGMENT, 2, "segment: has no regions")


class WriterErrors(SchemaErrorTest):
    def test_reserved_field_with_a_writer(self):
        self.edit(HEADER, "writer: none", "writer: host", after="name: reserved")
        self.assertRejected(HEADER, self.line(HEADER, "name: reserved", "writer: host"),
                            "field 'segment_header.reserved'",
                            "a reserved field's writer must be 'none'")

    def test_reserved_field_with_atomic(self):
        self.edit(FRAMING, "        reserved: true\n",
                  "        reserved: true\n        atomic: {load: relaxed, store: relaxed}\n",
                  after="name: mmap_ref")
        self.assertRejected(FRAMING, self.line(FRAMING, "atomic: {load: relaxed"),
                            "field 'mmap_ref.reserved'",
                            "a reserved field cannot have 'atomic'")

    def test_unknown_writer(self):
        self.edit(HEADER, "writer: host", "writer: hots", after="name: host_goodbye")
        self.assertRejected(HEADER, self.line(HEADER, "writer: hots"),
                            "field 'segment_header.host_goodbye'", "unknown writer 'hots'",
                            "host-init, host, guest, any, producer, consumer, none")

    def test_writer_none_on_a_used_field(self):
        self.edit(HEADER, "writer: host", "writer: none", after="name: host_goodbye")
        self.assertRejected(HEADER, self.line(HEADER, "name: host_goodbye", "writer: none"),
                            "field 'segment_header.host_goodbye'",
                            "writer 'none' is only for reserved fields")


class SeveralErrors(SchemaErrorTest):
    def test_every_error_of_every_file_in_one_run_sorted(self):
        self.edit(SEGMENT, "struct: peer_entry", "struct: peer")
        self.edit(HEADER, "writer: host", "writer: hots", after="name: host_goodbye")
        self.edit(HEADER, "align: 8", "align: 3")
        err = self.assertRejected(HEADER, self.line(HEADER, "writer: hots"),
                                  "unknown writer 'hots'", errors=3)
        want = [f"schema/{HEADER}:{self.line(HEADER, 'align: 3')}: ",
                f"schema/{HEADER}:{self.line(HEADER, 'writer: hots')}: ",
                f"schema/{SEGMENT}:{self.line(SEGMENT, '- name: peer table')}: "]
        got = err.splitlines()
        for line, prefix in zip(got, want):
            self.assertTrue(line.startswith(prefix), f"{line!r} does not start with {prefix!r}")

    def test_errors_in_two_files_stop_before_any_output(self):
        # Shape errors in one file, a syntax error in another: both reported.
        self.edit(HEADER, "offset: 8\n", 'offset: "eight"\n')
        self.edit(BIPBUF, "type: u32\n", "type: u32: x\n", after="name: capacity")
        err = self.assertRejected(BIPBUF, self.line(BIPBUF, "type: u32: x"),
                                  "YAML syntax error", errors=None)
        self.assertIn(f"schema/{HEADER}:", err)


if __name__ == "__main__":
    unittest.main()
