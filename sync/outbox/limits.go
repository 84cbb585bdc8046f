package outbox

import "strconv"

// is32bit reports a platform whose address space cannot map a large file:
// bbolt maps the whole database, and on 32-bit ARM its ceiling is 2 GB, of
// which far less is contiguous in practice.
const is32bit = strconv.IntSize == 32

// DefaultMaxFileSize is the largest outbox file this platform opens or
// grows: 1 GiB on 32-bit (well under bbolt's 2 GB mmap ceiling, so the
// outbox fails here, clearly, instead of inside bbolt's mmap), 8 GiB on
// 64-bit. (IntSize/64 is 0 on 32-bit and 1 on 64-bit.)
const DefaultMaxFileSize int64 = 1 << 30 << (3 * (strconv.IntSize / 64))
