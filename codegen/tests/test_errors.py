"""Every kind of schema error: the generator exits 1, names the file and the
exact line of the offending key or field, says what is wrong, and leaves the
output directory untouched. Each test breaks the tests' own fixture schema
(fixtures/schema/) in one way."""

import unittest

from .support import LAYOUT_FIXTURE, GenTestCase

HEADER = "10-header.yaml"
USERS = "20-users.yaml"
RING = "30-ring.yaml"
POOL = "40-pool.yaml"
MSGS = "50-messages.yaml"
EXTRA = "70-extra.yaml"
LAYOUT = "30-layout.yaml"       # of fixtures/layout/


class SchemaErrorTest(GenTestCase):
    def edit(self, file, old, new, after=None):
        self.ws.edit_schema(file, old, new, after)

    def line(self, file, *anchors):
        return self.ws.schema_line(file, *anchors)

    def add(self, text):
        self.ws.add_schema(EXTRA, text)


class YamlErrors(SchemaErrorTest):
    def test_mapping_value_where_none_is_allowed(self):
        self.edit(HEADER, "type: u32\n", "type: u32: x\n", after="name: revision")
        self.assertRejected(HEADER, self.line(HEADER, "type: u32: x"),
                            "YAML syntax error", "mapping values are not allowed")

    def test_unclosed_flow_sequence_names_where_it_opened(self):
        self.edit(HEADER, "offset: 20\n", "offset: [20\n")
        opened = self.line(HEADER, "offset: [20")
        self.assertRejected(HEADER, opened + 1, "YAML syntax error",
                            f"flow sequence at line {opened}")

    def test_bad_indentation(self):
        self.edit(HEADER, "    size: 64\n", "    size: 64\n   packed: 1\n")
        self.assertRejected(HEADER, self.line(HEADER, "   packed: 1"), "YAML syntax error")

    def test_duplicate_yaml_key(self):
        self.edit(HEADER, "        type: u32\n", "        type: u32\n        offset: 9\n",
                  after="name: revision")
        first = self.line(HEADER, "name: revision", "offset: 4")
        self.assertRejected(HEADER, self.line(HEADER, "offset: 9"),
                            "duplicate key 'offset'", f"first at line {first}")

    def test_file_that_is_not_utf8(self):
        with open(self.ws.schema_file(EXTRA), "wb") as f:
            f.write(b"# extra\nconstants: []\n# caf\xe9\n")
        self.assertRejected(EXTRA, 3, "not UTF-8", "0xE9")

    def test_file_that_is_not_a_mapping(self):
        self.add("# extra\n- constants\n")
        self.assertRejected(EXTRA, 2, "file: must be a mapping, not a list")


