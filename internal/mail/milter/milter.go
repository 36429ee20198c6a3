package milter

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	gomime "mime"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigie-project/vigie/internal/mail"
	"github.com/vigie-project/vigie/internal/report"
)

// Commands from the MTA (SMFIC_*).
const (
	cmdAbort   = 'A'
	cmdBody    = 'B'
	cmdConnect = 'C'
	cmdMacro   = 'D'
	cmdEOB     = 'E'
	cmdHelo    = 'H'
	cmdQuitNC  = 'K'
	cmdHeader  = 'L'
	cmdMail    = 'M'
	cmdEOH     = 'N'
	cmdOptNeg  = 'O'
	cmdQuit    = 'Q'
	cmdRcpt    = 'R'
	cmdData    = 'T'
	cmdUnknown = 'U'
)

// Replies to the MTA (SMFIR_*).
const (
	respAddHeader  = 'h'
	respInsHeader  = 'i'
	respChgHeader  = 'm'
	respQuarantine = 'q'
	respAccept     = 'a'
	respContinue   = 'c'
	respReject     = 'r'
	respTempfail   = 't'
	respReplyCode  = 'y'
)

// Option negotiation bits.
const (
	actAddHdrs    = 0x01
	actChgHdrs    = 0x10
	actQuarantine = 0x20
	actSetSymList = 0x100 // the milter may say which macros it wants (SMFIF_SETSYMLIST)
)

// macroStages are the stages the MTA sends macros before (SMFIM_*: connect,
// HELO, MAIL, RCPT, DATA, end of message, end of headers).
const macroStages = 7

// macroRequest lists, for each stage, the macros the milter wants: only
// the queue ID ("i"), the one it reads (for its log). By default Postfix
// sends a dozen (milter_*_macros: daemon name and address, the client's
// name, the SMTP AUTH fields, the address parts...), evaluated and written
// at every stage, for every message. Every stage is listed: one left out
// gets Postfix's whole default list.
var macroRequest = func() []byte {
	var b []byte
	for st := range uint32(macroStages) {
		b = binary.BigEndian.AppendUint32(b, st)
		b = append(b, "i\x00"...)
	}
	return b
}()

// Protocol bits (SMFIP_NR_*): the MTA expects no reply to these steps.
const (
	nrConn = 0x1000
	nrHelo = 0x2000
	nrMail = 0x4000
	nrRcpt = 0x8000
	nrData = 0x10000
	nrUnkn = 0x20000
	nrEOH  = 0x40000
	nrBody = 0x80000
	nrHdr  = 0x80
)

// noReplySteps are the steps a milter on a unix socket asks Postfix not to
// wait for: it never acts before the end of the message, and a round trip
// per header and step is most of what the milter costs the MTA.
const noReplySteps = nrConn | nrHelo | nrMail | nrRcpt | nrData | nrUnkn | nrEOH | nrBody | nrHdr

// Protocol bits (SMFIP_NO*): steps the MTA need not send at all. The
// milter reads nothing from DATA, an unknown command or the end of the
// headers; each is a packet (with its macros) Postfix writes and the
// milter reads for nothing. Skipped only where steps go unanswered too
// (see cmdOptNeg): with every step answered over TCP, Postfix's packets
// around a skipped step waited on Nagle's algorithm (SMFIP_NODATA's 40 ms).
const (
	noUnknown = 0x100
	noData    = 0x200
	noEOH     = 0x40
)

const skippedSteps = noUnknown | noData | noEOH

// maxPacket bounds one packet; Postfix sends body chunks of at most 64 KiB.
const maxPacket = 1 << 20

// Sightings receives the findings of messages that are not clean, for the
// hub. It is called outside the SMTP transaction's critical path and must
// not block for long.
type Sightings interface {
	Report(ctx context.Context, findings []report.Finding) error
}

// ResultSink receives every analysed message (the hub reporter,
// *mail.HubReporter). Submit is called in the SMTP transaction and must
// not block: it queues and returns.
type ResultSink interface {
	Submit(r *mail.Result)
}

