// Package model is the mail analyzer's learned content model: a logistic
// regression over hashed features of a message — its words and word
// pairs, the character trigrams of its link domains, and structural traits
// (HTML only, number of links, pictures, attachment types) — that gives
// the probability that a message is phishing or a scam.
//
// It is compact (one float32 weight per hash bucket, 2^18 buckets, 1 MiB)
// and explainable: every feature of a message is known by name, so the
// words and traits that weighed most for a message can be told to people
// ("the words “verify”, “suspended” and “your account” weighed most").
//
// The default weights (weights.bin, embedded) are trained by
// `go run ./tools/mailtrain` on a labelled corpus; Update continues the
// training on a party's own mail (`vigie mail learn`), and Save/Load
// carry a model between machines (a model an agency trained and the hub
// hands out is just such a file).
//
// What the model must not learn: traits of how the training sample was
// collected rather than of phishing. Features read no header but the
// subject and the sender's display name (so no dates, no mailing-list
// fields, no relay names); words with digits (years, times, numbers) are
// left out; the caller strips quoted replies, mailing-list footers and the
// recipient's own name and address (the sample rewrote recipients) before
// building the Input. See Features.
package model

import (
	"bufio"
	"cmp"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
)

// Bits is the log2 of the number of hash buckets of a model.
const Bits = 18

const magic = "VIGIEMM1"

// maxModelBytes bounds a model file read by Load.
const maxModelBytes = 64 << 20

// Model is a logistic regression over hashed features. The zero value is
// not usable; build one with New, Load or Default. A Model is safe for
// concurrent scoring; Update must not run concurrently with scoring.
type Model struct {
	bits uint
	bias float32
	w    []float32
	// Ham and Phish count the messages the model was trained on.
	Ham, Phish int
	// Note says where the model comes from ("shared corpus mail-train,
	// 2026-12-07"); it is kept in the file.
	Note string
}

// New returns an untrained model with 2^bits buckets.
func New(bits uint) (*Model, error) {
	if bits < 8 || bits > 24 {
		return nil, fmt.Errorf("model: %d hash bits is out of range (8 to 24)", bits)
	}
	return &Model{bits: bits, w: make([]float32, 1<<bits)}, nil
}

//go:embed weights.bin
var embedded []byte

// Default returns the model embedded in the binary, trained on the
// project's corpus. It fails only if the embedded file is damaged.
func Default() (*Model, error) {
	m, err := Decode(embedded)
	if err != nil {
		return nil, fmt.Errorf("embedded mail model: %w", err)
	}
	return m, nil
}

// Load reads a model file written by Save.
func Load(path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("mail model: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxModelBytes+1))
	if err != nil {
		return nil, fmt.Errorf("mail model %s: %w", path, err)
	}
	if len(b) > maxModelBytes {
		return nil, fmt.Errorf("mail model %s: larger than %d bytes", path, maxModelBytes)
	}
	m, err := Decode(b)
	if err != nil {
		return nil, fmt.Errorf("mail model %s: %w", path, err)
	}
	return m, nil
}

// ErrFormat is returned for data that is not a model file.
var ErrFormat = errors.New("not a Vigie mail model (bad header or size)")

// Decode reads a model from its file bytes. The layout, little-endian:
// "VIGIEMM1", bits (u32), ham count (u32), phish count (u32), note length
// (u32) and note, bias (f32), then 2^bits weights (f32).
func Decode(b []byte) (*Model, error) {
	if len(b) < len(magic)+20 || string(b[:len(magic)]) != magic {
		return nil, ErrFormat
	}
	p := b[len(magic):]
	u32 := func() uint32 { v := binary.LittleEndian.Uint32(p); p = p[4:]; return v }
	bits := u32()
	ham, phish := u32(), u32()
	nl := u32()
	if bits < 8 || bits > 24 || uint64(nl) > uint64(len(p)) || nl > 4096 {
		return nil, ErrFormat
	}
	note := string(p[:nl])
	p = p[nl:]
	if uint64(len(p)) != 4+4*(uint64(1)<<bits) {
		return nil, ErrFormat
	}
	m := &Model{bits: uint(bits), Ham: int(ham), Phish: int(phish), Note: note, w: make([]float32, 1<<bits)}
	m.bias = math.Float32frombits(u32())
	for i := range m.w {
		m.w[i] = math.Float32frombits(binary.LittleEndian.Uint32(p[4*i:]))
		if f := float64(m.w[i]); math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("weight %d is not a number: %w", i, ErrFormat)
		}
	}
	return m, nil
}

