package docmeta

// Special sector and stream numbers of the compound-file format, for the
// test builders.
const (
	cfbFree       = 0xFFFFFFFF
	cfbEndOfChain = 0xFFFFFFFE
	cfbNoStream   = 0xFFFFFFFF
)
