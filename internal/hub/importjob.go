package hub

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/indicator/formats"
	"github.com/vigie-project/vigie/internal/indicator/warninglist"
	"github.com/vigie-project/vigie/internal/store"
)

// Import jobs: POST /api/v1/imports takes a file of any size (spooled to
// disk as it arrives, never held in memory) or names one in the hub's
// import directory, answers 202 with the job, and imports it in the
// background in batches that each commit. GET /api/v1/imports/{id} says
// how far it got; a job cut by a restart is marked interrupted and
// POST /api/v1/imports/{id}/resume finishes it from its last batch.

// jobBatch is the number of items imported per transaction.
const jobBatch = 2000

// jobHeartbeat is how often a running job says it is alive; a job silent
// for jobStale is taken as interrupted (its hub stopped).
const (
	jobHeartbeat = 10 * time.Second
	jobStale     = time.Minute
)

// maxWholeJob bounds the formats that cannot be split (TAXII envelopes of
// other layouts, plain JSON): they are read whole.
const maxWholeJob = 64 << 20

// jobOptions is what a job remembers of the request that made it.
type jobOptions struct {
	ImportOptions
	Format string `json:"format,omitempty"`
}

// jobRunner runs the hub's import jobs, one at a time.
type jobRunner struct {
	once    sync.Once
	owner   string        // this hub instance
	slot    chan struct{} // one job at a time
	ctx     context.Context
	stop    context.CancelFunc
	wg      sync.WaitGroup
	batch   int
	afterFn func(job string, items int64) // tests: called after each batch
	spool   string
}

func (s *Server) jobs() *jobRunner {
	s.jobsOnce.Do(func() {
		var b [6]byte
		rand.Read(b[:])
		host, _ := os.Hostname()
		ctx, stop := context.WithCancel(context.Background())
		s.jobr = &jobRunner{owner: host + "/" + hex.EncodeToString(b[:]), slot: make(chan struct{}, 1), ctx: ctx, stop: stop, batch: jobBatch, spool: s.opts.SpoolDir}
	})
	return s.jobr
}

// recoverJobs marks interrupted the jobs a previous run of the hub left
// running: on SQLite every one (one hub uses the file), on PostgreSQL
// those silent for jobStale (another hub may be running its own).
func (s *Server) recoverJobs(ctx context.Context) {
	var n int64
	var err error
	if s.st.Dialect() == store.SQLite {
		n, err = s.st.InterruptRunningJobs(ctx)
	} else {
		n, err = s.st.InterruptStaleJobs(ctx, s.now().Add(-jobStale))
	}
	if err != nil {
		s.log.Error("import jobs: marking interrupted jobs", "err", err)
	} else if n > 0 {
		s.log.Warn("import jobs interrupted by the last stop: resume them (POST /api/v1/imports/{id}/resume or the Indicators page)", "jobs", n)
	}
}

func (s *Server) importJobRoutes() {
	api := func(pattern string, h func(http.ResponseWriter, *http.Request, *Principal)) {
		s.mux.HandleFunc(pattern, s.withToken(h))
	}
	api("POST /api/v1/imports", s.handleStartImportJob)
	api("GET /api/v1/imports", s.handleListImportJobs)
	api("GET /api/v1/imports/{id}", s.handleGetImportJob)
	api("GET /api/v1/imports/{id}/problems", s.handleImportJobProblems)
	api("POST /api/v1/imports/{id}/resume", s.handleResumeImportJob)
}

// JobView is an import job as the API and the UI show it: the stored job
// and its rate.
type JobView struct {
	store.ImportJob
	// Percent done (of the items when their number is known, else of the
	// bytes).
	Percent float64 `json:"percent"`
	// ItemsPerSecond and BytesPerSecond since the job started.
	ItemsPerSecond float64 `json:"items_per_second"`
	BytesPerSecond float64 `json:"bytes_per_second"`
}

func (s *Server) jobView(j store.ImportJob) JobView {
	v := JobView{ImportJob: j}
	switch {
	case j.State == store.ImportDone:
		v.Percent = 100
	case j.ItemsTotal > 0:
		v.Percent = float64(j.ItemsDone) * 100 / float64(j.ItemsTotal)
	case j.BytesTotal > 0:
		v.Percent = float64(j.BytesDone) * 100 / float64(j.BytesTotal)
	}
	end := j.Heartbeat
	if !j.FinishedAt.IsZero() {
		end = j.FinishedAt
	}
	if !j.StartedAt.IsZero() {
		if d := end.Sub(j.StartedAt).Seconds(); d > 0 {
			v.ItemsPerSecond = float64(j.ItemsDone) / d
			v.BytesPerSecond = float64(j.BytesDone) / d
		}
	}
	return v
}