// Encode returns the model's file bytes (see Decode).
func (m *Model) Encode() []byte {
	note := m.Note
	if len(note) > 4096 {
		note = note[:4096]
	}
	out := make([]byte, 0, len(magic)+24+len(note)+4*len(m.w))
	out = append(out, magic...)
	out = binary.LittleEndian.AppendUint32(out, uint32(m.bits))
	out = binary.LittleEndian.AppendUint32(out, uint32(m.Ham))
	out = binary.LittleEndian.AppendUint32(out, uint32(m.Phish))
	out = binary.LittleEndian.AppendUint32(out, uint32(len(note)))
	out = append(out, note...)
	out = binary.LittleEndian.AppendUint32(out, math.Float32bits(m.bias))
	for _, w := range m.w {
		out = binary.LittleEndian.AppendUint32(out, math.Float32bits(w))
	}
	return out
}

// Save writes the model to path (through a temporary file, so that a
// reader never sees half a model).
func (m *Model) Save(path string) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("mail model: %w", err)
	}
	bw := bufio.NewWriter(f)
	if _, err := bw.Write(m.Encode()); err != nil {
		f.Close()
		return fmt.Errorf("mail model %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("mail model %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("mail model %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("mail model %s: %w", path, err)
	}
	return nil
}

// Clone returns an independent copy (to update without touching a model
// in use).
func (m *Model) Clone() *Model {
	c := *m
	c.w = append([]float32(nil), m.w...)
	return &c
}

// bucket is the feature's FNV-1a 64-bit hash (hash/fnv's, computed
// without allocating) reduced to the model's buckets.
func (m *Model) bucket(f string) uint32 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(f); i++ {
		h ^= uint64(f[i])
		h *= 1099511628211
	}
	return uint32(h & (1<<m.bits - 1))
}

// Contribution is what one feature added to a message's log-odds.
type Contribution struct {
	Feature string  // "w:verify", "b:your account", "d:xyz", "t:html-only"
	Weight  float64 // positive towards phishing
}

// Scored is the model's judgement of one message.
type Scored struct {
	// P is the probability of phishing or a scam, from 0 to 1.
	P float64
	// Top are the features that weighed most towards the verdict's side
	// (towards phishing when P >= 0.5, else towards legitimate), heaviest
	// first, at most 8.
	Top []Contribution
	// Features is how many features the message had.
	Features int
}

// Score judges a message from its features (Features builds them).
func (m *Model) Score(feats []string) Scored {
	z := float64(m.bias)
	ws := make([]float64, len(feats))
	for i, f := range feats {
		w := float64(m.w[m.bucket(f)])
		z += w
		ws[i] = w
	}
	s := Scored{P: sigmoid(z), Features: len(feats)}
	sign := 1.0
	if s.P < 0.5 {
		sign = -1
	}
	// the heaviest towards the verdict's side, ties in feature order:
	// only those on that side are sorted (the others are never shown)
	var cs []Contribution
	for i, w := range ws {
		if w*sign > 0 {
			cs = append(cs, Contribution{feats[i], w})
		}
	}
	slices.SortStableFunc(cs, func(a, b Contribution) int { return cmp.Compare(b.Weight*sign, a.Weight*sign) })
	if len(cs) > 8 {
		cs = cs[:8:8]
	}
	s.Top = cs
	return s
}

func sigmoid(z float64) float64 {
	if z > 30 {
		z = 30
	} else if z < -30 {
		z = -30
	}
	return 1 / (1 + math.Exp(-z))
}

// Example is one labelled message for training.
type Example struct {
	Features []string
	Phish    bool
}

// TrainOptions set the training.
type TrainOptions struct {
	Epochs int     // passes over the data (default 12)
	Rate   float64 // AdaGrad base learning rate (default 0.2)
	L2     float64 // weight decay per example (default 1e-6)
	Seed   uint64  // order of examples (deterministic)
}

