// Package arc validates Authenticated Received Chains (RFC 8617): the
// ARC sets (ARC-Authentication-Results, ARC-Message-Signature,
// ARC-Seal) added by each intermediary, their instance numbering and cv=
// values, every seal and message signature, and reports the oldest
// instance whose message signature still validates and the upstream
// authentication results each hop claimed.
package arc

import (
	"bytes"
	"context"
	"crypto"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/vigie-project/vigie/internal/mailauth"
	"github.com/vigie-project/vigie/internal/mailauth/authres"
	"github.com/vigie-project/vigie/internal/mailauth/dkim"
)

// MaxInstances is the largest ARC instance number (RFC 8617 §4.2.1).
const MaxInstances = 50

// Result is the chain validation status (cv=).
type Result string

// Chain results.
const (
	None Result = "none"
	Pass Result = "pass"
	Fail Result = "fail"
	// TempError: a key could not be fetched; the chain is neither
	// proven nor disproven.
	TempError Result = "temperror"
)

// Set is one ARC set as validated.
type Set struct {
	Instance int    `json:"instance"`
	Domain   string `json:"domain"`   // AS d=
	Selector string `json:"selector"` // AS s=
	CV       string `json:"cv"`       // cv= claimed by the seal
	// SealOK: the ARC-Seal verifies. AMS: the message signature result.
	SealOK     bool                 `json:"seal_ok"`
	SealDetail string               `json:"seal_detail,omitempty"`
	AMS        dkim.SignatureResult `json:"ams"`
	// Claimed is the parsed ARC-Authentication-Results: what this hop
	// says it saw upstream (a claim, trustworthy only as far as the
	// sealer is trusted).
	Claimed      *authres.Results `json:"claimed,omitempty"`
	ClaimedError string           `json:"claimed_error,omitempty"`
}

// Report is the outcome of Verify.
type Report struct {
	Result Result `json:"result"`
	Detail string `json:"detail,omitempty"`
	Sets   []Set  `json:"sets,omitempty"`
	// OldestPass is the lowest instance from which every AMS up to the
	// newest validates (0 when the newest AMS fails or there is no chain).
	OldestPass int `json:"oldest_pass"`
}

type arcField struct {
	idx      int
	instance int
}

