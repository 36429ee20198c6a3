package milter

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/mail"
	"github.com/vigie-project/vigie/internal/mail/model"
)

// BenchmarkMilterMessage measures one message through the milter over
// loopback TCP, as Postfix sends it (macros, every step answered, headers
// one by one, the body in one chunk): the milter's cost per message, the
// analysis included. bench/milter/bench-milter.sh measures it inside real
// Postfix.
func BenchmarkMilterMessage(b *testing.B) {
	a, err := mail.New(mail.Options{OwnDomains: []string{"en-marche.fr"}})
	if err != nil {
		b.Fatal(err)
	}
	l, err := Listen("inet:127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv := &Server{Analyzer: a, Policy: DefaultPolicy(), Host: "bench"}
	done := make(chan struct{})
	go func() { srv.Serve(ctx, l); close(done) }()
	defer func() { cancel(); <-done }()

	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	send := func(cmd byte, parts ...string) {
		data := strings.Join(parts, "")
		var lb [4]byte
		binary.BigEndian.PutUint32(lb[:], uint32(len(data)+1))
		if _, err := c.Write(append(append(lb[:], cmd), data...)); err != nil {
			b.Fatal(err)
		}
	}
	recv := func() byte {
		var lb [4]byte
		if _, err := io.ReadFull(r, lb[:]); err != nil {
			b.Fatal(err)
		}
		buf := make([]byte, binary.BigEndian.Uint32(lb[:]))
		if _, err := io.ReadFull(r, buf); err != nil {
			b.Fatal(err)
		}
		return buf[0]
	}
	var neg [12]byte
	binary.BigEndian.PutUint32(neg[0:4], 6)
	binary.BigEndian.PutUint32(neg[4:8], 0x1ff)
	binary.BigEndian.PutUint32(neg[8:12], 0x1fffff)
	send(cmdOptNeg, string(neg[:]))
	recv()
	send(cmdMacro, "C", "j\x00mx.example.test\x00")
	send(cmdConnect, "client.example.org\x00", "4", "\x30\x39", "192.0.2.10\x00")
	recv()
	send(cmdHelo, "client.example.org\x00")
	recv()
	var body strings.Builder
	for i := 1; i <= 20; i++ {
		fmt.Fprintf(&body, "<p>Point %d : le programme du meeting, voir <a href=\"https://www.example.org/agenda/%d\">l agenda</a> et la liste des benevoles.</p>\r\n", i, i)
	}
	hdrs := [][2]string{{"From", "Equipe campagne <equipe@example.org>"}, {"To", "staff@example.test"}, {"Subject", "Compte rendu de la reunion de jeudi"},
		{"MIME-Version", "1.0"}, {"Content-Type", "text/html; charset=utf-8"}, {"Message-ID", "<1@example.org>"}, {"Date", "Mon, 7 Dec 2026 01:00:00 +0000"}}
	b.SetBytes(int64(body.Len()))
	b.ReportAllocs()
	for b.Loop() {
		send(cmdMacro, "M", "i\x00ABC123\x00")
		send(cmdMail, "<equipe@example.org>\x00")
		recv()
		send(cmdRcpt, "<staff@example.test>\x00")
		recv()
		send(cmdData)
		recv()
		for _, h := range hdrs {
			send(cmdHeader, h[0]+"\x00", h[1]+"\x00")
			recv()
		}
		send(cmdEOH)
		recv()
		send(cmdBody, body.String())
		recv()
		send(cmdMacro, "E", "i\x00ABC123\x00")
		send(cmdEOB)
		for {
			if c := recv(); c == respAccept || c == respReject || c == respTempfail || c == respReplyCode || c == respContinue {
				break
			}
		}
	}
}

// BenchmarkMilterConnection is BenchmarkMilterMessage as Postfix runs it
// behind smtp-source and most SMTP clients: one milter connection per SMTP
// session, with its negotiation, for each message. "tcp-every-step" is
// TCP with every step answered (AnswerEveryStep), as before quick ACKs.
func BenchmarkMilterConnection(b *testing.B) {
	for _, name := range []string{"tcp", "tcp-every-step", "unix"} {
		b.Run(name, func(b *testing.B) {
			network := strings.TrimSuffix(name, "-every-step")
			// as vigie mail milter runs: with the built-in learned model
			m, err := model.Default()
			if err != nil {
				b.Fatal(err)
			}
			a, err := mail.New(mail.Options{OwnDomains: []string{"en-marche.fr"}, Model: m})
			if err != nil {
				b.Fatal(err)
			}
			spec, sock := "inet:127.0.0.1:0", ""
			if network == "unix" {
				sock = b.TempDir() + "/m.sock"
				spec = "unix:" + sock
			}
			l, err := Listen(spec)
			if err != nil {
				b.Fatal(err)
			}
			addr := l.Addr().String()
			if sock != "" {
				addr = sock
			}
			ctx, cancel := context.WithCancel(context.Background())
			srv := &Server{Analyzer: a, Policy: DefaultPolicy(), Host: "bench", AnswerEveryStep: name != network}
			done := make(chan struct{})
			go func() { srv.Serve(ctx, l); close(done) }()
			defer func() { cancel(); <-done }()
			var body strings.Builder
			for i := 1; i <= 20; i++ {
				fmt.Fprintf(&body, "<p>Point %d : le programme du meeting, voir <a href=\"https://www.example.org/agenda/%d\">l agenda</a> et la liste des benevoles.</p>\r\n", i, i)
			}
			hdrs := [][2]string{{"From", "Equipe campagne <equipe@example.org>"}, {"To", "staff@example.test"}, {"Subject", "Compte rendu de la reunion de jeudi"},
				{"MIME-Version", "1.0"}, {"Content-Type", "text/html; charset=utf-8"}, {"Message-ID", "<1@example.org>"}, {"Date", "Mon, 7 Dec 2026 01:00:00 +0000"}}
			b.ReportAllocs()
			c0 := cpuTime()
			defer func() {
				// both sides' CPU: the MTA side is the same before and after a change
				b.ReportMetric(float64((cpuTime()-c0).Nanoseconds())/float64(b.N), "cpu-ns/op")
			}()
			for b.Loop() {
				c, err := net.Dial(network, addr)
				if err != nil {
					b.Fatal(err)
				}
				m := &mta{t: b, c: c, r: bufio.NewReader(c)}
				m.negotiate()
				m.send(cmdMacro, "C", "j\x00mx.example.test\x00")
				m.step(nrConn, cmdConnect, "client.example.org\x00", "4", "\x30\x39", "192.0.2.10\x00")
				m.step(nrHelo, cmdHelo, "client.example.org\x00")
				m.send(cmdMacro, "M", "i\x00ABC123\x00")
				m.step(nrMail, cmdMail, "<equipe@example.org>\x00")
				m.step(nrRcpt, cmdRcpt, "<staff@example.test>\x00")
				m.step(nrData, cmdData)
				for _, h := range hdrs {
					m.step(nrHdr, cmdHeader, h[0]+"\x00", h[1]+"\x00")
				}
				m.step(nrEOH, cmdEOH)
				m.step(nrBody, cmdBody, body.String())
				m.send(cmdEOB)
				m.verdict()
				m.send(cmdQuit)
				c.Close()
			}
		})
	}
}