class ShapeErrors(SchemaErrorTest):
    def test_unknown_key_in_field(self):
        self.edit(HEADER, "        type: u32\n", "        type: u32\n        colour: red\n",
                  after="name: revision")
        self.assertRejected(HEADER, self.line(HEADER, "colour: red"),
                            "struct 'demo_header' field 'revision'",
                            "unknown key 'colour'", "known keys:")

    def test_unknown_key_in_struct(self):
        self.edit(HEADER, "    size: 64\n", "    size: 64\n    packed: true\n")
        self.assertRejected(HEADER, self.line(HEADER, "packed: true"),
                            "struct 'demo_header': unknown key 'packed'")

    def test_unknown_top_level_key(self):
        self.edit(HEADER, "structs:\n", "typedefs: []\n\nstructs:\n")
        self.assertRejected(HEADER, self.line(HEADER, "typedefs:"),
                            "file: unknown key 'typedefs'",
                            "constants, enums, errors, flags, layout, structs")

    def test_unknown_key_in_rmw(self):
        self.edit(USERS, "order: acq_rel,", "order: acq_rel, ordre: relaxed,")
        self.assertRejected(USERS, self.line(USERS, "ordre: relaxed"),
                            "field 'epoch' atomic rmw 'bump'", "unknown key 'ordre'")

    def test_missing_required_key_in_field(self):
        self.edit(HEADER, "        writer: host-init\n", "", after="name: revision")
        self.assertRejected(HEADER, self.line(HEADER, "name: revision"),
                            "field 'revision'", "missing key 'writer'")

    def test_missing_required_key_in_struct(self):
        self.edit(RING, "    align: 64\n", "")
        self.assertRejected(RING, self.line(RING, "- name: ring_header"),
                            "struct 'ring_header'", "missing key 'align'")

    def test_offset_given_as_a_word(self):
        self.edit(HEADER, "offset: 4\n", 'offset: "four"\n')
        self.assertRejected(HEADER, self.line(HEADER, 'offset: "four"'),
                            "field 'revision'", "'offset' must be an integer",
                            "not the string 'four'")

    def test_offset_given_as_a_float(self):
        self.edit(HEADER, "offset: 4\n", "offset: 4.0\n")
        self.assertRejected(HEADER, self.line(HEADER, "offset: 4.0"),
                            "field 'revision'", "'offset' must be an integer",
                            "not the number 4.0")

    def test_reserved_given_as_a_number(self):
        self.edit(HEADER, "reserved: true", "reserved: 3")
        self.assertRejected(HEADER, self.line(HEADER, "reserved: 3"),
                            "field 'pad'", "'reserved' must be true or false",
                            "not the integer 3")

    def test_fields_given_as_a_number(self):
        self.edit(MSGS, "    fields:\n", "    fields: 3\n    old_fields:\n",
                  after="name: file_ref")
        self.assertRejected(MSGS, self.line(MSGS, "fields: 3"),
                            "struct 'file_ref'", "'fields' must be a list", errors=2)

    def test_unknown_scalar_type(self):
        self.edit(HEADER, "type: u32", "type: u24", after="name: revision")
        self.assertRejected(HEADER, self.line(HEADER, "type: u24"),
                            "field 'revision'", "'type' must be a field type",
                            "not the string 'u24'")

    def test_zero_length_array_type(self):
        self.edit(HEADER, "type: u8[24]", "type: u8[0]")
        self.assertRejected(HEADER, self.line(HEADER, "type: u8[0]"),
                            "field 'pad'", "'type' must be a field type",
                            "not the string 'u8[0]'")

    def test_constant_with_value_and_expr(self):
        self.edit(HEADER, "    value: 100\n", "    value: 100\n    expr: 4 * 25\n")
        self.assertRejected(HEADER, self.line(HEADER, "- name: MAX_USERS"),
                            "constant 'MAX_USERS'", "exactly one of 'value' and 'expr'")


class DuplicateErrors(SchemaErrorTest):
    def test_duplicate_field_name(self):
        self.edit(HEADER, "name: length", "name: revision")
        first = self.line(HEADER, "name: revision")
        self.assertRejected(HEADER, self.line(HEADER, "name: revision", "name: revision"),
                            "duplicate struct 'demo_header' field 'revision'",
                            f"first at schema/{HEADER}:{first}")

    def test_duplicate_struct_across_files(self):
        self.add("""# extra
structs:
  - name: block_ref
    doc: Another block_ref.
    size: 4
    align: 4
    fields:
      - {name: block, offset: 0, type: u32, writer: producer, doc: Index.}
""")
        first = self.line(MSGS, "- name: block_ref")
        self.assertRejected(EXTRA, 3, "duplicate struct 'block_ref'",
                            f"first at schema/{MSGS}:{first}")

    def test_duplicate_constant_across_files(self):
        self.add("# extra\nconstants:\n  - {name: REVISION, type: u32, value: 1, doc: x}\n")
        self.assertRejected(EXTRA, 3, "duplicate constant 'REVISION'",
                            f"first at schema/{HEADER}:{self.line(HEADER, '- name: REVISION')}")

    def test_duplicate_rmw_name(self):
        self.edit(USERS, "{name: hold,", "{name: join,")
        self.assertRejected(USERS, self.line(USERS, "{name: join,", "{name: join,"),
                            "duplicate field 'user_slot.state' rmw 'join'")


