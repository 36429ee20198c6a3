// Package formats is the one place that knows every indicator format Vigie
// reads and writes — STIX 2.1, MISP events and feeds, CSV, plain lists, Loki
// IOC files — detects which one an input is, and reads or writes it. The
// command line, the hub's import endpoint and the sensors all go through it.
package formats

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/indicator/csvfmt"
	"github.com/vigie-project/vigie/internal/indicator/loki"
	"github.com/vigie-project/vigie/internal/indicator/misp"
	"github.com/vigie-project/vigie/internal/indicator/stix"
	"github.com/vigie-project/vigie/internal/safejson"
)

// Format describes one indicator format.
type Format struct {
	Name        string
	Description string
	// Types are the indicator types the format can write; others are
	// reported as not written.
	Types []indicator.Type
	// Dir is true for formats that are a directory of files (misp-feed;
	// loki writes one and reads either).
	Dir bool
	// ContentTypes are MIME types that name the format in an HTTP upload.
	ContentTypes []string

	decode  func(r io.Reader, opts indicator.ReadOptions) (*indicator.Collection, error)
	encode  func(w io.Writer, c *indicator.Collection) error
	readDir func(dir string, opts indicator.ReadOptions) (*indicator.Collection, error)
	write   func(dir string, c *indicator.Collection) error
	sniff   func(name string, head []byte) bool
}

// All lists the formats in the order detection tries them.
var All = []*Format{
	{
		Name: "stix", Description: "STIX 2.1 bundle (JSON)", Types: allBut(),
		ContentTypes: []string{"application/stix+json", "application/taxii+json"},
		decode:       stix.Decode,
		encode: func(w io.Writer, c *indicator.Collection) error {
			return stix.Encode(w, c, stix.EncodeOptions{})
		},
		sniff: func(name string, head []byte) bool { return stix.Sniff(head) },
	},
	{
		Name: "misp", Description: "MISP event (JSON)", Types: allBut(),
		ContentTypes: []string{"application/vnd.misp+json"},
		decode:       misp.DecodeEvent,
		encode: func(w io.Writer, c *indicator.Collection) error {
			return misp.EncodeEvent(w, c, misp.EncodeOptions{})
		},
		sniff: func(name string, head []byte) bool { return misp.Sniff(head) },
	},
	{
		Name: "misp-feed", Description: "MISP feed directory (manifest.json, <uuid>.json, hashes.csv)", Types: allBut(), Dir: true,
		readDir: misp.ReadFeed,
		write: func(dir string, c *indicator.Collection) error {
			return misp.WriteFeed(dir, c, misp.FeedOptions{})
		},
		sniff: func(name string, head []byte) bool { return isFeedDir(name) },
	},
	{
		Name: "csv", Description: "CSV with a header row (type,value,tlp,...)", Types: csvfmt.Types,
		ContentTypes: []string{"text/csv"},
		decode:       csvfmt.Decode,
		encode:       csvfmt.Encode,
		sniff:        func(name string, head []byte) bool { return csvfmt.Sniff(head) },
	},
	{
		Name: "loki", Description: "Loki/THOR IOC files (hash-iocs.txt, filename-iocs.txt, c2-iocs.txt)", Types: loki.Types, Dir: true,
		decode: func(r io.Reader, opts indicator.ReadOptions) (*indicator.Collection, error) {
			return loki.Decode(r, loki.Unknown, opts)
		},
		readDir: loki.ReadDir,
		write:   loki.WriteDir,
		sniff: func(name string, head []byte) bool {
			if fi, err := os.Stat(name); err == nil && fi.IsDir() {
				return hasLokiFiles(name)
			}
			return loki.KindOf(name) != loki.Unknown && strings.HasSuffix(strings.ToLower(name), ".txt")
		},
	},
	{
		Name: "list", Description: "plain list, one value per line (type detected)", Types: csvfmt.ListTypes,
		ContentTypes: []string{"text/plain"},
		decode:       csvfmt.DecodeList,
		encode:       csvfmt.EncodeList,
		sniff:        func(name string, head []byte) bool { return true },
	},
}

// Names returns the names of all formats.
func Names() []string {
	out := make([]string, len(All))
	for i, f := range All {
		out[i] = f.Name
	}
	return out
}

