package mime

// Limits bound the work Parse does on one message. Zero fields take the
// default (see DefaultLimits).
type Limits struct {
	MaxMessageBytes int // the raw message; more is not examined
	MaxHeaderFields int // header fields per part
	MaxHeaderBytes  int // all header fields of one part together
	MaxDepth        int // nesting of multiparts and attached messages
	MaxParts        int // parts in the whole message
	MaxPartBytes    int // decoded size of one part
	MaxDecodedBytes int // decoded size of all parts together
}

// DefaultLimits are generous for real mail (a 50 MiB message with a few
// hundred parts) and small enough that a hostile message cannot exhaust a
// server that handles many at once.
var DefaultLimits = Limits{
	MaxMessageBytes: 50 << 20,
	MaxHeaderFields: 1000,
	MaxHeaderBytes:  256 << 10,
	MaxDepth:        16,
	MaxParts:        500,
	MaxPartBytes:    32 << 20,
	MaxDecodedBytes: 100 << 20,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.MaxMessageBytes > 0 {
		d.MaxMessageBytes = l.MaxMessageBytes
	}
	if l.MaxHeaderFields > 0 {
		d.MaxHeaderFields = l.MaxHeaderFields
	}
	if l.MaxHeaderBytes > 0 {
		d.MaxHeaderBytes = l.MaxHeaderBytes
	}
	if l.MaxDepth > 0 {
		d.MaxDepth = l.MaxDepth
	}
	if l.MaxParts > 0 {
		d.MaxParts = l.MaxParts
	}
	if l.MaxPartBytes > 0 {
		d.MaxPartBytes = l.MaxPartBytes
	}
	if l.MaxDecodedBytes > 0 {
		d.MaxDecodedBytes = l.MaxDecodedBytes
	}
	return d
}