// StartImportJob spools body (an upload of any size, read as it arrives)
// to the hub's disk and starts importing it in the background. name is
// the file's name; format may be empty (detected).
func (s *Server) StartImportJob(ctx context.Context, p *Principal, body io.Reader, name, format string, o ImportOptions) (JobView, error) {
	if !p.Can("publish") {
		return JobView{}, errForbidden
	}
	if _, err := s.putOptions(ctx, o); err != nil {
		return JobView{}, err
	}
	if format != "" {
		if _, err := formats.Lookup(format); err != nil {
			return JobView{}, &errInput{msg: err.Error()}
		}
	}
	dir, err := s.spoolDir()
	if err != nil {
		return JobView{}, err
	}
	id := "import--" + newJobID()
	path := filepath.Join(dir, id+".upload")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return JobView{}, fmt.Errorf("import job: spool file: %w", err)
	}
	n, err := io.Copy(f, body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return JobView{}, err
		}
		return JobView{}, fmt.Errorf("import job: receiving %s: %w", name, err)
	}
	if n == 0 {
		os.Remove(path)
		return JobView{}, &errInput{msg: name + ": the file is empty"}
	}
	return s.createJob(ctx, p, id, path, true, n, name, format, o)
}

// StartImportJobFromDir starts importing a file of the hub's import
// directory (vigie serve --import-dir): a file of several gigabytes put
// there by the agency need not travel over HTTP.
func (s *Server) StartImportJobFromDir(ctx context.Context, p *Principal, rel, format string, o ImportOptions) (JobView, error) {
	if !p.Can("publish") {
		return JobView{}, errForbidden
	}
	if s.opts.ImportDir == "" {
		return JobView{}, &errInput{msg: "this hub has no import directory (vigie serve --import-dir DIR): upload the file instead"}
	}
	if _, err := s.putOptions(ctx, o); err != nil {
		return JobView{}, err
	}
	if rel == "" || filepath.IsAbs(rel) || !filepath.IsLocal(rel) {
		return JobView{}, &errInput{msg: fmt.Sprintf("path %q: name a file inside the import directory, without .. or a leading /", indicator.Shorten(rel))}
	}
	root, err := os.OpenRoot(s.opts.ImportDir)
	if err != nil {
		return JobView{}, fmt.Errorf("import directory: %w", err)
	}
	defer root.Close()
	fi, err := root.Stat(rel)
	if err != nil || !fi.Mode().IsRegular() {
		return JobView{}, &errInput{msg: fmt.Sprintf("path %q: no such file in the import directory", indicator.Shorten(rel))}
	}
	id := "import--" + newJobID()
	return s.createJob(ctx, p, id, filepath.Join(s.opts.ImportDir, rel), false, fi.Size(), filepath.Base(rel), format, o)
}

func (s *Server) createJob(ctx context.Context, p *Principal, id, path string, owned bool, size int64, name, format string, o ImportOptions) (JobView, error) {
	ob, _ := json.Marshal(jobOptions{ImportOptions: o, Format: format})
	j, err := s.st.CreateImportJob(ctx, p.Viewer(), p.ActorFor(), store.ImportJob{ID: id, Name: name, Format: format, Spool: path, Owned: owned, Options: ob, BytesTotal: size})
	if err != nil {
		if owned {
			os.Remove(path)
		}
		return JobView{}, err
	}
	s.launch(id)
	return s.jobView(j), nil
}

func newJobID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func (s *Server) spoolDir() (string, error) {
	s.jobsMu.Lock()
	defer s.jobsMu.Unlock()
	if s.opts.SpoolDir == "" {
		d, err := os.MkdirTemp("", "vigie-imports-")
		if err != nil {
			return "", fmt.Errorf("import job: spool directory: %w", err)
		}
		s.opts.SpoolDir = d
	}
	if err := os.MkdirAll(s.opts.SpoolDir, 0o700); err != nil {
		return "", fmt.Errorf("import job: spool directory: %w", err)
	}
	return s.opts.SpoolDir, nil
}