class StructLayoutErrors(SchemaErrorTest):
    def test_overlapping_fields(self):
        self.edit(HEADER, "type: u32", "type: u64", after="name: batch")
        self.assertRejected(HEADER, self.line(HEADER, "name: users", "offset: 20"),
                            "field 'demo_header.users'",
                            "bytes 20..23 overlap 'batch' (bytes 16..23)")

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
        self.edit(HEADER, "offset: 20\n        type: u32", "offset: 20\n        type: u16")
        self.assertRejected(HEADER, self.line(HEADER, "name: closed", "offset: 24"),
                            "field 'demo_header.closed'",
                            "gap of 2 bytes at offset 22",
                            "declare the gap as a reserved field")

    def test_fields_out_of_offset_order(self):
        self.edit(HEADER, "offset: 20", "offset: 4")
        self.assertRejected(HEADER, self.line(HEADER, "name: users", "offset: 4"),
                            "field 'demo_header.users'",
                            "offset 4 comes after 'batch' at 16")

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
        self.assertRejected(EXTRA, 8, "struct 'odd' field 'a'",
                            "'offset' must be at least 0, not -4")

    def test_fields_short_of_struct_size(self):
        self.edit(HEADER, "size: 64", "size: 72")
        self.assertRejected(HEADER, self.line(HEADER, "size: 72"),
                            "struct 'demo_header'",
                            "fields add up to 64 bytes but size is 72")

    def test_fields_past_struct_size(self):
        self.edit(HEADER, "size: 64", "size: 56")
        self.assertRejected(HEADER, self.line(HEADER, "name: pad", "offset: 40"),
                            "field 'demo_header.pad'",
                            "ends at 64, past the struct size 56")

    def test_align_not_a_power_of_two(self):
        self.edit(RING, "align: 64", "align: 12")
        self.assertRejected(RING, self.line(RING, "align: 12"),
                            "struct 'ring_header'", "align 12 is not a power of two")

    def test_align_below_natural_alignment(self):
        self.edit(RING, "align: 64", "align: 2")
        self.assertRejected(RING, self.line(RING, "align: 2"),
                            "struct 'ring_header'",
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
        self.edit(RING, "        writer: host-init\n",
                  "        line_start: true\n        writer: host-init\n",
                  after="name: room")
        self.assertRejected(RING, self.line(RING, "name: room", "line_start: true"),
                            "field 'ring_header.room'",
                            "must start a new 64-byte cache line", "offset 8")

    def test_struct_without_fields(self):
        self.add("# extra\nstructs:\n  - {name: odd, doc: x, size: 4, align: 4, fields: []}\n")
        self.assertRejected(EXTRA, 3, "struct 'odd': has no fields")


class AtomicErrors(SchemaErrorTest):
    def test_atomic_u16(self):
        self.edit(RING, "type: u32", "type: u16", after="name: mark")
        err = self.assertRejected(RING, self.line(RING, "name: mark", "atomic:"),
                                  "field 'ring_header.mark'",
                                  "atomic fields must be 4 or 8 bytes", "not u16", errors=2)
        # The two bytes the narrower field leaves are a gap of their own.
        self.assertIn("gap of 2 bytes at offset 6", err)

    def test_atomic_byte_array(self):
        self.edit(HEADER, "type: u64", "type: u8[8]", after="name: used")
        self.assertRejected(HEADER, self.line(HEADER, "name: used", "atomic:"),
                            "field 'demo_header.used'",
                            "atomic fields must be 4 or 8 bytes", "not u8[8]")

    def test_load_with_release_ordering(self):
        self.edit(HEADER, "load: acquire", "load: release", after="name: closed")
        self.assertRejected(HEADER, self.line(HEADER, "load: release"),
                            "field 'closed' atomic",
                            "unknown load ordering 'release' (one of: relaxed, acquire, "
                            "seq_cst)")

    def test_store_with_acquire_ordering(self):
        self.edit(HEADER, "store: release", "store: acquire", after="name: closed")
        self.assertRejected(HEADER, self.line(HEADER, "store: acquire"),
                            "field 'closed' atomic",
                            "unknown store ordering 'acquire' (one of: relaxed, release, "
                            "seq_cst)")

    def test_cas_failure_stronger_than_success(self):
        self.edit(USERS, "success: acq_rel, failure: acquire",
                  "success: relaxed, failure: acquire", after="name: take")
        self.assertRejected(USERS, self.line(USERS, "name: take"),
                            "field 'user_slot.state' rmw 'take'",
                            "failure ordering 'acquire' is stronger than success "
                            "ordering 'relaxed'")

    def test_cas_failure_ordering_release(self):
        self.edit(USERS, "failure: acquire", "failure: release", after="name: take")
        self.assertRejected(USERS, self.line(USERS, "name: take"),
                            "rmw 'take'", "unknown failure ordering 'release' (one of:")

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
                            "struct 'pool_header' field 'top' atomic rmw 'swap'",
                            "unknown failure ordering 'consume'")

    def test_fetch_op_without_order(self):
        self.edit(USERS, "op: fetch_add, order: acq_rel,", "op: fetch_add,")
        self.assertRejected(USERS, self.line(USERS, "{name: bump"),
                            "field 'user_slot.epoch' rmw 'bump'", "needs 'order'")

    def test_unknown_rmw_op(self):
        self.edit(USERS, "op: fetch_add", "op: fetch_mul")
        self.assertRejected(USERS, self.line(USERS, "op: fetch_mul"),
                            "rmw 'bump'", "unknown op 'fetch_mul' (one of: cas, fetch_add")

    def test_cas_from_not_an_enum_value(self):
        self.edit(USERS, "from: HELD", "from: GONE", after="name: take")
        self.assertRejected(USERS, self.line(USERS, "from: GONE"),
                            "field 'user_slot.state' rmw 'take'",
                            "from 'GONE' is not a value of enum 'user_state'")

    def test_cas_to_not_an_enum_value(self):
        self.edit(USERS, "to: FREE", "to: NOWHERE", after="name: drop")
        self.assertRejected(USERS, self.line(USERS, "to: NOWHERE"),
                            "field 'user_slot.state' rmw 'drop'",
                            "to 'NOWHERE' is not a value of enum 'user_state'")

    def test_cas_from_on_a_field_without_enum(self):
        self.edit(POOL, "{name: swap, op: cas,", "{name: swap, op: cas, from: FREE, to: TAKEN,")
        self.assertRejected(POOL, self.line(POOL, "from: FREE"),
                            "rmw 'swap'", "need the field to have an enum")


