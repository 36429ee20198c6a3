package stix

import (
	"encoding/json"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/vigie-project/vigie/internal/indicator"
)

// Decoding is split in two so that a large bundle is decoded on every core
// while the result stays exactly what a one-object-at-a-time read gives:
//
//   - a objParser turns one object into indicators and a list of ops (a
//     problem to report, a count to skip, an identity, a marking, a threat,
//     a relationship…) without touching shared state; several parsers run
//     at once on batches of objects;
//   - the decoder applies the ops in input order on one goroutine: limits,
//     the problem cap, the first error of a strict read and the order of
//     indicators, problems and threats are decided there, as if the objects
//     were read one after the other.
//
// Small inputs never start the pipeline: the first pipelineAfter objects are
// parsed and applied on the reading goroutine.

// opKind says what an op asks the decoder to do.
type opKind uint8

const (
	opObject      opKind = iota // an object starts: count it against MaxItems
	opFail                      // stop with err
	opMalformed                 // report a malformed problem (a: where, b: value, c: reason)
	opUnsupported               // report an unsupported problem (a, b, c as above)
	opSkip                      // count a in Skipped
	opAdd                       // n more indicators of the object
	opIdentity                  // identity a is named b
	opMarking                   // marking-definition a is TLP b
	opIndicates                 // indicator a indicates b
	opThreat                    // threat object a is th
	opPending                   // the object's indicators carry marking a, not known yet
)

type op struct {
	kind    opKind
	n       int
	a, b, c string
	th      *indicator.Threat
	err     error
}

// errStop ends the parsing of an object after a malformed problem in a
// strict read: the decoder returns the problem when it applies it.
var errStop = errors.New("stop")

// objParser decodes objects into ops and indicators. It is used by one
// goroutine at a time.
type objParser struct {
	opts   indicator.ReadOptions
	index  int   // number of the object being parsed in the input (from 1)
	offset int64 // its input offset
	ops    []op
	inds   []indicator.Indicator
	intern map[string]string
	one    [1]Value // the value of a simple pattern, without an allocation
	obj    rawObject
	base   indicator.Indicator
}

func newParser(opts indicator.ReadOptions) *objParser {
	return &objParser{opts: opts, intern: map[string]string{}}
}

func (p *objParser) record(o op) { p.ops = append(p.ops, o) }

func (p *objParser) skip(kind string) { p.record(op{kind: opSkip, a: kind}) }

func (p *objParser) malformed(o *rawObject, value, reason string) error {
	p.record(op{kind: opMalformed, a: p.where(o), b: value, c: reason})
	if !p.opts.Lenient {
		return errStop
	}
	return nil
}

func (p *objParser) unsupported(o *rawObject, value, reason string) {
	p.record(op{kind: opUnsupported, a: p.where(o), b: value, c: reason})
}

func (p *objParser) add(ind indicator.Indicator) error {
	p.inds = append(p.inds, ind)
	if n := len(p.ops); n > 0 && p.ops[n-1].kind == opAdd {
		p.ops[n-1].n++
	} else {
		p.record(op{kind: opAdd, n: 1})
	}
	return nil
}

// parse records the ops of the object raw, number index at offset.
func (p *objParser) parse(raw []byte, index int, offset int64) {
	p.index, p.offset = index, offset
	p.record(op{kind: opObject})
	if err := p.object(raw); err != nil && err != errStop {
		p.record(op{kind: opFail, err: err})
	}
}

// apply carries out ops, in order. It returns the first error.
func (d *decoder) apply(ops []op) error {
	for i := range ops {
		o := &ops[i]
		switch o.kind {
		case opObject:
			d.objects++
			if d.objects > d.opts.MaxItems {
				return d.opts.TooMany("objects")
			}
			d.objStart = d.n
		case opFail:
			return o.err
		case opMalformed:
			if err := d.malformed(o.a, o.b, o.c); err != nil {
				return err
			}
		case opUnsupported:
			d.unsupported(o.a, o.b, o.c)
		case opSkip:
			d.c.Skip(o.a)
		case opAdd:
			if d.n+o.n > d.opts.MaxItems {
				return d.opts.TooMany("indicators")
			}
			d.n += o.n
		case opIdentity:
			d.identity[o.a] = o.b
		case opMarking:
			d.markings[o.a] = indicator.TLP(o.b)
		case opIndicates:
			d.indicates = append(d.indicates, [2]string{o.a, o.b})
		case opThreat:
			d.threats[o.a] = d.c.AddThreat(*o.th)
		case opPending:
			d.pending = append(d.pending, pendingTLP{start: d.objStart, end: d.n, ref: o.a})
		}
	}
	return nil
}

// pipelineAfter is the number of objects read on one goroutine before the
// pipeline starts; batchSize the number of objects per batch.
const (
	pipelineAfter = 4096
	batchSize     = 256
)

