// Package loki reads and writes the IOC files of the Loki and THOR scanners
// (as shipped in Nextron's signature-base):
//
//	hash-iocs.txt      HASH;COMMENT            or HASH;SCORE;COMMENT
//	filename-iocs.txt  REGEX;SCORE;FP-REGEX    (a path that matches FP-REGEX is not a match)
//	c2-iocs.txt        DOMAIN-OR-IP            or DOMAIN-OR-IP;SCORE
//
// Lines starting with "#" are comments; in filename and c2 files the last
// comment line before a block describes it and becomes the description of
// its entries. Scores become the indicator's confidence (clamped to 0–100).
// Filename patterns are Python regular expressions; the few that Go's RE2
// engine cannot run (look-arounds, back-references) are reported as
// unsupported, not dropped silently.
package loki

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/vigie-project/vigie/internal/indicator"
)

// Kind is the kind of a Loki IOC file.
type Kind int

// The kinds of Loki IOC file.
const (
	Unknown Kind = iota
	Hash
	Filename
	C2
)

// File names Loki gives each kind, used by WriteDir.
var fileNames = map[Kind]string{Hash: "hash-iocs.txt", Filename: "filename-iocs.txt", C2: "c2-iocs.txt"}

// Types lists what Loki files can express.
var Types = []indicator.Type{indicator.MD5, indicator.SHA1, indicator.SHA256, indicator.SHA512,
	indicator.PathRegex, indicator.Filename, indicator.Domain, indicator.IPv4, indicator.IPv6}

// KindOf tells the kind of a file from its name, as Loki does: "hash",
// "filename" or "c2" in the name.
func KindOf(name string) Kind {
	n := strings.ToLower(filepath.Base(name))
	switch {
	case strings.Contains(n, "hash"):
		return Hash
	case strings.Contains(n, "filename"):
		return Filename
	case strings.Contains(n, "c2"):
		return C2
	}
	return Unknown
}

// SniffKind guesses the kind from content when the name does not tell:
// lines of "hex;..." are hashes, "x;number;..." file patterns, and lines of
// one value (with an optional ";number") C2 entries.
func SniffKind(head []byte) Kind {
	var hash, fname, c2, other int
	for _, line := range strings.Split(string(head), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Split(line, ";")
		switch {
		case len(f) >= 2 && isHexLen(f[0]):
			hash++
		case len(f) >= 2 && isInt(f[1]) && strings.ContainsAny(f[0], `\^$*[(`):
			fname++
		case len(f) <= 2 && (len(f) == 1 || isInt(f[1])):
			c2++
		default:
			other++
		}
	}
	total := hash + fname + c2 + other
	best, kind := 0, Unknown
	for k, n := range map[Kind]int{Hash: hash, Filename: fname, C2: c2} {
		if n > best {
			best, kind = n, k
		}
	}
	// A stray bad line must not hide what the file is, but a file that is
	// mostly something else is not a Loki file.
	if best == 0 || best*3 < total*2 {
		return Unknown
	}
	return kind
}