class EnumAndFlagErrors(SchemaErrorTest):
    def test_unknown_enum_referenced(self):
        self.edit(USERS, "enum: user_state", "enum: user_status")
        # Only this error: the cas entries that move between its values say nothing.
        self.assertRejected(USERS, self.line(USERS, "enum: user_status"),
                            "field 'user_slot.state'", "unknown enum 'user_status'")

    def test_unknown_flags_referenced(self):
        self.edit(MSGS, "flags: msg_flags", "flags: msg_flag")
        self.assertRejected(MSGS, self.line(MSGS, "flags: msg_flag\n"),
                            "field 'msg_header.flags'", "unknown flags 'msg_flag'")

    def test_enum_type_differs_from_field_type(self):
        self.edit(USERS, "type: u32\n    doc: Lifecycle", "type: u16\n    doc: Lifecycle")
        self.assertRejected(USERS, self.line(USERS, "enum: user_state"),
                            "field 'user_slot.state'",
                            "type u32 differs from enum 'user_state' type u16")

    def test_enum_value_out_of_range(self):
        self.edit(USERS, "value: 3", "value: 4294967296")
        self.assertRejected(USERS, self.line(USERS, "name: HELD"),
                            "enum 'user_state'", "HELD=4294967296 does not fit in u32")

    def test_enum_value_negative(self):
        self.edit(POOL, "value: 1", "value: -1")
        self.assertRejected(POOL, self.line(POOL, "name: TAKEN"),
                            "enum 'block_state' value 'TAKEN'",
                            "'value' must be at least 0, not -1")

    def test_enum_value_duplicate(self):
        self.edit(USERS, "value: 2", "value: 1")
        first = self.line(USERS, "name: JOINED")
        self.assertRejected(USERS, self.line(USERS, "name: LEFT"),
                            "duplicate enum 'user_state' value '1'",
                            f"first at schema/{USERS}:{first}")

    def test_enum_value_name_duplicate(self):
        self.edit(USERS, "name: LEFT", "name: JOINED")
        self.assertRejected(USERS, self.line(USERS, "name: JOINED", "name: JOINED"),
                            "duplicate enum 'user_state' value name 'JOINED'")

    def test_enum_wider_than_32_bits(self):
        self.edit(POOL, "type: u32\n    doc: State", "type: u64\n    doc: State")
        err = self.assertRejected(POOL, self.line(POOL, "name: block_state", "type: u64"),
                                  "enum 'block_state'", "must be u8, u16 or u32", "not u64",
                                  errors=2)
        self.assertIn("field 'block_meta.state': type u32 differs from enum "
                      "'block_state' type u64", err)

    def test_enum_without_values(self):
        self.add("# extra\nenums:\n  - name: odd\n    type: u8\n    doc: x\n    values: []\n")
        self.assertRejected(EXTRA, 6, "enum 'odd': has no values")

    def test_flag_bit_out_of_range(self):
        self.edit(MSGS, "bit: 1", "bit: 8")
        self.assertRejected(MSGS, self.line(MSGS, "name: FILE_REF"),
                            "flags 'msg_flags'", "FILE_REF=8 does not fit in u8")

    def test_flag_bit_duplicate(self):
        self.edit(MSGS, "bit: 1", "bit: 0")
        self.assertRejected(MSGS, self.line(MSGS, "name: FILE_REF"),
                            "duplicate flags 'msg_flags' bit '0'")

    def test_exclusive_names_unknown_bit(self):
        self.edit(MSGS, "[BLOCK_REF, FILE_REF]", "[BLOCK_REF, FILE]")
        self.assertRejected(MSGS, self.line(MSGS, "[BLOCK_REF, FILE]"),
                            "flags 'msg_flags'", "exclusive names unknown bit 'FILE'")

    def test_exclusive_with_a_single_bit(self):
        self.edit(MSGS, "[BLOCK_REF, FILE_REF]", "[BLOCK_REF]")
        self.assertRejected(MSGS, self.line(MSGS, "[BLOCK_REF]"),
                            "flags 'msg_flags'",
                            "'exclusive[0]' must have at least 2 items, not 1")

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
        self.edit(MSGS, "expr: MSG_HEADER_SIZE + size(block_ref)",
                  "expr: MSG_HEADER_SZ + size(block_ref)")
        self.assertRejected(MSGS, self.line(MSGS, "expr: MSG_HEADER_SZ"),
                            "constant 'BLOCK_MSG_SIZE'",
                            "unknown constant 'MSG_HEADER_SZ'")

    def test_expr_with_unknown_struct(self):
        self.edit(MSGS, "size(file_ref)", "size(file_reference)")
        self.assertRejected(MSGS, self.line(MSGS, "size(file_reference)"),
                            "constant 'FILE_MSG_SIZE'",
                            "unknown struct 'file_reference'")

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
        self.edit(MSGS, "expr: size(msg_header)", "expr: BLOCK_MSG_SIZE - 12")
        self.assertRejected(MSGS, self.line(MSGS, "expr: BLOCK_MSG_SIZE - 12"),
                            "constant 'MSG_HEADER_SIZE'",
                            "cycle: MSG_HEADER_SIZE -> BLOCK_MSG_SIZE -> MSG_HEADER_SIZE")

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
        self.edit(MSGS, "expr: size(msg_header)", "expr: size(msg_header) ** 2")
        self.assertRejected(MSGS, self.line(MSGS, "** 2"),
                            "constant 'MSG_HEADER_SIZE'", "only integers, constant names")

    def test_expr_with_a_layout_only_call(self):
        # offset()/end() belong to layout formulas, not to constants.
        self.edit(MSGS, "expr: size(msg_header)", "expr: offset(msg_header)")
        self.assertRejected(MSGS, self.line(MSGS, "expr: offset(msg_header)"),
                            "constant 'MSG_HEADER_SIZE'", "only integers, constant names, "
                            "size(struct), align(struct) and + - * // << >> | are allowed")

    def test_expr_with_a_forbidden_character(self):
        self.edit(MSGS, "expr: size(msg_header)", "expr: size(msg_header) % 2")
        self.assertRejected(MSGS, self.line(MSGS, "% 2"),
                            "constant 'MSG_HEADER_SIZE'", "'expr' must be an expression")

    def test_expr_dividing_by_zero(self):
        self.edit(MSGS, "expr: size(msg_header)", "expr: size(msg_header) // 0")
        self.assertRejected(MSGS, self.line(MSGS, "// 0"),
                            "constant 'MSG_HEADER_SIZE'", "division by zero")

    def test_expr_using_a_byte_string(self):
        self.edit(MSGS, "expr: size(msg_header)", "expr: TAG + 1")
        self.assertRejected(MSGS, self.line(MSGS, "expr: TAG + 1"),
                            "constant 'MSG_HEADER_SIZE'", "constant 'TAG' is not an integer")

    def test_value_too_large_for_type(self):
        self.edit(HEADER, "value: 100", "value: 4294967296")
        self.assertRejected(HEADER, self.line(HEADER, "value: 4294967296"),
                            "constant 'MAX_USERS'", "value 4294967296 does not fit in u32")

    def test_negative_value(self):
        self.edit(HEADER, "value: 100", "value: -1")
        self.assertRejected(HEADER, self.line(HEADER, "value: -1"),
                            "constant 'MAX_USERS'", "'value' must be at least 0, not -1")

    def test_derived_value_that_does_not_fit(self):
        self.edit(MSGS, "expr: size(msg_header)", "expr: size(msg_header) - 9")
        self.assertRejected(MSGS, self.line(MSGS, "- 9"),
                            "constant 'MSG_HEADER_SIZE'", "value -1 does not fit in u32")

    def test_byte_string_one_byte_long(self):
        self.edit(HEADER, r'value: "DMO\x01"', r'value: "DMO\x01\x00"')
        self.assertRejected(HEADER, self.line(HEADER, r'value: "DMO'),
                            "constant 'TAG'", "value has 5 bytes, type u8[4] needs 4")

    def test_byte_string_one_byte_short(self):
        self.edit(HEADER, r'value: "DMO\x01"', r'value: "DMO"')
        self.assertRejected(HEADER, self.line(HEADER, r'value: "DMO'),
                            "constant 'TAG'", "value has 3 bytes, type u8[4] needs 4")

    def test_byte_string_with_a_character_that_is_not_a_byte(self):
        self.edit(HEADER, r'value: "DMO\x01"', 'value: "DMO\u20ac"')
        self.assertRejected(HEADER, self.line(HEADER, 'value: "DMO'),
                            "constant 'TAG'", "character '\u20ac'", "not a byte")

    def test_integer_value_for_an_array_constant(self):
        self.edit(HEADER, r'value: "DMO\x01"', "value: 7")
        self.assertRejected(HEADER, self.line(HEADER, "type: u8[4]"),
                            "constant 'TAG'", "must be u8[N] with a string value")

    def test_default_naming_unknown_constant(self):
        self.edit(HEADER, "default: DEFAULT_BATCH", "default: DEFAULT_BAT")
        self.assertRejected(HEADER, self.line(HEADER, "default: DEFAULT_BAT"),
                            "field 'demo_header.batch'",
                            "default names unknown constant 'DEFAULT_BAT'")

    def test_default_of_zero(self):
        self.edit(HEADER, "default: DEFAULT_BATCH", "default: 0")
        self.assertRejected(HEADER, self.line(HEADER, "default: 0"),
                            "field 'demo_header.batch'", "default 0 must be non-zero")

    def test_default_of_the_wrong_kind(self):
        self.edit(HEADER, "default: DEFAULT_BATCH", "default: true")
        self.assertRejected(HEADER, self.line(HEADER, "default: true"),
                            "field 'batch'", "'default' must be an integer or a constant "
                            "name, not the boolean true")

    def test_default_on_an_atomic_field(self):
        self.edit(HEADER, "        writer: host\n", "        default: 1\n        writer: host\n",
                  after="name: closed")
        self.assertRejected(HEADER, self.line(HEADER, "default: 1"),
                            "field 'demo_header.closed'",
                            "'default' needs a plain scalar field")