// Server is a milter. Set its fields, then call Serve.
type Server struct {
	Analyzer  *mail.Analyzer
	Live      *Analyzers // optional: the analyzer in force, swapped while running (the hub feed); overrides Analyzer
	Policy    Policy
	Sightings Sightings    // optional
	Results   ResultSink   // optional
	Logger    *slog.Logger // optional
	Host      string       // this host's name in findings
	// MaxConns bounds concurrent MTA connections (default 256).
	MaxConns int
	// MaxBytesInFlight bounds the bytes of the messages analysed at once
	// across connections (default DefaultMaxBytesInFlight); see buffer.go.
	MaxBytesInFlight int64
	// TempDir receives the bodies of large messages while they arrive
	// (default: the system's temporary directory).
	TempDir string
	// AnswerEveryStep answers every protocol step over TCP, as on
	// systems without quick ACKs (for comparison in tests and benchmarks).
	AnswerEveryStep bool

	wg      sync.WaitGroup
	init    sync.Once
	idle    chan func()  // work handed to an idle worker (goWorker)
	workers atomic.Int64 // worker goroutines started
	runMu   sync.Mutex
	serving int           // Serve calls running
	quit    chan struct{} // closed when the last Serve returns: idle workers end
	budget  *byteBudget
	recvMem atomic.Int64 // bytes of message bodies held in memory while received
	freer   freer
	metrics milterStats
}

func (s *Server) setup() {
	s.init.Do(func() {
		if s.Logger == nil {
			s.Logger = discardLogger()
		}
		max := s.MaxBytesInFlight
		if max <= 0 {
			max = DefaultMaxBytesInFlight
		}
		s.budget = newByteBudget(max)
		s.metrics.started = time.Now()
		s.idle = make(chan func())
		s.quit = make(chan struct{})
	})
}

// InFlight is the number of message bytes the milter holds in memory now:
// those being analysed and those being received.
func (s *Server) InFlight() int64 {
	s.setup()
	return s.budget.inUse() + s.recvMem.Load()
}

// Serve accepts MTA connections on l until ctx is done, then waits for
// the open connections to finish their current message. When the last
// Serve returns, the idle worker goroutines end (an analysis the milter
// stopped waiting for ends when it finishes).
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	s.setup()
	s.runMu.Lock()
	if s.serving == 0 {
		select {
		case <-s.quit: // an earlier Serve ended
			s.quit = make(chan struct{})
		default:
		}
	}
	s.serving++
	s.runMu.Unlock()
	defer func() {
		s.runMu.Lock()
		if s.serving--; s.serving == 0 {
			close(s.quit)
		}
		s.runMu.Unlock()
	}()
	max := s.MaxConns
	if max <= 0 {
		max = 256
	}
	sem := make(chan struct{}, max)
	go func() {
		<-ctx.Done()
		l.Close()
	}()
	for {
		c, err := l.Accept()
		if err != nil {
			if ctx.Err() != nil {
				s.wg.Wait()
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(50 * time.Millisecond)
				continue
			}
			s.wg.Wait()
			return fmt.Errorf("milter: accept: %w", err)
		}
		// (every reply is one write, sent at once: Go sets TCP_NODELAY on
		// every TCP connection)
		sem <- struct{}{}
		s.wg.Add(1)
		s.goWorker(func() {
			s.handle(ctx, c, func() { <-sem; s.wg.Done() })
		})
	}
}

// idleTimeout ends a connection the MTA has sent nothing on for this long
// (give or take a minute).
const idleTimeout = 10 * time.Minute

// workerIdle is how long a worker goroutine waits for more work.
const workerIdle = 30 * time.Second

// goWorker runs fn on a worker goroutine: an idle one if there is one,
// else a new one, which then stays for more work until it has been idle
// for workerIdle. A new goroutine starts with a small stack that the
// analysis (and the end of a message) grows, copying it each time, for
// every message; a worker keeps the stack it grew. fn must not panic.
func (s *Server) goWorker(fn func()) {
	select {
	case s.idle <- fn:
	default:
		s.runMu.Lock()
		quit := s.quit
		s.runMu.Unlock()
		s.workers.Add(1)
		go s.worker(fn, quit)
	}
}

