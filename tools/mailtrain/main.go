// Command mailtrain trains the mail analyzer's learned content model
// (internal/mail/model) on a labelled corpus and measures it honestly.
//
//	go run ./tools/mailtrain -corpus /work/shared/corpus/mail-train \
//	    -out internal/mail/model/weights.bin \
//	    -test /work/shared/corpus/mail
//
// The corpus is a directory with labels.jsonl ({"file": "phish/x.eml",
// "label": "phish"|"ham", "source": "..."}) and the files it names.
//
// It first cross-validates, grouped by campaign: messages are joined into
// campaigns when they share a normalised subject, a sender display name or
// a rare link domain (union–find), and each campaign falls wholly in one
// of the folds, so that a held-out message never has a sibling of its
// campaign in training. Only held-out figures are printed, for the model
// alone and for the verdicts of the rules plus the model. Then it trains
// on the whole corpus and writes the model; with -test it measures the
// written model on a corpus it was never trained or tuned on, and checks
// that the legitimate mail scores the same without its mailing-list
// headers and footer (a model that learned the sample's collection would
// not).
//
// Training is deterministic: the same corpus and flags give the same
// weights file.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/vigie-project/vigie/internal/mail"
	"github.com/vigie-project/vigie/internal/mail/model"
	"github.com/vigie-project/vigie/internal/mime"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "mailtrain:", err)
		os.Exit(1)
	}
}

type item struct {
	file, label, source string
	raw                 []byte
	res                 *mail.Result
	feats               []string
	campaign            int
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("mailtrain", flag.ContinueOnError)
	corpus := fs.String("corpus", "", "training corpus directory (labels.jsonl)")
	outPath := fs.String("out", "", "write the trained model here")
	test := fs.String("test", "", "final test corpus: measured once with the written model, never trained or tuned on")
	folds := fs.Int("folds", 5, "cross-validation folds (0: none)")
	epochs := fs.Int("epochs", 12, "training passes")
	note := fs.String("note", "", "note stored in the model file")
	bySource := fs.Bool("by-source", false, "also train without each legitimate source in turn and measure on it (mail of a kind never seen)")
	fs.StringVar(&dumpPath, "dump", "", "write the held-out judgement of each message here (JSON lines)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *corpus == "" {
		return fmt.Errorf("-corpus is required")
	}
	a, err := mail.New(mail.Options{})
	if err != nil {
		return err
	}
	items, err := load(a, *corpus)
	if err != nil {
		return err
	}
	opts := model.TrainOptions{Epochs: *epochs}
	if *folds > 1 {
		n := campaigns(items)
		fmt.Fprintf(out, "%d messages in %d campaigns; %d-fold cross-validation grouped by campaign (held-out figures only)\n", len(items), n, *folds)
		if err := crossValidate(items, *folds, opts, out); err != nil {
			return err
		}
	}
	if *bySource {
		if err := leaveSourceOut(items, opts, out); err != nil {
			return err
		}
	}
	if *outPath == "" {
		return nil
	}
	var ex []model.Example
	for _, it := range items {
		ex = append(ex, model.Example{Features: it.feats, Phish: it.label == "phish"})
	}
	m, err := model.Train(ex, opts)
	if err != nil {
		return err
	}
	m.Note = *note
	if m.Note == "" {
		m.Note = "trained by tools/mailtrain on " + filepath.Base(*corpus)
	}
	if err := m.Save(*outPath); err != nil {
		return err
	}
	fmt.Fprintf(out, "model written to %s (%d ham, %d phishing)\n", *outPath, m.Ham, m.Phish)
	if *test != "" {
		titems, err := load(a, *test)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "\nfinal test on %s (%d messages, never trained or tuned on)\n", *test, len(titems))
		ps := make([]float64, len(titems))
		for i, it := range titems {
			ps[i] = m.Score(it.feats).P
		}
		report(titems, ps, out)
		artefacts(a, m, titems, out)
	}
	return nil
}

