package model

import (
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// TestFeaturesAndScoreAsReference: Features and Score, written to
// allocate less, give exactly what the straightforward versions below
// give (the ones they replaced): the same features in the same order, the
// same probability and the same top contributions, ties in feature order.
func TestFeaturesAndScoreAsReference(t *testing.T) {
	m, err := New(10)
	if err != nil {
		t.Fatal(err)
	}
	for i := range m.w { // few distinct weights: many ties
		m.w[i] = float32(i%7-3) * 0.5
	}
	long := strings.Repeat("Votre compte a été suspendu, vérifiez votre compte maintenant. ", 40)
	inputs := []Input{
		{},
		{Subject: "Your account", FromName: "Service", Text: "verify your account now"},
		{Subject: "Compte rendu", Text: long, LinkHosts: []string{"www.example.org", "Example.ORG.", "login.example.co.uk", "192.0.2.1", "x"}, Traits: []string{"html-only", "links-many"}, Drop: []string{"Staff"}},
		{Text: strings.Repeat("a b c d e f g h i j k ", 300) + long, Drop: []string{"compte"}},
	}
	for _, s := range []string{"phishing", "hello world", "été", "don't click"} {
		inputs = append(inputs, Input{Subject: s, Text: strings.Repeat(s+" ", 5)})
	}
	for i, in := range inputs {
		got, want := Features(in), featuresRef(in)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("input %d: features %q, want %q", i, got, want)
		}
		for _, mm := range []*Model{m, negate(m)} {
			if gs, ws := mm.Score(want), scoreRef(mm, want); gs.P != ws.P || gs.Features != ws.Features || !reflect.DeepEqual(append([]Contribution{}, gs.Top...), append([]Contribution{}, ws.Top...)) {
				t.Errorf("input %d: score %+v, want %+v", i, gs, ws)
			}
		}
	}
	if _, err := strconv.Atoi("1"); err != nil { // keep strconv for featuresRef
		t.Fatal(err)
	}
}

func negate(m *Model) *Model {
	c := m.Clone()
	for i := range c.w {
		c.w[i] = -c.w[i]
	}
	c.bias = -3
	return c
}

func scoreRef(m *Model, feats []string) Scored {
	z := float64(m.bias)
	cs := make([]Contribution, 0, len(feats))
	for _, f := range feats {
		w := float64(m.w[m.bucket(f)])
		z += w
		cs = append(cs, Contribution{f, w})
	}
	s := Scored{P: sigmoid(z), Features: len(feats)}
	sign := 1.0
	if s.P < 0.5 {
		sign = -1
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].Weight*sign > cs[j].Weight*sign })
	for _, c := range cs {
		if len(s.Top) == 8 || c.Weight*sign <= 0 {
			break
		}
		s.Top = append(s.Top, c)
	}
	return s
}

func featuresRef(in Input) []string {
	drop := map[string]bool{}
	for _, d := range in.Drop {
		drop[strings.ToLower(d)] = true
	}
	seen := map[string]bool{}
	var out []string
	add := func(f string) {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	for _, w := range words(in.Subject, 60, drop) {
		add("s:" + w)
		add("w:" + w)
	}
	for _, w := range words(in.FromName, 12, drop) {
		add("n:" + w)
	}
	ws := words(in.Text, maxWords, drop)
	for i, w := range ws {
		add("w:" + w)
		if i > 0 {
			add("b:" + ws[i-1] + " " + w)
		}
	}
	n := 0
	for _, h := range in.LinkHosts {
		if n == maxLinkHosts {
			break
		}
		h = strings.TrimSuffix(strings.ToLower(h), ".")
		if h == "" || seen["h:"+h] {
			continue
		}
		seen["h:"+h] = true
		n++
		labels := strings.Split(h, ".")
		if len(labels) < 2 {
			continue
		}
		tld := labels[len(labels)-1]
		if _, err := strconv.Atoi(tld); err == nil {
			continue // an IP address: a trait, not a name
		}
		add("tld:" + tld)
		name := labels[len(labels)-2]
		if len(labels) >= 3 && len(name) <= 3 { // co.uk, com.br
			name = labels[len(labels)-3]
		}
		name = "^" + name + "$"
		for i := 0; i+3 <= len(name); i++ {
			add("d:" + name[i:i+3])
		}
	}
	for _, t := range in.Traits {
		add("t:" + t)
	}
	return out
}