// ResumeImportJob starts again an interrupted job from its last committed
// batch.
func (s *Server) ResumeImportJob(ctx context.Context, p *Principal, id string) (JobView, error) {
	if !p.Can("publish") {
		return JobView{}, errForbidden
	}
	j, err := s.st.GetImportJob(ctx, p.Viewer(), id)
	if err != nil {
		return JobView{}, err
	}
	if j.State != store.ImportInterrupted {
		return JobView{}, &errInput{msg: fmt.Sprintf("import job %s is %s: only an interrupted job is resumed", id, j.State)}
	}
	if err := s.st.RequeueImportJob(ctx, p.Viewer(), p.ActorFor(), id); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return JobView{}, &errInput{msg: fmt.Sprintf("import job %s is not interrupted any more", id)}
		}
		return JobView{}, err
	}
	j.State = store.ImportQueued
	s.launch(id)
	return s.jobView(j), nil
}

// ImportJob returns a job of the principal's organisation.
func (s *Server) ImportJob(ctx context.Context, p *Principal, id string) (JobView, error) {
	j, err := s.st.GetImportJob(ctx, p.Viewer(), id)
	if err != nil {
		return JobView{}, err
	}
	return s.jobView(j), nil
}

// ImportJobs returns the newest jobs of the principal's organisation.
func (s *Server) ImportJobs(ctx context.Context, p *Principal, limit int) ([]JobView, error) {
	if !p.Agency {
		return nil, nil
	}
	if s.st.Dialect() != store.SQLite {
		s.st.InterruptStaleJobs(ctx, s.now().Add(-jobStale))
	}
	js, err := s.st.ListImportJobs(ctx, p.Viewer(), limit)
	if err != nil {
		return nil, err
	}
	out := make([]JobView, len(js))
	for i, j := range js {
		out[i] = s.jobView(j)
	}
	return out, nil
}

// launch runs the job in the background.
func (s *Server) launch(id string) {
	jr := s.jobs()
	jr.wg.Add(1)
	go func() {
		defer jr.wg.Done()
		select {
		case jr.slot <- struct{}{}:
		case <-jr.ctx.Done():
			return
		}
		defer func() { <-jr.slot }()
		j, err := s.st.ClaimImportJob(jr.ctx, id, jr.owner)
		if err != nil {
			if !errors.Is(err, store.ErrConflict) {
				s.log.Error("import job", "job", id, "err", err)
			}
			return
		}
		err = s.runJob(jr, j)
		if jr.ctx.Err() != nil {
			return // the hub is stopping: the job stays running, then interrupted
		}
		if err := s.st.FinishImportJob(context.Background(), store.Actor{OrgID: j.OrgID, Name: j.Actor}, id, err); err != nil {
			s.log.Error("import job", "job", id, "err", err)
		}
		if err != nil {
			s.log.Warn("import job failed", "job", id, "name", j.Name, "err", err)
		}
		if j.Owned { // done or failed: nothing will read the upload again
			os.Remove(j.Spool)
		}
	}()
}

// StopImportJobs stops the running job without marking it (as a crash
// would): the next start of the hub marks it interrupted. For tests and
// shutdown.
func (s *Server) StopImportJobs() {
	jr := s.jobs()
	jr.stop()
	jr.wg.Wait()
}