// load reads and analyzes (rules only) every message of a corpus, on two
// goroutines.
func load(a *mail.Analyzer, dir string) ([]*item, error) {
	f, err := os.Open(filepath.Join(dir, "labels.jsonl"))
	if err != nil {
		return nil, fmt.Errorf("corpus: %w", err)
	}
	defer f.Close()
	var items []*item
	sc := bufio.NewScanner(f)
	for ln := 1; sc.Scan(); ln++ {
		var l struct{ File, Label, Source string }
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", f.Name(), ln, err)
		}
		if l.Label != "ham" && l.Label != "phish" {
			return nil, fmt.Errorf("%s line %d: label %q is neither ham nor phish", f.Name(), ln, l.Label)
		}
		items = append(items, &item{file: l.File, label: l.Label, source: l.Source})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name(), err)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(items))
	next := make(chan int)
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				it := items[i]
				raw, err := os.ReadFile(filepath.Join(dir, it.file))
				if err != nil {
					errs[i] = fmt.Errorf("corpus: %w", err)
					continue
				}
				it.raw = raw
				it.res, it.feats = a.ModelFeatures(it.file, raw)
			}
		}()
	}
	for i := range items {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	slog.Debug("corpus loaded", "dir", dir, "messages", len(items))
	return items, nil
}

var (
	subjPrefix = regexp.MustCompile(`(?i)^\s*((re|fw|fwd|tr|aw|wg|sv|rv|enc)\s*(\[\d+\])?\s*:\s*|\[[^\]]{1,40}\]\s*)+`)
	digitsRe   = regexp.MustCompile(`[0-9]+`)
	spacesRe   = regexp.MustCompile(`\s+`)
)

func normSubject(s string) string {
	s = subjPrefix.ReplaceAllString(s, "")
	s = digitsRe.ReplaceAllString(strings.ToLower(s), "#")
	s = spacesRe.ReplaceAllString(strings.TrimSpace(s), " ")
	if len(s) < 4 {
		return ""
	}
	return s
}

// campaigns joins messages into campaigns (same normalised subject, same
// sender display name, or a shared link domain that is not common to
// both classes), sets item.campaign and returns the number of campaigns.
func campaigns(items []*item) int {
	parent := make([]int, len(items))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	union := func(i, j int) { parent[find(i)] = find(j) }
	keys := map[string][]int{}
	domClass := map[string]map[string]bool{}
	for i, it := range items {
		m, err := mime.Parse(it.raw, mime.Limits{})
		if err != nil {
			continue
		}
		if s := normSubject(m.Header.Get("Subject")); s != "" {
			keys["s:"+s] = append(keys["s:"+s], i)
		}
		if fl := mime.ParseAddressList(m.Header.Get("From")); len(fl) > 0 {
			if n := strings.ToLower(strings.TrimSpace(fl[0].Name)); len(n) >= 3 {
				keys["n:"+n] = append(keys["n:"+n], i)
			}
		}
		for _, d := range linkDomains(it) {
			keys["d:"+d] = append(keys["d:"+d], i)
			if domClass[d] == nil {
				domClass[d] = map[string]bool{}
			}
			domClass[d][it.label] = true
		}
	}
	for k, idx := range keys {
		if strings.HasPrefix(k, "d:") {
			// a domain both classes link to (a big web site, a social
			// network), or one in more than 2 % of all messages (a mail
			// host's link-rewriting service, a mailing list's archive),
			// says nothing of a campaign
			if c := domClass[k[2:]]; c["ham"] && c["phish"] || len(idx)*50 > len(items) {
				continue
			}
		}
		for _, j := range idx[1:] {
			union(idx[0], j)
		}
	}
	ids := map[int]int{}
	for i, it := range items {
		r := find(i)
		if _, ok := ids[r]; !ok {
			ids[r] = len(ids)
		}
		it.campaign = ids[r]
	}
	return len(ids)
}

var hrefRe = regexp.MustCompile(`(?i)https?://([a-z0-9.-]+\.[a-z]{2,})`)

// linkDomains are the registrable-ish domains (last two labels) of the
// URLs written in the raw message.
func linkDomains(it *item) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range hrefRe.FindAllSubmatch(it.raw, 200) {
		h := strings.ToLower(string(m[1]))
		l := strings.Split(h, ".")
		if len(l) > 2 {
			h = strings.Join(l[len(l)-2:], ".")
		}
		if !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	return out
}