// Lookup returns the format called name.
func Lookup(name string) (*Format, error) {
	for _, f := range All {
		if strings.EqualFold(f.Name, name) {
			return f, nil
		}
	}
	return nil, fmt.Errorf("unknown format %q (want one of %s)", name, strings.Join(Names(), ", "))
}

// ByContentType returns the format an HTTP Content-Type names, or nil.
func ByContentType(ct string) *Format {
	ct = strings.ToLower(strings.TrimSpace(strings.SplitN(ct, ";", 2)[0]))
	for _, f := range All {
		for _, c := range f.ContentTypes {
			if c == ct {
				return f
			}
		}
	}
	return nil
}

func allBut(except ...indicator.Type) []indicator.Type {
	var out []indicator.Type
	for _, t := range indicator.Types {
		if !containsType(except, t) {
			out = append(out, t)
		}
	}
	return out
}

func containsType(list []indicator.Type, t indicator.Type) bool {
	for _, x := range list {
		if x == t {
			return true
		}
	}
	return false
}

// Detect picks the format of a stream from its name and first bytes.
func Detect(name string, head []byte) *Format {
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	for _, f := range All {
		if f.Dir && f.decode == nil {
			continue
		}
		if (f.Name == "stix" || f.Name == "misp") && (len(trimmed) == 0 || (trimmed[0] != '{' && trimmed[0] != '[')) {
			continue
		}
		if f.sniff(name, head) {
			return f
		}
	}
	return nil
}

// Decode reads one stream. formatName may be empty (detect from name and
// content), a format name, or contentType may name it (an HTTP upload).
func Decode(r io.Reader, name, formatName, contentType string, opts indicator.ReadOptions) (*indicator.Collection, error) {
	if opts.Name == "" {
		opts.Name = name
	}
	br := bufio.NewReaderSize(r, 64*1024)
	var f *Format
	var err error
	switch {
	case formatName != "":
		if f, err = Lookup(formatName); err != nil {
			return nil, err
		}
	case contentType != "" && ByContentType(contentType) != nil && ByContentType(contentType).Name != "list":
		f = ByContentType(contentType)
	default:
		head, _ := br.Peek(16 * 1024)
		f = Detect(name, head)
		if f == nil {
			return nil, fmt.Errorf("%s: cannot tell the format (name one with --from: %s)", opts.Name, strings.Join(Names(), ", "))
		}
	}
	if f.decode == nil {
		return nil, fmt.Errorf("%s: the %s format is a directory, not a single file", opts.Name, f.Name)
	}
	if formatName == "" && f.Name == "list" && looksJSON(br) {
		data, err := safejson.ReadAll(br, opts.Name, opts.Limits().MaxBytes)
		if err != nil {
			return nil, err
		}
		return decodeOtherJSON(data, "", opts)
	}
	return f.decode(br, opts)
}

// looksJSON reports whether the stream starts (after blanks) with { or [.
func looksJSON(br *bufio.Reader) bool {
	head, _ := br.Peek(512)
	head = bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	return len(head) > 0 && (head[0] == '{' || head[0] == '[')
}

