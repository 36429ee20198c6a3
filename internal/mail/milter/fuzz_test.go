package milter

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/mail"
)

func packet(cmd byte, data string) []byte {
	var lb [4]byte
	binary.BigEndian.PutUint32(lb[:], uint32(len(data)+1))
	return append(append(lb[:], cmd), data...)
}

// FuzzSession feeds arbitrary bytes to a milter session as if from the
// MTA: the session must end cleanly, never panic or hang.
func FuzzSession(f *testing.F) {
	var seed bytes.Buffer
	var neg [12]byte
	binary.BigEndian.PutUint32(neg[0:4], 6)
	binary.BigEndian.PutUint32(neg[4:8], 0x1ff)
	binary.BigEndian.PutUint32(neg[8:12], 0x1fffff)
	seed.Write(packet(cmdOptNeg, string(neg[:])))
	seed.Write(packet(cmdConnect, "h\x004\x00\x19127.0.0.1\x00"))
	seed.Write(packet(cmdMail, "<a@b>\x00"))
	seed.Write(packet(cmdHeader, "Subject\x00hi\x00"))
	seed.Write(packet(cmdEOH, ""))
	seed.Write(packet(cmdBody, "hello"))
	seed.Write(packet(cmdEOB, ""))
	seed.Write(packet(cmdQuit, ""))
	f.Add(seed.Bytes())
	f.Add(packet(cmdMacro, ""))
	f.Add(packet(cmdConnect, "\x00"))
	a, err := mail.New(mail.Options{})
	if err != nil {
		f.Fatal(err)
	}
	s := &Server{Analyzer: a, Policy: DefaultPolicy()}
	s.Policy.Timeout = 2 * time.Second
	f.Fuzz(func(t *testing.T, in []byte) {
		client, server := net.Pipe()
		done := make(chan struct{})
		go func() {
			s.handleForTest(server)
			close(done)
		}()
		go io.Copy(io.Discard, bufio.NewReader(client))
		client.SetWriteDeadline(time.Now().Add(5 * time.Second))
		client.Write(in)
		client.Close()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("session did not end")
		}
	})
}

func (s *Server) handleForTest(c net.Conn) {
	if s.Logger == nil {
		s.Logger = discardLogger()
	}
	s.handle(context.Background(), c, nil)
}
