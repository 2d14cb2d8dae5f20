#include <zstd.h>

// ZSTD_isError returns unsigned; a bool reads better from Swift.
static inline int ogf_zstd_failed(size_t code) { return ZSTD_isError(code) ? 1 : 0; }