class NameErrors(SchemaErrorTest):
    def test_constant_colliding_with_enum_value_macro(self):
        # ROAM_USER_STATE_FREE: reported at the new definition, naming the old one.
        self.add("# extra\nconstants:\n"
                 "  - {name: USER_STATE_FREE, type: u32, value: 9, doc: x}\n")
        first = self.line(USERS, "name: FREE")
        self.assertRejected(EXTRA, 3, "constant 'USER_STATE_FREE'",
                            "generated C name 'ROAM_USER_STATE_FREE'",
                            f"enum value 'user_state.FREE' (schema/{USERS}:{first})")

    def test_field_accessor_colliding_with_struct_function(self):
        self.edit(HEADER, "name: spare", "name: fields")
        self.assertRejected(HEADER, self.line(HEADER, "name: fields"),
                            "field 'demo_header.fields'",
                            "generated C name 'roam_demo_header_fields'",
                            "struct 'demo_header'")

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
        self.edit(HEADER, "name: users", "name: maxUsers")
        self.assertRejected(HEADER, self.line(HEADER, "name: maxUsers"),
                            "field 'maxUsers'",
                            "'name' must be a lower_snake_case name, not the string "
                            "'maxUsers'")

    def test_field_named_after_a_c_keyword(self):
        self.edit(HEADER, "name: revision", "name: volatile")
        self.assertRejected(HEADER, self.line(HEADER, "name: volatile"),
                            "field 'demo_header.volatile'", "name 'volatile' is a C keyword")

    def test_bad_rule_id(self):
        self.edit(RING, "        writer: host-init\n",
                  "        writer: host-init\n        rules: [Shm Capacity]\n",
                  after="name: room")
        self.assertRejected(RING, self.line(RING, "rules: [Shm Capacity]"),
                            "field 'room'", "'rules[0]' must be a rule id",
                            "not the string 'Shm Capacity'")