// worker runs fn, then waits for more work until it has been idle for
// workerIdle or quit is closed (the last Serve returned).
func (s *Server) worker(fn func(), quit <-chan struct{}) {
	fn()
	t := time.NewTimer(workerIdle)
	defer t.Stop()
	for {
		select {
		case fn := <-s.idle:
			fn()
			t.Reset(workerIdle)
		case <-t.C:
			return
		case <-quit:
			return
		}
	}
}

// session is the state of one MTA connection.
type session struct {
	s        *Server
	c        net.Conn
	r        *bufio.Reader
	w        *bufio.Writer
	release  func()    // called when the connection ends
	deadline time.Time // the connection's read deadline
	env      mail.Envelope
	hdr      bytes.Buffer
	body     msgBody
	bodyErr  error // the body could not be kept (spool to disk failed)
	over     bool  // the message went past MaxMessageBytes
	actions  uint32
	queueID  string
	nhdr     int
	unix     bool   // the connection is over a unix socket
	quick    bool   // over TCP, the kernel acknowledges each packet when read (quickAck)
	noReply  uint32 // SMFIP_NR_* bits negotiated: steps not answered
	skip     uint32 // SMFIP_NO* bits negotiated: steps the MTA does not send
	wrote    bool   // something was sent since the last packet read
}

// handle serves one MTA connection; release is called when it ends.
func (s *Server) handle(ctx context.Context, c net.Conn, release func()) {
	s.metrics.conns.Add(1)
	s.metrics.connsTotal.Add(1)
	ss := &session{s: s, c: c, r: bufio.NewReader(c), w: bufio.NewWriter(c), unix: c.LocalAddr().Network() == "unix", release: release}
	ss.quick = !ss.unix && !s.AnswerEveryStep && quickAck(c)
	ss.body = msgBody{dir: s.TempDir, onDisk: func(d int64) { s.recvMem.Add(d) }}
	ss.serve(ctx, nil)
}

// errHandedOver: the connection was handed to another goroutine while
// this one analysed a message past the time limit (endOfMessage).
var errHandedOver = errors.New("connection handed over")

// serve reads and answers the MTA's packets until the connection ends,
// then closes and releases it, or until it is handed over to another
// goroutine (then it leaves it alone). first, if not nil, is answered
// before the next packet is read.
func (ss *session) serve(ctx context.Context, first func() error) {
	s := ss.s
	handed := false
	defer func() {
		if handed {
			return
		}
		// A bug in one message's analysis must not take mail down: the
		// connection ends with the failure policy's answer and the
		// server keeps running. This is the server's last line, not
		// error handling.
		if r := recover(); r != nil {
			s.Logger.Error("milter: internal error; message handled by the failure policy", "err", r, "queue_id", ss.queueID)
			if ss.failure() == nil {
				ss.flush()
			}
		}
		ss.body.reset()
		ss.c.Close()
		s.metrics.conns.Add(-1)
		if ss.release != nil {
			ss.release()
		}
	}()
	if first != nil {
		err := first()
		if err == nil {
			err = ss.flush()
		}
		if err != nil {
			s.metrics.protoErrors.Add(1)
			s.Logger.Warn("milter: protocol error", "err", err)
			return
		}
	}
	for {
		// an MTA silent for 10 minutes is gone; the deadline is moved
		// once a minute, not at each of the 20-odd packets of a message
		if now := time.Now(); now.After(ss.deadline.Add(-idleTimeout + time.Minute)) {
			ss.deadline = now.Add(idleTimeout)
			ss.c.SetReadDeadline(ss.deadline)
		}
		cmd, data, err := readPacket(ss.r)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				s.metrics.protoErrors.Add(1)
				s.Logger.Warn("milter: connection ended", "err", err)
			}
			return
		}
		done, err := ss.dispatch(ctx, cmd, data)
		if err == errHandedOver {
			handed = true
			return
		}
		if err == nil {
			err = ss.flush()
		}
		if err != nil {
			s.metrics.protoErrors.Add(1)
			s.Logger.Warn("milter: protocol error", "err", err, "cmd", string(cmd))
			return
		}
		if done {
			return
		}
	}
}