func instanceOf(f dkim.Field) (int, error) {
	v := f.Value()
	if strings.EqualFold(f.Name, "ARC-Authentication-Results") {
		v, _, _ = strings.Cut(v, ";")
		v += ";"
	}
	tl, err := dkim.ParseTagList(v)
	if err != nil {
		return 0, err
	}
	s, ok := tl.Get("i")
	if !ok {
		return 0, fmt.Errorf("%s without i=", f.Name)
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 || n > MaxInstances {
		return 0, fmt.Errorf("%s: i=%q is not 1..%d", f.Name, s, MaxInstances)
	}
	return n, nil
}

// Verify validates the ARC chain of raw. opts supplies the key resolver
// and key policy (the same as for DKIM).
func Verify(ctx context.Context, raw []byte, opts dkim.Options) Report {
	m, err := dkim.ParseMessage(raw)
	if err != nil {
		return Report{Result: Fail, Detail: err.Error()}
	}
	return VerifyMessage(ctx, m, opts)
}

// VerifyMessage is Verify on a parsed message.
func VerifyMessage(ctx context.Context, m *dkim.Message, opts dkim.Options) Report {
	if opts.Resolver == nil {
		opts.Resolver = mailauth.NewDNSResolver("", 0)
	}
	aar := map[int][]int{}
	ams := map[int][]int{}
	as := map[int][]int{}
	maxI := 0
	for i, f := range m.Fields {
		var tab map[int][]int
		switch strings.ToLower(f.Name) {
		case "arc-authentication-results":
			tab = aar
		case "arc-message-signature":
			tab = ams
		case "arc-seal":
			tab = as
		default:
			continue
		}
		n, err := instanceOf(f)
		if err != nil {
			return Report{Result: Fail, Detail: err.Error()}
		}
		tab[n] = append(tab[n], i)
		maxI = max(maxI, n)
	}
	if maxI == 0 {
		return Report{Result: None, Detail: "no ARC sets"}
	}
	rep := Report{}
	for i := 1; i <= maxI; i++ {
		if len(aar[i]) != 1 || len(ams[i]) != 1 || len(as[i]) != 1 {
			rep.Result = Fail
			rep.Detail = fmt.Sprintf("instance %d has %d ARC-Authentication-Results, %d ARC-Message-Signature, %d ARC-Seal (want exactly one each, instances 1..%d)", i, len(aar[i]), len(ams[i]), len(as[i]), maxI)
			return rep
		}
	}
	// Build sets, newest first checks.
	sets := make([]Set, maxI)
	tempFail := false
	for i := 1; i <= maxI; i++ {
		s := &sets[i-1]
		s.Instance = i
		seal := m.Fields[as[i][0]]
		tl, err := dkim.ParseTagList(seal.Value())
		if err != nil {
			s.SealDetail = err.Error()
		} else {
			s.CV = strings.ToLower(strings.TrimSpace(tl.Values["cv"]))
			s.Domain = strings.ToLower(strings.TrimSpace(tl.Values["d"]))
			s.Selector = strings.ToLower(strings.TrimSpace(tl.Values["s"]))
			if _, ok := tl.Get("h"); ok {
				s.SealDetail = "ARC-Seal must not have h="
			} else {
				ok, tmp, detail := verifySeal(ctx, m, as, ams, aar, i, tl, opts)
				s.SealOK, s.SealDetail = ok, detail
				tempFail = tempFail || tmp
			}
		}
		s.AMS = dkim.VerifyField(ctx, m, ams[i][0], true, opts)
		if s.AMS.Result == dkim.TempError {
			tempFail = true
		}
		av := m.Fields[aar[i][0]].Value()
		if c, err := authres.ParseARC(av); err != nil {
			s.ClaimedError = err.Error()
		} else {
			s.Claimed = c
		}
	}
	rep.Sets = sets
	// cv= rules (§5.2): instance 1 cv=none, later ones cv=pass; any
	// cv=fail ends the chain.
	for i := range sets {
		want := "pass"
		if i == 0 {
			want = "none"
		}
		if sets[i].CV != want {
			rep.Result = Fail
			rep.Detail = fmt.Sprintf("instance %d has cv=%s, want cv=%s", i+1, sets[i].CV, want)
			rep.OldestPass = oldestPass(sets)
			return rep
		}
	}
	newest := sets[maxI-1]
	if newest.AMS.Result != dkim.Pass || newest.AMS.Algorithm == "rsa-sha1" {
		rep.Result = Fail
		if newest.AMS.Result == dkim.TempError {
			rep.Result = TempError
		}
		rep.Detail = fmt.Sprintf("newest ARC-Message-Signature (i=%d) does not validate: %s %s", maxI, newest.AMS.Reason, newest.AMS.Detail)
		return rep
	}
	for i := maxI; i >= 1; i-- {
		if !sets[i-1].SealOK {
			rep.Result = Fail
			if tempFail {
				rep.Result = TempError
			}
			rep.Detail = fmt.Sprintf("ARC-Seal i=%d does not validate: %s", i, sets[i-1].SealDetail)
			rep.OldestPass = oldestPass(sets)
			return rep
		}
	}
	rep.Result = Pass
	rep.OldestPass = oldestPass(sets)
	return rep
}

func oldestPass(sets []Set) int {
	oldest := 0
	for i := len(sets); i >= 1; i-- {
		if sets[i-1].AMS.Result != dkim.Pass {
			break
		}
		oldest = i
	}
	return oldest
}

// verifySeal checks ARC-Seal i (RFC 8617 §5.1.1): its signature covers
// every ARC set from 1 to i, in order AAR, AMS, AS, relaxed
// canonicalization, with the b= of seal i emptied and no final CRLF.
func verifySeal(ctx context.Context, m *dkim.Message, as, ams, aar map[int][]int, inst int, tl dkim.TagList, opts dkim.Options) (ok, temporary bool, detail string) {
	alg := strings.ToLower(strings.TrimSpace(tl.Values["a"]))
	var h crypto.Hash
	var keyType string
	switch alg {
	case "rsa-sha256":
		h, keyType = crypto.SHA256, "rsa"
	case "ed25519-sha256":
		h, keyType = crypto.SHA256, "ed25519"
	default:
		return false, false, fmt.Sprintf("unsupported seal algorithm %q", alg)
	}
	sig, err := base64.StdEncoding.DecodeString(stripWS(tl.Values["b"]))
	if err != nil || len(sig) == 0 {
		return false, false, "seal b= is not base64"
	}
	var buf bytes.Buffer
	for i := 1; i <= inst; i++ {
		buf.Write(dkim.CanonicalizeHeader(m.Fields[aar[i][0]].Raw, dkim.Relaxed))
		buf.Write(dkim.CanonicalizeHeader(m.Fields[ams[i][0]].Raw, dkim.Relaxed))
		seal := m.Fields[as[i][0]].Raw
		if i == inst {
			c := dkim.CanonicalizeHeader(dkim.RemoveBValue(seal), dkim.Relaxed)
			buf.Write(bytes.TrimSuffix(c, []byte("\r\n")))
		} else {
			buf.Write(dkim.CanonicalizeHeader(seal, dkim.Relaxed))
		}
	}
	d := strings.ToLower(strings.TrimSpace(tl.Values["d"]))
	s := strings.ToLower(strings.TrimSpace(tl.Values["s"]))
	name := s + "._domainkey." + d
	recs, _, err := mailauth.LookupTXTSource(ctx, opts.Resolver, name)
	if err != nil {
		if mailauth.IsNotFound(err) {
			return false, false, "no key at " + name
		}
		return false, true, err.Error()
	}
	minBits := opts.MinRSABits
	if minBits == 0 {
		minBits = 1024
	}
	last := "no usable key at " + name
	for _, r := range recs {
		k, err := dkim.ParseKey(r)
		if err != nil {
			last = err.Error()
			continue
		}
		if k.KeyType != keyType {
			last = "key type does not match a=" + alg
			continue
		}
		if k.KeyType == "rsa" && k.Bits < minBits {
			last = fmt.Sprintf("RSA key of %d bits is too short", k.Bits)
			continue
		}
		if dkim.CheckSignature(k.Public, h, buf.Bytes(), sig) {
			return true, false, ""
		}
		last = "seal signature does not verify"
	}
	return false, false, last
}

func stripWS(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, s)
}
