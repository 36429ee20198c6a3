package report

import (
	"fmt"
	"io"
	"strings"
)

// Writer turns findings into one output format. Findings are written as
// they come (Write), problems that kept something from being examined as
// they happen (Problem), and Close ends the output with the summary.
// A Writer is not safe for concurrent use.
type Writer interface {
	Write(f *Finding) error
	Problem(subject string, err error) error
	Close(sum Summary) error
}

// Formats names the output formats New accepts.
var Formats = []string{"text", "jsonl", "sarif"}

// Options tune a writer.
type Options struct {
	// Color uses ANSI colours (text only; for terminals).
	Color bool
	// Tool and Version name the program in SARIF output.
	Tool, Version string
	// What names what was examined in the text summary ("files").
	What string
}

// New returns the writer for format (one of Formats) writing to w.
func New(format string, w io.Writer, o Options) (Writer, error) {
	switch strings.ToLower(format) {
	case "text", "":
		return NewText(w, o), nil
	case "jsonl", "json":
		return NewJSONL(w), nil
	case "sarif":
		return NewSARIF(w, o), nil
	}
	return nil, fmt.Errorf("unknown output format %q (want %s)", format, strings.Join(Formats, ", "))
}