class LayoutErrors(SchemaErrorTest):
    """The layout section's own checks are tested in test_layout.py; these
    are the ones the rest of the language shares with it."""
    FOLDER = LAYOUT_FIXTURE

    def test_region_of_unknown_struct(self):
        self.edit(LAYOUT, "struct: entry, count: entries", "struct: entree, count: entries")
        self.assertRejected(LAYOUT, self.line(LAYOUT, "{name: table,"),
                            "region 'table'", "unknown struct 'entree'")

    def test_layout_declared_twice(self):
        self.add("# extra\nlayout:\n  doc: x\n  byte_order: little\n  overflow: E_OVERFLOW\n"
                 "  params: []\n  regions: []\n  total_size: 0\n"
                 "  example: {doc: x, params: {}}\n")
        self.assertRejected(EXTRA, 2, "layout: declared twice",
                            f"first in schema/{LAYOUT}")

    def test_layout_without_regions(self):
        text = self.ws.schema_text(LAYOUT)
        start = text.index("  regions:\n")
        self.ws.write("schema/" + LAYOUT, text[:start] + "  regions: []\n  total_size: 0\n"
                      + text[text.index("  example:"):])
        self.assertRejected(LAYOUT, self.line(LAYOUT, "regions: []"), "layout: has no regions")

    def test_layout_key_unknown(self):
        self.edit(LAYOUT, "  byte_order: little\n", "  byte_order: little\n  endian: little\n")
        self.assertRejected(LAYOUT, self.line(LAYOUT, "endian: little"),
                            "layout: unknown key 'endian'")

    def test_byte_order_unknown(self):
        self.edit(LAYOUT, "byte_order: little", "byte_order: middle")
        self.assertRejected(LAYOUT, self.line(LAYOUT, "byte_order: middle"),
                            "unknown byte order 'middle' (one of: little, big)")

    def test_example_value_not_an_integer(self):
        self.edit(LAYOUT, "params: {entries: 3,", "params: {entries: three,")
        self.assertRejected(LAYOUT, self.line(LAYOUT, "entries: three"),
                            "layout example: 'entries' must be an integer, "
                            "not the string 'three'")

    def test_error_message_on_two_lines(self):
        self.edit(LAYOUT, "message: no pools,", 'message: "no\\npools",')
        self.assertRejected(LAYOUT, self.line(LAYOUT, "no\\npools"),
                            "error 'E_NO_POOLS'", "'message' must be",
                            "not the string 'no\\npools'")


