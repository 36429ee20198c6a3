package milter

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/vigie-project/vigie/internal/mail"
)

// Action is what the MTA is told to do with a message.
type Action string

// Actions.
const (
	Accept     Action = "accept"     // deliver, with the X-Vigie headers
	Tag        Action = "tag"        // deliver, with the headers and a subject prefix
	Quarantine Action = "quarantine" // hold in the MTA's quarantine (Postfix: hold queue)
	Reject     Action = "reject"     // refuse with a 5xx reply
	Tempfail   Action = "tempfail"   // refuse with a 4xx reply; the sender retries
)

// Policy says what to do with each verdict and when analysis fails.
type Policy struct {
	Actions map[mail.Verdict]Action
	// FailOpen accepts mail (marked unchecked) when it cannot be analysed
	// in time; otherwise such mail is tempfailed and retried later.
	FailOpen bool
	// RejectText is the SMTP reply text of rejected mail.
	RejectText string
	// SubjectTag is prefixed to the subject of tagged mail; %s is the
	// verdict in capitals.
	SubjectTag string
	// AuthServID names this server in the Authentication-Results field.
	AuthServID string
	// Timeout bounds the analysis of one message.
	Timeout time.Duration
	// MaxMessageBytes: larger messages are analysed on their start.
	MaxMessageBytes int
}

// DefaultPolicy rejects malicious mail, quarantines phishing, tags
// suspicious mail, and fails open (a filter problem must not stop a
// campaign's mail).
func DefaultPolicy() Policy {
	return Policy{
		Actions: map[mail.Verdict]Action{
			mail.Clean: Accept, mail.Suspicious: Tag, mail.Phishing: Quarantine, mail.Malicious: Reject,
		},
		FailOpen:        true,
		RejectText:      "5.7.1 Message refused: it carries malware or phishing (vigie)",
		SubjectTag:      "[%s] ",
		AuthServID:      "vigie",
		Timeout:         20 * time.Second,
		MaxMessageBytes: 50 << 20,
	}
}

// LoadPolicy reads a policy file. The format is one setting per line,
// "#" starts a comment:
//
//	clean       accept
//	suspicious  tag
//	phishing    quarantine
//	malicious   reject
//	on-failure  open            # or: closed
//	reject-text 5.7.1 Refused as phishing; call the IT desk
//	subject-tag [%s]
//	authserv-id mx.party.example
//	timeout     20s
//	max-size    52428800
//
// Settings not given keep DefaultPolicy's values. Errors name the file
// and line.
func LoadPolicy(path string) (Policy, error) {
	f, err := os.Open(path)
	if err != nil {
		return Policy{}, fmt.Errorf("policy: %w", err)
	}
	defer f.Close()
	return ParsePolicy(f, path)
}

// ParsePolicy reads a policy from r; name is used in errors.
func ParsePolicy(r io.Reader, name string) (Policy, error) {
	p := DefaultPolicy()
	sc := bufio.NewScanner(io.LimitReader(r, 1<<20))
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		key, val, _ := strings.Cut(line, " ")
		key = strings.ToLower(key)
		val = strings.TrimSpace(val)
		bad := func(format string, a ...any) error {
			return fmt.Errorf("%s:%d: %s", name, n, fmt.Sprintf(format, a...))
		}
		switch key {
		case "clean", "suspicious", "phishing", "malicious":
			act := Action(strings.ToLower(val))
			switch act {
			case Accept, Tag, Quarantine, Reject, Tempfail:
			default:
				return p, bad("%q is not an action (accept, tag, quarantine, reject, tempfail)", val)
			}
			p.Actions[mail.Verdict(key)] = act
		case "on-failure":
			switch strings.ToLower(val) {
			case "open":
				p.FailOpen = true
			case "closed":
				p.FailOpen = false
			default:
				return p, bad("on-failure must be open or closed, not %q", val)
			}
		case "reject-text":
			if len(val) < 5 || val[0] != '5' || val[1] != '.' || strings.ContainsAny(val, "\r\n") {
				return p, bad("reject-text must start with an enhanced status code like 5.7.1")
			}
			p.RejectText = val
		case "subject-tag":
			p.SubjectTag = val + " "
		case "authserv-id":
			if val == "" || strings.ContainsAny(val, " ;\r\n") {
				return p, bad("authserv-id must be one word")
			}
			p.AuthServID = val
		case "timeout":
			d, err := time.ParseDuration(val)
			if err != nil || d <= 0 {
				return p, bad("timeout %q is not a duration like 20s", val)
			}
			p.Timeout = d
		case "max-size":
			v, err := strconv.Atoi(val)
			if err != nil || v < 1024 {
				return p, bad("max-size %q is not a size in bytes (at least 1024)", val)
			}
			p.MaxMessageBytes = v
		default:
			return p, bad("unknown setting %q", key)
		}
	}
	if err := sc.Err(); err != nil {
		return p, fmt.Errorf("%s:%d: %w", name, n, err)
	}
	return p, nil
}

// Analyzers holds the analyzer in force while the milter runs. When the
// hub's indicators or rules change, a new analyzer is built aside with the
// whole new set and swapped in at once (Store); each message is analysed
// by the one analyzer it got when its analysis began, so no message is
// ever checked against a half-applied set, and messages in progress finish
// with the set they started with.
type Analyzers struct {
	p atomic.Pointer[mail.Analyzer]
}

// Load returns the analyzer in force (nil before the first Store).
func (a *Analyzers) Load() *mail.Analyzer { return a.p.Load() }

// Store puts a in force for the messages whose analysis starts from now.
func (a *Analyzers) Store(x *mail.Analyzer) { a.p.Store(x) }

// analyzer is the analyzer for a message starting now: the live one when
// the server has Live set, else Analyzer.
func (s *Server) analyzer() *mail.Analyzer {
	if s.Live != nil {
		if a := s.Live.Load(); a != nil {
			return a
		}
	}
	return s.Analyzer
}