// crossValidate trains on all folds but one and scores that one, for
// each fold, and prints the held-out figures.
func crossValidate(items []*item, k int, opts model.TrainOptions, out io.Writer) error {
	// assign campaigns to folds, largest first, to the lightest fold
	size := map[int]int{}
	for _, it := range items {
		size[it.campaign]++
	}
	var cs []int
	for c := range size {
		cs = append(cs, c)
	}
	sort.Slice(cs, func(i, j int) bool {
		if size[cs[i]] != size[cs[j]] {
			return size[cs[i]] > size[cs[j]]
		}
		return hash(cs[i]) < hash(cs[j])
	})
	fold := map[int]int{}
	load := make([]int, k)
	for _, c := range cs {
		best := 0
		for f := range load {
			if load[f] < load[best] {
				best = f
			}
		}
		fold[c] = best
		load[best] += size[c]
	}
	fmt.Fprintf(out, "fold sizes: %v; largest campaign: %d messages\n", load, size[cs[0]])
	ps := make([]float64, len(items))
	for f := 0; f < k; f++ {
		var ex []model.Example
		for _, it := range items {
			if fold[it.campaign] != f {
				ex = append(ex, model.Example{Features: it.feats, Phish: it.label == "phish"})
			}
		}
		m, err := model.Train(ex, opts)
		if err != nil {
			return err
		}
		for i, it := range items {
			if fold[it.campaign] == f {
				ps[i] = m.Score(it.feats).P
			}
		}
	}
	report(items, ps, out)
	if dumpPath != "" {
		f, err := os.Create(dumpPath)
		if err != nil {
			return err
		}
		defer f.Close()
		enc := json.NewEncoder(f)
		for i, it := range items {
			comb := it.res.WithModel(model.Scored{P: ps[i]}, "")
			enc.Encode(map[string]any{"file": it.file, "label": it.label, "campaign": it.campaign, "fold": fold[it.campaign], "p": ps[i], "rules": it.res.Verdict, "verdict": comb.Verdict, "score": comb.Score})
		}
	}
	return nil
}

// dumpPath, when set (-dump), receives one JSON line per held-out message.
var dumpPath string

func hash(i int) uint64 {
	h := fnv.New64a()
	fmt.Fprint(h, i)
	return h.Sum64()
}

// report prints the figures of the model alone at several thresholds,
// and of the rules alone and the rules with the model, per label and
// source.
func report(items []*item, ps []float64, out io.Writer) {
	fmt.Fprintln(out, "model alone (share of messages at or above the probability):")
	for _, th := range []float64{0.5, mail.ModelSomeP, mail.ModelHighP, mail.ModelStrongP} {
		var ph, pt, hh, ht int
		for i, it := range items {
			if it.label == "phish" {
				pt++
				if ps[i] >= th {
					ph++
				}
			} else {
				ht++
				if ps[i] >= th {
					hh++
				}
			}
		}
		fmt.Fprintf(out, "  p >= %.3f: phishing %5.1f %%  legitimate %5.2f %%\n", th, pct(ph, pt), pct(hh, ht))
	}
	var hamLow, hamT int
	for i, it := range items {
		if it.label == "ham" {
			hamT++
			if ps[i] <= mail.ModelHamP {
				hamLow++
			}
		}
	}
	fmt.Fprintf(out, "  p <= %.3f: legitimate %.1f %%\n", mail.ModelHamP, pct(hamLow, hamT))
	type key struct{ label, source string }
	type tally struct{ n, rulesHard, rulesAny, hard, any int }
	t := map[key]*tally{}
	for i, it := range items {
		comb := it.res.WithModel(model.Scored{P: ps[i]}, "")
		for _, k := range []key{{it.label, "all"}, {it.label, it.source}} {
			if t[k] == nil {
				t[k] = &tally{}
			}
			x := t[k]
			x.n++
			if hard(it.res.Verdict) {
				x.rulesHard++
			}
			if it.res.Verdict != mail.Clean {
				x.rulesAny++
			}
			if hard(comb.Verdict) {
				x.hard++
			}
			if comb.Verdict != mail.Clean {
				x.any++
			}
		}
	}
	var keys []key
	for k := range t {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].label != keys[j].label {
			return keys[i].label > keys[j].label
		}
		return keys[i].source < keys[j].source
	})
	fmt.Fprintln(out, "verdicts (phishing or malicious / flagged at all):")
	fmt.Fprintf(out, "  %-6s %-24s %6s  %-17s  %-17s\n", "label", "source", "n", "rules alone", "rules + model")
	for _, k := range keys {
		x := t[k]
		fmt.Fprintf(out, "  %-6s %-24s %6d  %6.1f %% / %5.1f %%  %6.1f %% / %5.1f %%\n", k.label, k.source, x.n,
			pct(x.rulesHard, x.n), pct(x.rulesAny, x.n), pct(x.hard, x.n), pct(x.any, x.n))
	}
}

