#include <zlib.h>

// deflateInit2 is a macro, which Swift cannot call; this wrapper can.
static inline int ogf_deflate_init_gzip(z_streamp s, int level) {
    // 15 window bits + 16: a gzip wrapper with a zeroed header (no name, mtime 0).
    return deflateInit2(s, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}
// Raw deflate (no wrapper): one block of a parallel gzip stream, whose header and trailer are
// written around the concatenated blocks.
static inline int ogf_deflate_init_raw(z_streamp s, int level) {
    return deflateInit2(s, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
}
static inline int ogf_inflate_init_gzip(z_streamp s) { return inflateInit2(s, 15 + 32); }