// emit handles the object raw (valid until the next read) at offset.
func (d *decoder) emit(raw json.RawMessage, offset int64) error {
	d.emitted++
	if d.pipe == nil && d.pipeAfter >= 0 && d.emitted > d.pipeAfter {
		d.pipe = newPipeline(d)
	}
	if d.pipe != nil {
		if d.emitted > d.opts.MaxItems {
			return d.opts.TooMany("objects") // after the objects before it are applied
		}
		return d.pipe.add(raw, offset, d.emitted)
	}
	p := d.p
	p.ops, p.inds = p.ops[:0], p.inds[:0]
	p.parse(raw, d.emitted, offset)
	if err := d.apply(p.ops); err != nil {
		return err
	}
	d.add(p.inds)
	clear(p.ops) // let go of the strings
	clear(p.inds)
	return nil
}

// batch is a run of consecutive objects parsed by one worker.
type batch struct {
	raw   []byte  // the objects, one after the other
	ends  []int   // the end of each object in raw
	offs  []int64 // the input offset of each object
	first int     // the number of the first object
	ops   []op
	inds  []indicator.Indicator // exactly the indicators of the batch
	done  chan struct{}
}

// pipeline parses batches on GOMAXPROCS workers and applies them in input
// order on a merging goroutine, while the reading goroutine cuts the input.
type pipeline struct {
	d       *decoder
	cur     *batch
	jobs    chan *batch
	order   chan *batch
	free    chan *batch
	stopped chan struct{} // closed once the merger met an error
	failed  atomic.Bool
	err     error // the merger's first error, read after wg.Wait
	wg      sync.WaitGroup
	merged  chan struct{}
}

func newPipeline(d *decoder) *pipeline {
	workers := max(1, runtime.GOMAXPROCS(0))
	pl := &pipeline{
		d:       d,
		jobs:    make(chan *batch, 2*workers),
		order:   make(chan *batch, 4*workers),
		free:    make(chan *batch, 8*workers),
		stopped: make(chan struct{}),
		merged:  make(chan struct{}),
	}
	for range workers {
		pl.wg.Add(1)
		go pl.work(newParser(d.opts))
	}
	go pl.merge()
	return pl
}

func (pl *pipeline) work(p *objParser) {
	defer pl.wg.Done()
	for b := range pl.jobs {
		if pl.failed.Load() {
			close(b.done)
			continue
		}
		// The batch's indicators become a chunk of the result as they
		// are: sized for one indicator per object, the common case, so
		// that they are neither copied nor mostly empty.
		if cap(p.inds) < len(b.ends) {
			p.inds = make([]indicator.Indicator, 0, len(b.ends))
		}
		p.ops = b.ops[:0]
		start := 0
		for i, end := range b.ends {
			p.parse(b.raw[start:end], b.first+i, b.offs[i])
			start = end
		}
		b.ops = p.ops
		if len(p.inds) > 0 {
			b.inds = p.inds
			p.inds = nil
		}
		p.ops = nil
		close(b.done)
	}
}

// merge applies the batches in input order.
func (pl *pipeline) merge() {
	defer close(pl.merged)
	d := pl.d
	for b := range pl.order {
		<-b.done
		if pl.err == nil {
			if err := d.apply(b.ops); err != nil {
				pl.err = err
				pl.failed.Store(true)
				close(pl.stopped)
			} else if len(b.inds) > 0 {
				d.chunks = append(d.chunks, b.inds)
			}
		}
		clear(b.ops)
		b.ops, b.inds = b.ops[:0], nil
		select {
		case pl.free <- b:
		default:
		}
	}
}

// add puts the object raw in the current batch, sending it when full.
func (pl *pipeline) add(raw []byte, offset int64, index int) error {
	b := pl.cur
	if b == nil {
		select {
		case b = <-pl.free:
			b.raw, b.ends, b.offs = b.raw[:0], b.ends[:0], b.offs[:0]
		default:
			b = &batch{}
		}
		b.first = index
		b.done = make(chan struct{})
		pl.cur = b
	}
	b.raw = append(b.raw, raw...)
	b.ends = append(b.ends, len(b.raw))
	b.offs = append(b.offs, offset)
	if len(b.ends) >= pl.d.batch {
		return pl.send()
	}
	return nil
}

func (pl *pipeline) send() error {
	b := pl.cur
	pl.cur = nil
	select {
	case pl.order <- b:
	case <-pl.stopped:
		return errStop
	}
	pl.jobs <- b // workers never block for long: they do not wait on anyone
	return nil
}

// finish sends the last batch, waits for every batch to be applied and
// returns the first error in input order: the merger's, or else readErr,
// the error that ended the reading (it comes after every object read).
func (pl *pipeline) finish(readErr error) error {
	if pl.cur != nil && len(pl.cur.ends) > 0 && !errors.Is(readErr, errStop) {
		_ = pl.send()
	}
	close(pl.order)
	close(pl.jobs)
	pl.wg.Wait()
	<-pl.merged
	if pl.err != nil {
		return pl.err
	}
	return readErr
}