func hard(v mail.Verdict) bool { return v == mail.Phishing || v == mail.Malicious }

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) * 100 / float64(b)
}

var (
	listHeader = regexp.MustCompile(`(?im)^(list-[a-z-]+|mailing-list|x-mailing-list|x-beenthere|precedence|x-mailman-version):.*(\r?\n[ \t].*)*\r?\n`)
	footerRe   = regexp.MustCompile(`(?s)\n_{10,}\s*\n.*$`)
)

// artefacts checks that the legitimate mail scores the same once its
// mailing-list headers and footer are taken away: a model that had
// learned where the sample came from would score it as phishing then.
func artefacts(a *mail.Analyzer, m *model.Model, items []*item, out io.Writer) {
	var n, moved, crossed int
	var sum float64
	for _, it := range items {
		if it.label != "ham" {
			continue
		}
		hdrEnd := strings.Index(string(it.raw), "\n\n")
		if hdrEnd < 0 {
			continue
		}
		h := listHeader.ReplaceAllString(string(it.raw[:hdrEnd+1]), "")
		body := footerRe.ReplaceAllString(string(it.raw[hdrEnd+1:]), "\n")
		_, f2 := a.ModelFeatures(it.file, []byte(h+body))
		p1, p2 := m.Score(it.feats).P, m.Score(f2).P
		n++
		d := p2 - p1
		if d < 0 {
			d = -d
		}
		sum += d
		if d > 0.05 {
			moved++
		}
		if (p1 >= mail.ModelHighP) != (p2 >= mail.ModelHighP) {
			crossed++
		}
	}
	fmt.Fprintf(out, "artefact check on %d legitimate messages without List-* headers and list footer: mean |Δp| %.4f, %d moved by more than 0.05, %d crossed the %.2f threshold\n",
		n, sum/float64(max(n, 1)), moved, crossed, mail.ModelHighP)
}

// leaveSourceOut measures the legitimate mail of each source with a model
// trained without any message of that source (and without a fifth of the
// phishing campaigns, measured too): how the model treats legitimate
// mail of a kind it has never seen, such as a mailing list it was never
// tuned on.
func leaveSourceOut(items []*item, opts model.TrainOptions, out io.Writer) error {
	sources := map[string]bool{}
	for _, it := range items {
		if it.label == "ham" {
			sources[it.source] = true
		}
	}
	var names []string
	for s := range sources {
		names = append(names, s)
	}
	sort.Strings(names)
	fmt.Fprintln(out, "legitimate sources left out of training in turn (rules + model on the left-out source):")
	for _, src := range names {
		var ex []model.Example
		for _, it := range items {
			if it.source != src && !(it.label == "phish" && it.campaign%5 == 0) {
				ex = append(ex, model.Example{Features: it.feats, Phish: it.label == "phish"})
			}
		}
		m, err := model.Train(ex, opts)
		if err != nil {
			return err
		}
		var n, hardN, anyN, pn, pHard int
		for _, it := range items {
			switch {
			case it.source == src:
				r := it.res.WithModel(m.Score(it.feats), "")
				n++
				if hard(r.Verdict) {
					hardN++
				}
				if r.Verdict != mail.Clean {
					anyN++
				}
			case it.label == "phish" && it.campaign%5 == 0:
				r := it.res.WithModel(m.Score(it.feats), "")
				pn++
				if hard(r.Verdict) {
					pHard++
				}
			}
		}
		fmt.Fprintf(out, "  %-24s n=%4d  phishing or malicious %5.1f %%  flagged %5.1f %%   (held-out phishing campaigns: %5.1f %% of %d)\n", src, n, pct(hardN, n), pct(anyN, n), pct(pHard, pn), pn)
	}
	return nil
}