// runJob imports the job's file from the item after the last committed
// batch.
func (s *Server) runJob(jr *jobRunner, j store.ImportJob) error {
	ctx := jr.ctx
	var o jobOptions
	if err := json.Unmarshal(j.Options, &o); err != nil {
		return fmt.Errorf("job options: %w", err)
	}
	po, err := s.putOptions(ctx, o.ImportOptions)
	if err != nil {
		return err
	}
	f, err := os.Open(j.Spool)
	if err != nil {
		return fmt.Errorf("opening %s: %w", j.Name, err)
	}
	defer f.Close()
	head := make([]byte, 16<<10)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	var fm *formats.Format
	if o.Format != "" {
		if fm, err = formats.Lookup(o.Format); err != nil {
			return err
		}
	} else if fm = formats.Detect(j.Name, head); fm == nil {
		return fmt.Errorf("%s: cannot tell the format (name one: %s)", j.Name, strings.Join(formats.Names(), ", "))
	}
	var sp splitter
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	switch {
	case fm.Name == "stix":
		sp = &stixSplit{name: j.Name}
	case fm.Name == "misp":
		sp = &mispSplit{name: j.Name}
	case fm.Name == "csv":
		sp = &lineSplit{name: j.Name, csv: true}
	case (fm.Name == "list" || fm.Name == "loki") && (len(trimmed) == 0 || (trimmed[0] != '{' && trimmed[0] != '[')):
		sp = &lineSplit{name: j.Name}
	}
	viewer := store.Viewer{OrgID: j.OrgID, Agency: true}
	actor := store.Actor{OrgID: j.OrgID, Name: j.Actor}
	if sp == nil {
		// Read whole: only small files.
		if j.BytesTotal > maxWholeJob {
			return fmt.Errorf("%s: the %s format cannot be read in parts and the file is larger than %d bytes", j.Name, fm.Name, maxWholeJob)
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		c, err := formats.Decode(f, j.Name, fm.Name, "", indicator.ReadOptions{Name: j.Name, Lenient: true, MaxBytes: maxWholeJob})
		if err != nil {
			return err
		}
		s.st.JobTotal(ctx, j.ID, int64(len(c.Indicators)), fm.Name)
		prog, err := s.storeBatch(ctx, viewer, actor, c, po, j.Name, func(p indicator.Problem) (int64, string) { return -1, p.Where })
		if err != nil {
			return err
		}
		prog.BytesDone, prog.ItemsDone = j.BytesTotal, int64(len(c.Indicators))
		return s.st.JobProgressed(ctx, j.ID, prog)
	}
	// Pass 1: count the items, gather the shared context.
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	total, err := sp.count(bufio.NewReaderSize(f, 256<<10))
	if err != nil {
		return err
	}
	if err := s.st.JobTotal(ctx, j.ID, total, fm.Name); err != nil {
		return err
	}
	// Pass 2: batches, from the first item not yet committed.
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	var idx int64
	first := j.ItemsDone
	items := make([][]byte, 0, jr.batch)
	var size int
	reported := map[int]bool{} // problems of shared objects, reported once
	var lastEnd int64
	lastBeat := time.Now()
	flush := func() error {
		if len(items) == 0 {
			return nil
		}
		prog, err := s.runBatch(ctx, viewer, actor, sp, fm, items, first, po, j.Name, reported)
		if err != nil {
			return err
		}
		prog.BytesDone, prog.ItemsDone, prog.ItemsTotal = lastEnd, first+int64(len(items)), total
		if err := s.st.JobProgressed(ctx, j.ID, prog); err != nil {
			return err
		}
		if jr.afterFn != nil {
			jr.afterFn(j.ID, prog.ItemsDone)
		}
		first += int64(len(items))
		clear(items)
		items, size = items[:0], 0
		lastBeat = time.Now()
		return ctx.Err()
	}
	err = sp.each(bufio.NewReaderSize(f, 256<<10), func(item []byte, end int64) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		i := idx
		idx++
		if i < first {
			if time.Since(lastBeat) > jobHeartbeat {
				lastBeat = time.Now()
				s.st.JobProgressed(ctx, j.ID, store.JobProgress{BytesDone: j.BytesDone, ItemsDone: first})
			}
			return nil // committed before the interruption
		}
		items = append(items, append([]byte(nil), item...))
		size += len(item)
		lastEnd = end
		if len(items) >= jr.batch || size >= 8<<20 {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}

// runBatch decodes one batch of items and stores its indicators. A batch
// that fails as a whole (a broken CSV quote, an id claimed twice) is done
// again item by item, so that one bad item never costs the good ones.
func (s *Server) runBatch(ctx context.Context, v store.Viewer, a store.Actor, sp splitter, fm *formats.Format, items [][]byte, first int64, po store.PutOptions, name string, reported map[int]bool) (store.JobProgress, error) {
	locate := func(p indicator.Problem) (int64, string) {
		i, where := sp.locate(p, items, first)
		if i >= 0 {
			return first + int64(i), where
		}
		return int64(i), where // -1: not one item; <= -2: a shared object
	}
	c, err := formats.Decode(bytes.NewReader(sp.doc(items)), name, fm.Name, "", indicator.ReadOptions{Name: name, Lenient: true})
	if err == nil {
		prog, err := s.storeBatch(ctx, v, a, c, po, name, locate)
		if err == nil || !isInputErr(err) {
			return dedupeShared(prog, reported), err
		}
	}
	if len(items) == 1 {
		return store.JobProgress{Problems: []store.JobProblem{{Item: first, Kind: indicator.ProblemMalformed, Reason: strings.TrimPrefix(err.Error(), name+": ")}}}, nil
	}
	var total store.JobProgress
	for i := range items {
		p, err := s.runBatch(ctx, v, a, sp, fm, items[i:i+1], first+int64(i), po, name, reported)
		if err != nil {
			return total, err
		}
		total.Created += p.Created
		total.Updated += p.Updated
		total.Restricted += p.Restricted
		total.Warninglisted += p.Warninglisted
		total.Duplicates += p.Duplicates
		total.Superseded += p.Superseded
		total.Problems = append(total.Problems, p.Problems...)
		if len(p.Skipped) > 0 && total.Skipped == nil {
			total.Skipped = map[string]int{}
		}
		for k, n := range p.Skipped {
			total.Skipped[k] += n
		}
	}
	return total, nil
}

// dedupeShared reports a problem of an object every batch carries (a
// broken marking definition) once, at its own index.
func dedupeShared(p store.JobProgress, reported map[int]bool) store.JobProgress {
	kept := p.Problems[:0]
	for _, pr := range p.Problems {
		if pr.Item <= -2 {
			k := int(-2 - pr.Item)
			if reported[k] {
				continue
			}
			reported[k] = true
			pr.Item = int64(k)
		}
		kept = append(kept, pr)
	}
	p.Problems = kept
	return p
}

func isInputErr(err error) bool {
	var ie *errInput
	return errors.As(err, &ie)
}

// storeBatch vets and stores one batch's indicators (one transaction) and
// turns its problems into job problems.
func (s *Server) storeBatch(ctx context.Context, v store.Viewer, a store.Actor, c *indicator.Collection, po store.PutOptions, name string, locate func(indicator.Problem) (int64, string)) (store.JobProgress, error) {
	var prog store.JobProgress
	if err := s.vet(c, name, true); err != nil {
		return prog, err
	}
	older := latestVersions(c)
	prog.Superseded = int64(len(older))
	prog.Warninglisted = int64(warninglist.Apply(c, s.opts.Warninglists))
	prog.Duplicates = int64(c.Dedupe())
	res, _, err := s.st.PutIndicators(ctx, v, a, append(c.Indicators, older...), po)
	if err != nil {
		if strings.Contains(err.Error(), "already used by another") || strings.Contains(err.Error(), "is already another indicator") {
			return prog, &errInput{msg: err.Error()}
		}
		return prog, err
	}
	s.metrics.indicatorsImported.Add(uint64(res.Created + res.Updated))
	prog.Created, prog.Updated, prog.Restricted = int64(res.Created), int64(res.Updated), int64(res.Restricted)
	prog.Skipped = c.Skipped
	for _, p := range c.Problems {
		item, where := locate(p)
		prog.Problems = append(prog.Problems, store.JobProblem{Item: item, Where: where, Kind: p.Kind, Value: p.Value, Reason: p.Reason})
	}
	return prog, nil
}

func (s *Server) handleStartImportJob(w http.ResponseWriter, r *http.Request, p *Principal) {
	if !p.Can("publish") {
		forbid(w, "publish indicators (agency analysts and administrators only)")
		return
	}
	q := r.URL.Query()
	o := ImportOptions{TLP: q.Get("tlp"), Distribution: q.Get("distribution"), Parties: splitList(q.Get("parties"))}
	var j JobView
	var err error
	if path := q.Get("path"); path != "" {
		j, err = s.StartImportJobFromDir(r.Context(), p, path, q.Get("format"), o)
	} else {
		name := q.Get("name")
		if name == "" {
			name = "upload"
		}
		j, err = s.StartImportJob(r.Context(), p, http.MaxBytesReader(w, r.Body, s.opts.JobLimit), name, q.Get("format"), o)
	}
	if err != nil {
		s.importError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/imports/"+j.ID)
	writeJSON(w, http.StatusAccepted, j)
}

func (s *Server) handleListImportJobs(w http.ResponseWriter, r *http.Request, p *Principal) {
	if !p.Agency {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	js, err := s.ImportJobs(r.Context(), p, limit)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if js == nil {
		js = []JobView{}
	}
	writeJSON(w, 200, map[string]any{"items": js})
}

func (s *Server) handleGetImportJob(w http.ResponseWriter, r *http.Request, p *Principal) {
	j, err := s.ImportJob(r.Context(), p, r.PathValue("id"))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	writeJSON(w, 200, j)
}

func (s *Server) handleImportJobProblems(w http.ResponseWriter, r *http.Request, p *Principal) {
	q := r.URL.Query()
	from, _ := strconv.Atoi(q.Get("from"))
	limit, _ := strconv.Atoi(q.Get("limit"))
	ps, err := s.st.ImportJobProblems(r.Context(), p.Viewer(), r.PathValue("id"), max(from, 0), limit)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	writeJSON(w, 200, map[string]any{"items": ps})
}

func (s *Server) handleResumeImportJob(w http.ResponseWriter, r *http.Request, p *Principal) {
	j, err := s.ResumeImportJob(r.Context(), p, r.PathValue("id"))
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			s.serverError(w, r, err)
			return
		}
		s.importError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, j)
}