func (o *TrainOptions) defaults() {
	if o.Epochs <= 0 {
		o.Epochs = 12
	}
	if o.Rate <= 0 {
		o.Rate = 0.2
	}
	if o.L2 <= 0 {
		o.L2 = 1e-6
	}
}

// Train fits a new model on the examples. The classes are weighted so
// that each counts as much as the other, whatever their sizes. Training
// is deterministic for a given Seed and order of examples.
func Train(ex []Example, opts TrainOptions) (*Model, error) {
	m, err := New(Bits)
	if err != nil {
		return nil, err
	}
	if err := m.Update(ex, opts); err != nil {
		return nil, err
	}
	return m, nil
}

// Update continues training on more examples (a party's own mail). The
// model keeps what it knew: it moves only as far as the new examples
// push it.
func (m *Model) Update(ex []Example, opts TrainOptions) error {
	opts.defaults()
	var nh, np int
	for _, e := range ex {
		if e.Phish {
			np++
		} else {
			nh++
		}
	}
	if nh+np == 0 {
		return errors.New("model: no examples to learn from")
	}
	// class weights: each class weighs half
	wp, wh := 1.0, 1.0
	if np > 0 && nh > 0 {
		wp = float64(nh+np) / (2 * float64(np))
		wh = float64(nh+np) / (2 * float64(nh))
	}
	idx := make([][]uint32, len(ex))
	for i, e := range ex {
		seen := map[uint32]bool{}
		for _, f := range e.Features {
			b := m.bucket(f)
			if !seen[b] {
				seen[b] = true
				idx[i] = append(idx[i], b)
			}
		}
	}
	g2 := make([]float32, len(m.w)) // AdaGrad accumulators
	var gb float64 = 1
	order := make([]int, len(ex))
	for i := range order {
		order[i] = i
	}
	rng := opts.Seed*2862933555777941757 + 3037000493
	for ep := 0; ep < opts.Epochs; ep++ {
		for i := len(order) - 1; i > 0; i-- { // Fisher–Yates, xorshift
			rng ^= rng << 13
			rng ^= rng >> 7
			rng ^= rng << 17
			j := int(rng % uint64(i+1))
			order[i], order[j] = order[j], order[i]
		}
		for _, k := range order {
			z := float64(m.bias)
			for _, b := range idx[k] {
				z += float64(m.w[b])
			}
			y, cw := 0.0, wh
			if ex[k].Phish {
				y, cw = 1, wp
			}
			g := (sigmoid(z) - y) * cw
			gb += g * g
			m.bias -= float32(opts.Rate * g / math.Sqrt(gb))
			for _, b := range idx[k] {
				gi := g + opts.L2*float64(m.w[b])
				g2[b] += float32(gi * gi)
				m.w[b] -= float32(opts.Rate * gi / math.Sqrt(float64(g2[b])+1))
			}
		}
	}
	m.Ham += nh
	m.Phish += np
	return nil
}

// Describe turns a feature into words for people: “verify” (a word),
// “your account” (two words), “verify” in the subject, a link domain
// like “xyz”, or a trait's sentence.
func Describe(f string) string {
	k, v, _ := strings.Cut(f, ":")
	switch k {
	case "w", "b":
		return "“" + v + "”"
	case "s":
		return "“" + v + "” in the subject"
	case "n":
		return "“" + v + "” in the sender's name"
	case "d":
		return "link domains containing “" + v + "”"
	case "tld":
		return "links to ." + v + " sites"
	case "t":
		if d, ok := traitText[v]; ok {
			return d
		}
		if ext, ok := strings.CutPrefix(v, "att-"); ok {
			return "a ." + ext + " attachment"
		}
		return v
	}
	return f
}

// Vet refuses a model that decodes but cannot judge mail: one trained on
// no legitimate or no phishing message, or whose weights are all zero.
// The hub runs it on an upload and sensors on what they receive, so that
// such a file never replaces the model in force.
func (m *Model) Vet() error {
	if m.Ham <= 0 || m.Phish <= 0 {
		return fmt.Errorf("mail model trained on %d legitimate and %d phishing messages: it needs both", m.Ham, m.Phish)
	}
	for _, w := range m.w {
		if w != 0 {
			return nil
		}
	}
	return errors.New("mail model has no weights (all zero): it was never trained")
}