class WriterErrors(SchemaErrorTest):
    def test_reserved_field_with_a_writer(self):
        self.edit(HEADER, "writer: none", "writer: host", after="name: pad")
        self.assertRejected(HEADER, self.line(HEADER, "name: pad", "writer: host"),
                            "field 'demo_header.pad'",
                            "a reserved field's writer must be 'none'")

    def test_reserved_field_with_atomic(self):
        self.edit(MSGS, "        reserved: true\n",
                  "        reserved: true\n        atomic: {load: relaxed, store: relaxed}\n",
                  after="name: file_ref")
        err = self.assertRejected(MSGS, self.line(MSGS, "atomic: {load: relaxed"),
                                  "field 'file_ref.pad'",
                                  "a reserved field cannot have 'atomic'", errors=2)
        self.assertIn("field 'file_ref.pad': atomic fields must be 4 or 8 bytes", err)

    def test_unknown_writer(self):
        self.edit(HEADER, "writer: host", "writer: hots", after="name: closed")
        self.assertRejected(HEADER, self.line(HEADER, "writer: hots"),
                            "struct 'demo_header' field 'closed'", "unknown writer 'hots'",
                            "(one of: host-init, host, guest, any, producer, consumer, none)")

    def test_writer_none_on_a_used_field(self):
        self.edit(HEADER, "writer: host", "writer: none", after="name: closed")
        self.assertRejected(HEADER, self.line(HEADER, "name: closed", "writer: none"),
                            "field 'demo_header.closed'",
                            "writer 'none' is only for reserved fields")