func isHexLen(s string) bool {
	switch len(s) {
	case 32, 40, 64, 128:
	default:
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func isInt(s string) bool {
	_, err := strconv.Atoi(strings.TrimSpace(s))
	return err == nil
}

// Decode reads one Loki IOC file of the given kind (Unknown: from opts.Name,
// then from the content).
func Decode(r io.Reader, kind Kind, opts indicator.ReadOptions) (*indicator.Collection, error) {
	opts = opts.Limits()
	br := bufio.NewReaderSize(io.LimitReader(r, opts.MaxBytes+1), 64*1024)
	if kind == Unknown {
		kind = KindOf(opts.Name)
	}
	if kind == Unknown {
		head, _ := br.Peek(16 * 1024)
		kind = SniffKind(head)
	}
	if kind == Unknown {
		return nil, fmt.Errorf("%s: cannot tell whether this is a Loki hash, filename or c2 IOC file (name it hash-iocs.txt, filename-iocs.txt or c2-iocs.txt)", opts.Name)
	}
	c := &indicator.Collection{}
	sc := bufio.NewScanner(br)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	line := 0
	var total int64
	desc := ""
	for sc.Scan() {
		line++
		raw := sc.Text()
		total += int64(len(raw)) + 1
		if total > opts.MaxBytes+1 {
			return nil, fmt.Errorf("%s: larger than the limit of %d bytes", opts.Name, opts.MaxBytes)
		}
		s := strings.TrimSpace(strings.TrimPrefix(raw, "\ufeff"))
		if s == "" {
			continue
		}
		if s[0] == '#' {
			if d := strings.TrimSpace(strings.Trim(s, "#")); d != "" && strings.Trim(d, "-=_ ") != "" {
				desc = strings.Trim(d, "-=_ ")
			}
			continue
		}
		if len(c.Indicators) >= opts.MaxItems {
			return nil, opts.TooMany("lines")
		}
		where := fmt.Sprintf("line %d", line)
		ind, problem := parseLine(kind, s, desc, opts)
		if problem != nil {
			problem.Where = where
			if err := opts.Report(c, *problem); err != nil {
				return nil, err
			}
			continue
		}
		c.Indicators = append(c.Indicators, ind)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: line %d: %w", opts.Name, line+1, err)
	}
	return c, nil
}

func parseLine(kind Kind, s, desc string, opts indicator.ReadOptions) (indicator.Indicator, *indicator.Problem) {
	ind := indicator.Indicator{Source: opts.Source, TLP: opts.TLP}
	f := strings.Split(s, ";")
	switch kind {
	case Hash:
		v := strings.TrimSpace(f[0])
		t, n, err := indicator.Detect(v)
		if err != nil || !t.IsHash() {
			return ind, &indicator.Problem{Value: v, Reason: "not an MD5, SHA-1, SHA-256 or SHA-512 hash"}
		}
		ind.Type, ind.Value = t, n
		rest := f[1:]
		if len(rest) >= 2 && isInt(rest[0]) {
			ind.Confidence = clampScore(rest[0])
			rest = rest[1:]
		}
		ind.Description = strings.TrimSpace(strings.Join(rest, ";"))
	case Filename:
		if len(f) < 2 || !isInt(f[1]) {
			return ind, &indicator.Problem{Value: s, Reason: "a filename IOC line has the form REGEX;SCORE[;FALSE-POSITIVE-REGEX]"}
		}
		// The regex itself may contain ";" — the score is the first integer field.
		re := strings.TrimSpace(f[0])
		score := f[1]
		fp := strings.TrimSpace(strings.Join(f[2:], ";"))
		if err := checkRegex(re); err != nil {
			return ind, err
		}
		if fp != "" {
			if err := checkRegex(fp); err != nil {
				err.Reason = "false-positive filter: " + err.Reason
				return ind, err
			}
		}
		ind.Type, ind.Value, ind.Exclude = indicator.PathRegex, re, fp
		ind.Confidence = clampScore(score)
		ind.Description = desc
	case C2:
		v := strings.TrimSpace(f[0])
		t, n, err := indicator.Detect(v)
		if err != nil {
			return ind, &indicator.Problem{Value: v, Reason: err.Error()}
		}
		switch t {
		case indicator.Domain, indicator.IPv4, indicator.IPv6:
		case indicator.Filename:
			// A name whose last label is not a top-level domain we know;
			// in a C2 file it is still a host name.
			d, err := indicator.Normalize(indicator.Domain, v)
			if err != nil {
				return ind, &indicator.Problem{Value: v, Reason: err.Error()}
			}
			t, n = indicator.Domain, d
		default:
			return ind, &indicator.Problem{Value: v, Reason: fmt.Sprintf("a C2 IOC is a domain or an IP address, not a %s", t)}
		}
		ind.Type, ind.Value = t, n
		if len(f) >= 2 && isInt(f[1]) {
			ind.Confidence = clampScore(f[1])
		}
		ind.Description = desc
	}
	return ind, nil
}

var unsupportedRE2 = regexp.MustCompile(`\(\?[=!<]|\\[1-9]`)

func checkRegex(re string) *indicator.Problem {
	if re == "" {
		return &indicator.Problem{Reason: "empty regular expression"}
	}
	if _, err := regexp.Compile(re); err != nil {
		if unsupportedRE2.MatchString(re) {
			return &indicator.Problem{Kind: indicator.ProblemUnsupported, Value: re,
				Reason: "the pattern uses a look-around or back-reference, which Vigie's regular expressions (RE2) cannot run"}
		}
		return &indicator.Problem{Value: re, Reason: "bad regular expression: " + err.Error()}
	}
	return nil
}

func clampScore(s string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(s))
	return max(0, min(100, n))
}

// ReadDir reads every file of dir whose name says it is a Loki IOC file
// (hash, filename, c2), as Loki initialises its signature folder.
func ReadDir(dir string, opts indicator.ReadOptions) (*indicator.Collection, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	all := &indicator.Collection{}
	found := false
	for _, e := range entries {
		k := KindOf(e.Name())
		if e.IsDir() || k == Unknown || !strings.HasSuffix(e.Name(), ".txt") {
			continue
		}
		found = true
		p := filepath.Join(dir, e.Name())
		f, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		o := opts
		o.Name = p
		c, err := Decode(f, k, o)
		f.Close()
		if err != nil {
			return nil, err
		}
		all.Merge(c)
	}
	if !found {
		return nil, fmt.Errorf("%s: no Loki IOC files (hash-iocs.txt, filename-iocs.txt, c2-iocs.txt) in this directory", dir)
	}
	return all, nil
}

// KindFor is the file an indicator of type t goes to, or Unknown when Loki
// cannot express it.
func KindFor(t indicator.Type) Kind {
	switch t {
	case indicator.MD5, indicator.SHA1, indicator.SHA256, indicator.SHA512:
		return Hash
	case indicator.PathRegex, indicator.Filename:
		return Filename
	case indicator.Domain, indicator.IPv4, indicator.IPv6:
		return C2
	}
	return Unknown
}

// Encode writes the indicators of c that belong in a file of the given kind.
func Encode(w io.Writer, c *indicator.Collection, kind Kind) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "# %s written by Vigie\n", fileNames[kind])
	lastDesc := ""
	for i := range c.Indicators {
		ind := &c.Indicators[i]
		if KindFor(ind.Type) != kind {
			continue
		}
		desc := oneLine(ind.Description)
		switch kind {
		case Hash:
			if ind.Confidence != 0 {
				fmt.Fprintf(bw, "%s;%d;%s\n", ind.Value, ind.Confidence, desc)
			} else {
				fmt.Fprintf(bw, "%s;%s\n", ind.Value, desc)
			}
		case Filename, C2:
			if desc != lastDesc && desc != "" {
				fmt.Fprintf(bw, "\n# %s\n", desc)
				lastDesc = desc
			}
			if kind == C2 {
				if ind.Confidence != 0 {
					fmt.Fprintf(bw, "%s;%d\n", ind.Value, ind.Confidence)
				} else {
					fmt.Fprintln(bw, ind.Value)
				}
				continue
			}
			re := ind.Value
			if ind.Type == indicator.Filename {
				re = `\\` + regexp.QuoteMeta(ind.Value) + `$`
			}
			score := ind.Confidence
			if score == 0 {
				score = 75
			}
			if ind.Exclude != "" {
				fmt.Fprintf(bw, "%s;%d;%s\n", re, score, ind.Exclude)
			} else {
				fmt.Fprintf(bw, "%s;%d\n", re, score)
			}
		}
	}
	return bw.Flush()
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, ";", ",")), " ")
}

// WriteDir writes hash-iocs.txt, filename-iocs.txt and c2-iocs.txt into dir
// (created if needed) for the indicators of c that Loki can express.
func WriteDir(dir string, c *indicator.Collection) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, k := range []Kind{Hash, Filename, C2} {
		p := filepath.Join(dir, fileNames[k])
		f, err := os.Create(p)
		if err != nil {
			return err
		}
		err = Encode(f, c, k)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	return nil
}
