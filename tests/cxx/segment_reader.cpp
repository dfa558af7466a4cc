// A C++ consumer of the installed library: attach to a segment file that
// the C tool made and print what it reads, in `roam-shm dump`'s names and
// format, so a script can compare the two line by line.
//
//   segment_reader FILE             print the header, peers and size classes
//   segment_reader FILE reserve I   then reserve peer entry I and bump its
//                                   epoch through the generated accessors
//
// Every atomic field is read (and written) through the generated accessors,
// which in C++ are std::atomic operations with the schema's orderings.
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <roam_segment.h>

static_assert(sizeof(roam_segment_header_t) == ROAM_SEGMENT_HEADER_SIZE, "header size from C++");
static_assert(sizeof(roam_peer_entry_t) == ROAM_PEER_ENTRY_SIZE, "peer entry size from C++");

namespace {

void line(const std::string &name, uint64_t v)
{
    std::printf("%s=%" PRIu64 "\n", name.c_str(), v);
}

// The magic as dump prints it: printable ASCII as is, the rest as \xNN.
void magic_line(const uint8_t *m)
{
    std::string text;
    for (unsigned i = 0; i < ROAM_MAGIC_SIZE; i++) {
        char buf[8];
        if (m[i] >= 0x20 && m[i] < 0x7f && m[i] != '\\')
            std::snprintf(buf, sizeof buf, "%c", m[i]);
        else
            std::snprintf(buf, sizeof buf, "\\x%02x", m[i]);
        text += buf;
    }
    std::printf("magic=%s\n", text.c_str());
}

void print_header(const roam_segment_header_t *h)
{
    magic_line(roam_segment_header_magic(h));
    line("version", roam_segment_header_version(h));
    line("header_size", roam_segment_header_header_size(h));
    line("total_size", roam_segment_header_total_size(h));
    line("max_payload_size", roam_segment_header_max_payload_size(h));
    line("inline_threshold", roam_segment_header_inline_threshold(h));
    line("effective_inline_threshold", roam_segment_header_effective_inline_threshold(h));
    line("max_guests", roam_segment_header_max_guests(h));
    line("bipbuf_capacity", roam_segment_header_bipbuf_capacity(h));
    line("peer_table_offset", roam_segment_header_peer_table_offset(h));
    line("var_pool_offset", roam_segment_header_var_pool_offset(h));
    line("heartbeat_interval", roam_segment_header_heartbeat_interval(h));
    line("host_goodbye", roam_segment_header_load_host_goodbye(h));
    line("num_var_slot_classes", roam_segment_header_num_var_slot_classes(h));
    line("current_size", roam_segment_header_load_current_size(h));
}

void print_peers(const roam_segment_t *seg)
{
    for (uint32_t i = 0; i < roam_segment_header_plain_max_guests(&seg->snap); i++) {
        const roam_peer_entry_t *p = roam_segment_peer_at(seg, i);
        const std::string at = "peers." + std::to_string(i) + ".";
        const char *state = roam_peer_state_name(roam_peer_entry_load_state(p));

        std::printf("%sstate=%s\n", at.c_str(), state != nullptr ? state : "?");
        line(at + "epoch", roam_peer_entry_load_epoch(p));
        line(at + "last_heartbeat", roam_peer_entry_load_last_heartbeat(p));
        line(at + "ring_offset", roam_peer_entry_ring_offset(p));
    }
}

void print_classes(const roam_segment_t *seg)
{
    for (uint32_t i = 0; i < roam_segment_header_plain_num_var_slot_classes(&seg->snap); i++) {
        const roam_size_class_header_t *c = roam_segment_class(seg->base, &seg->snap, i);
        const std::string at = "size_classes." + std::to_string(i) + ".";

        line(at + "slot_size", roam_size_class_header_slot_size(c));
        line(at + "slot_count", roam_size_class_header_slot_count(c));
        line(at + "free_head", roam_size_class_header_load_free_head(c));
    }
}

} // namespace

int main(int argc, char **argv)
{
    if (argc != 2 && !(argc == 4 && std::strcmp(argv[2], "reserve") == 0)) {
        std::fprintf(stderr, "usage: segment_reader FILE [reserve INDEX]\n");
        return 2;
    }

    roam_segment_t seg;
    roam_diag_t d;
    if (roam_segment_attach(&seg, argv[1], &d) != ROAM_OK) {
        std::fprintf(stderr, "%s: %s\n", argv[1], d.msg);
        return 1;
    }

    if (argc == 4) {
        // Empty -> Reserved, then one more epoch: the host's reservation,
        // done with the generated C++ atomics instead of the C library.
        roam_peer_entry_t *p = roam_segment_peer_at(&seg, (uint32_t)std::strtoul(argv[3], nullptr, 10));
        uint32_t found = 0;
        if (p == nullptr || !roam_peer_entry_state_reserve(p, &found)) {
            std::fprintf(stderr, "%s: cannot reserve entry %s (state %u)\n", argv[1], argv[3], found);
            roam_segment_close(&seg);
            return 1;
        }
        roam_peer_entry_epoch_bump(p, 1);
    }

    print_header(roam_segment_header(&seg));
    print_peers(&seg);
    print_classes(&seg);
    roam_segment_close(&seg);
    return 0;
}