// Read reads a file or directory ("-" is standard input). A directory is a
// MISP feed or a Loki signature folder, or else a folder of indicator files,
// each read on its own (files of unknown format are an error, not skipped).
func Read(path, formatName string, stdin io.Reader, opts indicator.ReadOptions) (*indicator.Collection, *Format, error) {
	if path == "-" {
		opts.Name = "stdin"
		var f *Format
		br := bufio.NewReaderSize(stdin, 64*1024)
		if formatName != "" {
			var err error
			if f, err = Lookup(formatName); err != nil {
				return nil, nil, err
			}
		} else {
			head, _ := br.Peek(16 * 1024)
			f = Detect("stdin", head)
		}
		if f == nil {
			return nil, nil, errors.New("stdin: cannot tell the format (name one with --from)")
		}
		c, err := Decode(br, "stdin", f.Name, "", opts)
		return c, f, err
	}
	opts.Name = path
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	if fi.IsDir() {
		return readDir(path, formatName, opts)
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer fh.Close()
	br := bufio.NewReaderSize(fh, 64*1024)
	var f *Format
	if formatName != "" {
		if f, err = Lookup(formatName); err != nil {
			return nil, nil, err
		}
	} else {
		head, _ := br.Peek(16 * 1024)
		if f = Detect(path, head); f == nil {
			return nil, nil, fmt.Errorf("%s: cannot tell the format (name one with --from)", path)
		}
	}
	if f.decode == nil {
		return nil, nil, fmt.Errorf("%s: the %s format is a directory; give the directory", path, f.Name)
	}
	if formatName == "" && looksJSON(br) {
		// STIX and MISP stream; other JSON documents (galaxies, TAXII
		// server data ...) are read whole, on a second pass, only when the
		// sniffed format does not take the file.
		var firstErr error
		if f.Name == "stix" || f.Name == "misp" {
			c, err := f.decode(br, opts)
			if err == nil {
				return c, f, nil
			}
			firstErr = err
		}
		if _, err := fh.Seek(0, io.SeekStart); err != nil {
			return nil, nil, err
		}
		data, err := safejson.ReadAll(fh, path, opts.Limits().MaxBytes)
		if err != nil {
			return nil, nil, err
		}
		c, err := decodeOtherJSON(data, path, opts)
		if err != nil {
			if firstErr != nil {
				return nil, nil, firstErr
			}
			return nil, nil, err
		}
		return c, nil, nil
	}
	c, err := f.decode(br, opts)
	return c, f, err
}

func readDir(dir, formatName string, opts indicator.ReadOptions) (*indicator.Collection, *Format, error) {
	var f *Format
	switch {
	case formatName != "":
		var err error
		if f, err = Lookup(formatName); err != nil {
			return nil, nil, err
		}
	case isFeedDir(dir):
		f, _ = Lookup("misp-feed")
	case hasLokiFiles(dir):
		f, _ = Lookup("loki")
	}
	if f != nil && f.readDir != nil {
		c, err := f.readDir(dir, opts)
		return c, f, err
	}
	// A plain folder of indicator files.
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	names := make([]string, 0, len(entries))
	all := &indicator.Collection{}
	for _, e := range entries {
		switch {
		case e.IsDir():
			// Said in the statistics, not read: a folder of indicator
			// files is read one level deep.
			all.Skip("sub-folder of " + dir + " (not read)")
		case strings.HasPrefix(e.Name(), "."):
			all.Skip("hidden file in " + dir + " (not read)")
		default:
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	for _, n := range names {
		c, _, err := Read(filepath.Join(dir, n), formatName, nil, opts)
		if err != nil {
			return nil, nil, err
		}
		all.Merge(c)
	}
	return all, nil, nil
}

func isFeedDir(dir string) bool {
	fi, err := os.Stat(filepath.Join(dir, "manifest.json"))
	return err == nil && !fi.IsDir()
}

func hasLokiFiles(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".txt") && loki.KindOf(e.Name()) != loki.Unknown {
			return true
		}
	}
	return false
}

// Unwritable returns the indicators of c that format f cannot express, as
// problems, and a collection without them.
func Unwritable(f *Format, c *indicator.Collection) (*indicator.Collection, []indicator.Problem) {
	var out []indicator.Indicator
	var lost []indicator.Problem
	for _, ind := range c.Indicators {
		if containsType(f.Types, ind.Type) {
			out = append(out, ind)
			continue
		}
		lost = append(lost, indicator.Problem{Input: f.Name, Kind: indicator.ProblemUnsupported, Value: indicator.Shorten(ind.Value),
			Reason: fmt.Sprintf("the %s format cannot express a %s indicator", f.Name, ind.Type)})
	}
	cc := *c
	cc.Indicators = out
	return &cc, lost
}

// Write writes c in format f to path: a file ("-" is w), or a directory for
// directory formats. It returns the indicators it could not write.
func Write(f *Format, path string, w io.Writer, c *indicator.Collection) ([]indicator.Problem, error) {
	c, lost := Unwritable(f, c)
	if f.write != nil && (f.encode == nil || path != "-" && path != "") {
		if path == "-" || path == "" {
			return lost, fmt.Errorf("the %s format is a directory: give an output directory", f.Name)
		}
		return lost, f.write(path, c)
	}
	if path == "-" || path == "" {
		return lost, f.encode(w, c)
	}
	tmp := path + ".tmp"
	fh, err := os.Create(tmp)
	if err != nil {
		return lost, err
	}
	bw := bufio.NewWriterSize(fh, 256*1024)
	err = f.encode(bw, c)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return lost, fmt.Errorf("%s: %w", path, err)
	}
	return lost, os.Rename(tmp, path)
}