class SeveralErrors(SchemaErrorTest):
    def test_every_error_of_every_file_in_one_run_sorted(self):
        self.edit(USERS, "enum: user_state", "enum: user_status")
        self.edit(HEADER, "writer: host", "writer: none", after="name: closed")
        self.edit(HEADER, "align: 8", "align: 3")
        err = self.assertRejected(HEADER, self.line(HEADER, "name: closed", "writer: none"),
                                  "writer 'none' is only for reserved fields", errors=3)
        want = [f"schema/{HEADER}:{self.line(HEADER, 'align: 3')}: ",
                f"schema/{HEADER}:{self.line(HEADER, 'name: closed', 'writer: none')}: ",
                f"schema/{USERS}:{self.line(USERS, 'enum: user_status')}: "]
        got = err.splitlines()
        for line, prefix in zip(got, want):
            self.assertTrue(line.startswith(prefix), f"{line!r} does not start with {prefix!r}")

    def test_structure_errors_of_every_file_before_any_other_check(self):
        # The model is built only from well-formed files: the semantic fault
        # (a bad alignment) waits until the structural ones are fixed.
        self.edit(HEADER, "writer: host", "writer: hots", after="name: closed")
        self.edit(RING, "    size: 128\n", "    size: 128\n    packed: true\n")
        self.edit(HEADER, "align: 8", "align: 3")
        err = self.assertRejected(HEADER, self.line(HEADER, "writer: hots"),
                                  "unknown writer 'hots'", errors=2)
        self.assertIn(f"schema/{RING}:{self.line(RING, 'packed: true')}: struct "
                      "'ring_header': unknown key 'packed'", err)

    def test_errors_in_two_files_stop_before_any_output(self):
        # Shape errors in one file, a syntax error in another: both reported.
        self.edit(HEADER, "offset: 4\n", 'offset: "four"\n')
        self.edit(RING, "type: u32\n", "type: u32: x\n", after="name: room")
        err = self.assertRejected(RING, self.line(RING, "type: u32: x"),
                                  "YAML syntax error", errors=None)
        self.assertIn(f"schema/{HEADER}:", err)


if __name__ == "__main__":
    unittest.main()