// flush sends what was written, then (TCP with quick ACKs) takes the
// connection out of delayed-ACK mode, which writing put it back in.
func (ss *session) flush() error {
	err := ss.w.Flush()
	if err == nil && ss.wrote && ss.quick {
		quickAck(ss.c)
	}
	ss.wrote = false
	return err
}

func readPacket(r *bufio.Reader) (byte, []byte, error) {
	var lb [4]byte
	if _, err := io.ReadFull(r, lb[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(lb[:])
	if n == 0 || n > maxPacket {
		return 0, nil, fmt.Errorf("packet length %d out of range", n)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return 0, nil, fmt.Errorf("short packet: %w", err)
	}
	return buf[0], buf[1:], nil
}

func (ss *session) send(code byte, data []byte) error {
	var lb [4]byte
	binary.BigEndian.PutUint32(lb[:], uint32(len(data)+1))
	ss.wrote = true
	ss.w.Write(lb[:])
	ss.w.WriteByte(code)
	_, err := ss.w.Write(data)
	return err
}

// cont answers "continue" to a step, unless the MTA was told not to wait
// for the answer (bit, an SMFIP_NR_* flag).
func (ss *session) cont(bit uint32) error {
	if ss.noReply&bit != 0 {
		return nil
	}
	return ss.send(respContinue, nil)
}

func cstrings(b []byte) []string {
	b = bytes.TrimSuffix(b, []byte{0})
	if len(b) == 0 {
		return nil
	}
	return strings.Split(string(b), "\x00")
}

func (ss *session) dispatch(ctx context.Context, cmd byte, data []byte) (done bool, err error) {
	switch cmd {
	case cmdOptNeg:
		if len(data) < 12 {
			return true, errors.New("short option negotiation")
		}
		mtaActions := binary.BigEndian.Uint32(data[4:8])
		ss.actions = mtaActions & (actAddHdrs | actChgHdrs | actQuarantine | actSetSymList)
		out := make([]byte, 12, 12+len(macroRequest))
		binary.BigEndian.PutUint32(out[0:4], 6)
		binary.BigEndian.PutUint32(out[4:8], ss.actions)
		// The steps before the end of the message go unanswered
		// (SMFIP_NR_*, when the MTA offers them): the milter never acts
		// before the end, and a round trip per header and step — a
		// write, a wake-up and a read on both sides — is most of what
		// the milter costs the MTA. A unix socket has no Nagle's
		// algorithm. Over TCP, Postfix's packets with no reply in between
		// would each wait behind Nagle's algorithm for this side's
		// delayed ACK, 40 ms every time (as with SMFIP_NODATA before):
		// so over TCP the steps go unanswered only where the kernel can
		// be told to acknowledge each packet as soon as it is read
		// (quickAck, Linux); elsewhere every step is answered, a loopback
		// round trip (about 0.1 ms) each.
		if ss.unix || ss.quick {
			ss.noReply = binary.BigEndian.Uint32(data[8:12]) & noReplySteps
			ss.skip = binary.BigEndian.Uint32(data[8:12]) & skippedSteps
		}
		binary.BigEndian.PutUint32(out[8:12], ss.noReply|ss.skip)
		if ss.actions&actSetSymList != 0 {
			out = append(out, macroRequest...)
		}
		return false, ss.send(cmdOptNeg, out)
	case cmdMacro:
		// the stage, then name and value pairs: only the queue ID is read
		if len(data) > 0 {
			kv := bytes.Split(bytes.TrimSuffix(data[1:], []byte{0}), []byte{0})
			for i := 0; i+1 < len(kv); i += 2 {
				if n := kv[i]; (string(n) == "i" || string(n) == "{i}") && len(kv[i+1]) > 0 {
					ss.queueID = string(kv[i+1])
				}
			}
		}
		return false, nil
	case cmdConnect:
		f := bytes.SplitN(data, []byte{0}, 2)
		ss.env = mail.Envelope{ClientName: string(f[0])}
		if len(f) == 2 && len(f[1]) >= 3 && (f[1][0] == '4' || f[1][0] == '6') {
			addr := string(bytes.TrimSuffix(f[1][3:], []byte{0}))
			if a, err := netip.ParseAddr(strings.TrimPrefix(addr, "IPv6:")); err == nil {
				ss.env.ClientIP = a
			}
		}
		return false, ss.cont(nrConn)
	case cmdHelo:
		ss.env.Helo = string(bytes.TrimSuffix(data, []byte{0}))
		return false, ss.cont(nrHelo)
	case cmdMail:
		ss.resetMessage()
		if a := cstrings(data); len(a) > 0 {
			ss.env.MailFrom = strings.Trim(a[0], "<>")
		}
		return false, ss.cont(nrMail)
	case cmdRcpt:
		if a := cstrings(data); len(a) > 0 && len(ss.env.Rcpt) < 1000 {
			ss.env.Rcpt = append(ss.env.Rcpt, strings.Trim(a[0], "<>"))
		}
		return false, ss.cont(nrRcpt)
	case cmdData:
		return false, ss.cont(nrData)
	case cmdUnknown:
		return false, ss.cont(nrUnkn)
	case cmdEOH:
		return false, ss.cont(nrEOH)
	case cmdHeader:
		kv := cstrings(data)
		if len(kv) >= 1 {
			v := ""
			if len(kv) >= 2 {
				v = kv[1]
			}
			ss.appendHeader(kv[0], v)
		}
		return false, ss.cont(nrHdr)
	case cmdBody:
		ss.appendBody(data)
		return false, ss.cont(nrBody)
	case cmdEOB:
		if len(data) > 0 {
			ss.appendBody(data)
		}
		err := ss.endOfMessage(ctx)
		if err == errHandedOver {
			return false, err // the session is another goroutine's now
		}
		ss.resetMessage()
		return false, err
	case cmdAbort:
		ss.resetMessage()
		return false, nil
	case cmdQuitNC:
		ss.resetMessage()
		ss.env = mail.Envelope{}
		ss.queueID = ""
		return false, nil
	case cmdQuit:
		return true, nil
	}
	return true, fmt.Errorf("unknown command %q", cmd)
}

func (ss *session) limit() int {
	if ss.s.Policy.MaxMessageBytes > 0 {
		return ss.s.Policy.MaxMessageBytes
	}
	return 50 << 20
}

func (ss *session) appendHeader(name, value string) {
	ss.nhdr++
	if ss.hdr.Len()+len(name)+len(value)+4 > ss.limit() {
		ss.over = true
		return
	}
	ss.hdr.WriteString(name)
	ss.hdr.WriteString(": ")
	ss.hdr.WriteString(strings.ReplaceAll(strings.ReplaceAll(value, "\r\n", "\n"), "\n", "\r\n"))
	ss.hdr.WriteString("\r\n")
}

func (ss *session) appendBody(b []byte) {
	if ss.bodyErr != nil {
		return
	}
	if left := int64(ss.limit()) - int64(ss.hdr.Len()) - ss.body.Len(); int64(len(b)) > left {
		ss.over = true
		b = b[:max(left, 0)]
	}
	if len(b) > 0 {
		ss.bodyErr = ss.body.Write(b)
	}
}

func (ss *session) resetMessage() {
	ss.hdr.Reset()
	ss.body.reset()
	ss.bodyErr = nil
	ss.over = false
	ss.nhdr = 0
	ss.env.Rcpt = nil
}

// endOfMessage analyses the message and sends modifications and the final
// answer.
func (ss *session) endOfMessage(ctx context.Context) error {
	p := ss.s.Policy
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = 20 * time.Second
	}
	if ss.bodyErr != nil {
		ss.s.Logger.Error("milter: message not analysed; handled by the failure policy", "err", ss.bodyErr, "queue_id", ss.queueID)
		return ss.failure()
	}
	size := int64(ss.hdr.Len()) + 2 + ss.body.Len()
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// room among the bytes analysed at once, within the same time limit
	held, err := ss.s.budget.acquire(actx, size)
	if err != nil {
		ss.s.Logger.Warn("milter: too many large messages at once; message handled by the failure policy", "queue_id", ss.queueID, "bytes", size)
		return ss.failure()
	}
	raw := make([]byte, 0, size)
	raw = append(raw, ss.hdr.Bytes()...)
	raw = append(raw, "\r\n"...)
	raw, err = ss.body.appendTo(raw)
	if err != nil {
		ss.s.budget.release(held)
		ss.s.Logger.Error("milter: message not analysed; handled by the failure policy", "err", err, "queue_id", ss.queueID)
		return ss.failure()
	}
	// the copy in memory replaces the one received
	ss.body.reset()
	name := "queue " + ss.queueID
	if ss.queueID == "" {
		name = "message"
	}
	env := ss.env
	qid := ss.queueID
	an := ss.s.analyzer() // one analyzer, one indicator set, for the whole message
	// The analysis runs on this goroutine: handing it to another, as
	// before, cost a goroutine switch and a thread wake-up each way, some
	// 12 % of the milter's CPU. Should it outlast the time limit, another
	// goroutine takes the connection over at the limit: it answers by the
	// failure policy and goes on with the MTA's next packets, while this
	// one finishes the analysis, gives its bytes back and ends.
	var taken atomic.Bool
	stop := context.AfterFunc(actx, func() {
		if taken.CompareAndSwap(false, true) {
			ss.resetMessage()
			ss.serve(ctx, ss.failure)
		}
	})
	res := ss.s.analyze(actx, an, name, raw, &env, qid, held, size)
	stop()
	if !taken.CompareAndSwap(false, true) {
		return errHandedOver
	}
	if actx.Err() != nil {
		res = nil // past the limit (or stopping): cut short, not a verdict
	}
	if res == nil {
		return ss.failure()
	}
	if ss.over {
		ss.s.Logger.Info("milter: message larger than max-size; its start was analysed", "queue_id", ss.queueID)
	}
	act := p.Actions[res.Verdict]
	if act == "" {
		act = Accept
	}
	ss.s.metrics.verdict(res.Verdict, act)
	ss.s.Logger.Info("milter: verdict", "queue_id", ss.queueID, "verdict", res.Verdict, "score", res.Score, "action", act)
	if ss.s.Results != nil {
		ss.s.Results.Submit(res)
	}
	if res.Verdict != mail.Clean && ss.s.Sightings != nil {
		fs := res.Findings(ss.s.Host)
		go func() {
			sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := ss.s.Sightings.Report(sctx, fs); err != nil {
				ss.s.Logger.Warn("milter: sightings not delivered", "err", err)
			}
		}()
	}
	switch act {
	case Reject:
		code := "550"
		return ss.send(respReplyCode, append([]byte(code+" "+p.RejectText), 0))
	case Tempfail:
		return ss.send(respTempfail, nil)
	}
	if err := ss.addHeaders(res); err != nil {
		return err
	}
	if act == Tag && ss.actions&actChgHdrs != 0 && p.SubjectTag != "" {
		subj := ""
		if m := res.Subject; m != "" {
			subj = m
		}
		tag := strings.ReplaceAll(p.SubjectTag, "%s", strings.ToUpper(string(res.Verdict)))
		v := sanitize(tag+subj, 900)
		for _, r := range v {
			if r >= 0x80 {
				v = gomime.QEncoding.Encode("utf-8", v)
				break
			}
		}
		if err := ss.chgHeader(1, "Subject", v); err != nil {
			return err
		}
	}
	if act == Quarantine && ss.actions&actQuarantine != 0 {
		if err := ss.send(respQuarantine, append([]byte(sanitize(fmt.Sprintf("vigie: %s, score %.1f", res.Verdict, res.Score), 200)), 0)); err != nil {
			return err
		}
	}
	return ss.send(respAccept, nil)
}

// analyze runs the analysis and then gives the message's bytes back; it
// returns nil if the analysis panicked. It reads nothing from the
// session, which another goroutine may have taken over meanwhile.
func (s *Server) analyze(ctx context.Context, an *mail.Analyzer, name string, raw []byte, env *mail.Envelope, qid string, held, size int64) (res *mail.Result) {
	defer func() {
		if r := recover(); r != nil {
			s.Logger.Error("milter: analysis failed", "err", r, "queue_id", qid)
			res = nil
		}
		s.budget.release(held)
		s.freer.after(size)
	}()
	return an.Analyze(ctx, name, raw, env)
}

// failure answers by the failure policy.
func (ss *session) failure() error {
	ss.s.metrics.failure(ss.s.Policy.FailOpen)
	if !ss.s.Policy.FailOpen {
		return ss.send(respTempfail, nil)
	}
	if ss.actions&actAddHdrs != 0 {
		if err := ss.send(respAddHeader, nvpair("X-Vigie-Status", "unchecked (analysis did not finish)")); err != nil {
			return err
		}
	}
	return ss.send(respAccept, nil)
}

func nvpair(name, value string) []byte {
	b := append([]byte(name), 0)
	b = append(b, value...)
	return append(b, 0)
}

func (ss *session) chgHeader(index uint32, name, value string) error {
	var ib [4]byte
	binary.BigEndian.PutUint32(ib[:], index)
	return ss.send(respChgHeader, append(ib[:], nvpair(name, value)...))
}

func (ss *session) addHeaders(res *mail.Result) error {
	if ss.actions&actAddHdrs == 0 {
		return nil
	}
	p := ss.s.Policy
	id := p.AuthServID
	if id == "" {
		id = "vigie"
	}
	a := res.Auth
	ar := fmt.Sprintf("%s; spf=%s smtp.mailfrom=%s; dkim=%s; dmarc=%s; arc=%s", id, arResult(a.SPF), sanitizeToken(ss.env.MailFrom),
		arResult(a.DKIM), arResult(a.DMARC), arResult(a.ARC))
	// at the top, where downstream readers look for their own server's
	var ib [4]byte
	if err := ss.send(respInsHeader, append(ib[:], nvpair("Authentication-Results", ar)...)); err != nil {
		return err
	}
	hs := [][2]string{
		{"X-Vigie-Verdict", string(res.Verdict)},
		{"X-Vigie-Score", strconv.FormatFloat(res.Score, 'f', 1, 64)},
	}
	if len(res.Reasons) > 0 {
		var names []string
		for _, r := range res.Reasons {
			names = append(names, r.Check)
		}
		hs = append(hs, [2]string{"X-Vigie-Reasons", sanitize(strings.Join(names, ", "), 900)})
		hs = append(hs, [2]string{"X-Vigie-Reason", sanitize(res.Reasons[0].Text, 900)})
	}
	for _, h := range hs {
		if err := ss.send(respAddHeader, nvpair(h[0], h[1])); err != nil {
			return err
		}
	}
	return nil
}

// arResult maps an internal "unknown" to RFC 8601's "none".
func arResult(s string) string {
	if s == "" || s == "unknown" {
		return "none"
	}
	return s
}

func sanitizeToken(s string) string {
	if s == "" {
		return "<>"
	}
	return strings.Map(func(r rune) rune {
		if r <= ' ' || r == ';' || r >= 0x7f {
			return -1
		}
		return r
	}, s)
}

// sanitize makes s a safe one-line header value: no CR/LF or control
// characters (no header injection through our own fields), at most n
// bytes.
func sanitize(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if len(s) > n {
		for n > 0 && s[n]&0xC0 == 0x80 {
			n--
		}
		s = s[:n]
	}
	return s
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
