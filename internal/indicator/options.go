package indicator

import "fmt"

// Default limits for readers. A hostile or broken input beyond them is
// refused with a clear error instead of exhausting memory.
const (
	DefaultMaxBytes = 2 << 30 // 2 GiB of input
	DefaultMaxDepth = 64      // nesting of JSON objects and arrays
	DefaultMaxItems = 20_000_000
)

// ReadOptions tell a reader how to treat its input.
type ReadOptions struct {
	// Name names the input in messages: a file path, "stdin", "upload".
	Name string
	// Lenient keeps reading after a malformed item, recording it in
	// Collection.Problems; otherwise the first malformed item is returned
	// as the error (a Problem). Unsupported and warning-listed items are
	// always recorded and never stop a read.
	Lenient bool
	// Limits; zero means the default.
	MaxBytes int64
	MaxDepth int
	MaxItems int
	// Defaults applied to indicators whose input does not say.
	Source string
	TLP    TLP
}

// Limits returns the options with zero limits replaced by the defaults.
func (o ReadOptions) Limits() ReadOptions {
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = DefaultMaxDepth
	}
	if o.MaxItems <= 0 {
		o.MaxItems = DefaultMaxItems
	}
	if o.Name == "" {
		o.Name = "input"
	}
	return o
}

// Report records a problem with an input item. For a malformed item in a
// strict read it returns the problem as an error, which the reader returns;
// otherwise it appends it to c.Problems and returns nil.
func (o ReadOptions) Report(c *Collection, p Problem) error {
	if p.Input == "" {
		p.Input = o.Name
	}
	p.Value = shorten(p.Value)
	if p.Kind == "" {
		p.Kind = ProblemMalformed
	}
	if p.Kind == ProblemMalformed && !o.Lenient {
		return p
	}
	c.Problems = append(c.Problems, p)
	return nil
}

// TooMany is the error for an input with more items than MaxItems.
func (o ReadOptions) TooMany(what string) error {
	return fmt.Errorf("%s: more than %d %s: refusing to read further (raise the limit if this input is genuine)", o.Name, o.MaxItems, what)
}
