// Command nullmilter is a milter that does nothing: it negotiates the
// milter protocol exactly as `vigie mail milter` does over a unix socket
// (the same steps left unanswered or skipped, the same one macro asked
// for) and accepts every message without reading it. bench-milter.sh runs
// it beside Vigie's milter to measure the floor: what Postfix pays for
// talking to any milter that way, before the milter does any work. It is
// a benchmark tool, not something to run in front of real mail.
//
//	go run ./bench/milter/nullmilter /path/to/null.sock
package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
)

// The negotiation of internal/mail/milter (milter.go) for a unix socket:
// no reply before the end of the message (SMFIP_NR_*), no DATA, unknown
// command or end-of-headers steps, and only the queue ID macro.
const (
	version      = 6
	actions      = 0x01 | 0x10 | 0x20 | 0x100 // add and change headers, quarantine, set the macro list
	noReplySteps = 0x1000 | 0x2000 | 0x4000 | 0x8000 | 0x10000 | 0x20000 | 0x40000 | 0x80000 | 0x80
	skippedSteps = 0x100 | 0x200 | 0x40
	macroStages  = 7
	maxPacket    = 1 << 20
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: nullmilter SOCKET")
		os.Exit(2)
	}
	if err := serve(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "nullmilter:", err)
		os.Exit(1)
	}
}

func serve(path string) error {
	os.Remove(path)
	l, err := net.Listen("unix", path)
	if err != nil {
		return err
	}
	if err := os.Chmod(path, 0o666); err != nil {
		return err
	}
	for {
		c, err := l.Accept()
		if err != nil {
			return err
		}
		go func() {
			defer c.Close()
			if err := session(c); err != nil && !errors.Is(err, io.EOF) {
				slog.Warn("nullmilter: session", "err", err)
			}
		}()
	}
}

// session answers one MTA connection: the negotiation, then an accept at
// each end of message; every other step goes unanswered, as negotiated.
func session(c net.Conn) error {
	r, w := bufio.NewReader(c), bufio.NewWriter(c)
	var hdr [5]byte
	buf := make([]byte, 0, 64<<10)
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return err
		}
		n := binary.BigEndian.Uint32(hdr[:4])
		if n == 0 || n > maxPacket {
			return fmt.Errorf("packet of %d bytes", n)
		}
		buf = buf[:n-1]
		if _, err := io.ReadFull(r, buf); err != nil {
			return err
		}
		var reply []byte
		switch hdr[4] {
		case 'O':
			if len(buf) < 12 {
				return errors.New("short option negotiation")
			}
			mta := binary.BigEndian.Uint32(buf[4:8])
			steps := binary.BigEndian.Uint32(buf[8:12])
			reply = binary.BigEndian.AppendUint32(reply, version)
			reply = binary.BigEndian.AppendUint32(reply, mta&actions)
			reply = binary.BigEndian.AppendUint32(reply, steps&(noReplySteps|skippedSteps))
			if mta&0x100 != 0 {
				for st := range uint32(macroStages) {
					reply = binary.BigEndian.AppendUint32(reply, st)
					reply = append(reply, "i\x00"...)
				}
			}
			reply = append([]byte{'O'}, reply...)
		case 'E':
			reply = []byte{'a'}
		case 'Q':
			return nil
		default:
			continue
		}
		var l [4]byte
		binary.BigEndian.PutUint32(l[:], uint32(len(reply)))
		w.Write(l[:])
		w.Write(reply)
		if err := w.Flush(); err != nil {
			return err
		}
	}
}
