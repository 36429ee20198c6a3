package mail

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
)

// Item is one message read from an input: a .eml file, one message of an
// mbox, a Maildir entry, or standard input.
type Item struct {
	// Name says where the message came from: a path, "mbox-path#3" for the
	// third message of an mbox, "-" for standard input.
	Name string
	Raw  []byte
	// Truncated is set when the message was longer than the size limit;
	// Raw then holds its start.
	Truncated bool
	// Err is set when the message could not be read at all.
	Err error
}

// ReadOptions bound the reading of inputs.
type ReadOptions struct {
	MaxMessageBytes int // per message; default 50 MiB
}

func (o ReadOptions) max() int {
	if o.MaxMessageBytes > 0 {
		return o.MaxMessageBytes
	}
	return 50 << 20
}

// Walk reads every message under path and calls fn for each, in a stable
// order. path is a file (a single message, or an mbox/MMDF mailbox, told
// apart by its first line), a directory (a Maildir — cur/ and new/ — or
// any tree of message files and mailboxes), or "-" for stdin. An error
// from fn stops the walk and is returned; errors reading a message are
// given to fn in Item.Err, so that no input is passed over silently.
func Walk(path string, stdin io.Reader, opts ReadOptions, fn func(Item) error) error {
	if path == "-" {
		return readStream("-", stdin, opts, fn)
	}
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	if !st.IsDir() {
		return readFile(path, opts, fn)
	}
	return walkDir(path, opts, fn, 0)
}

func walkDir(dir string, opts ReadOptions, fn func(Item) error, depth int) error {
	if depth > 64 {
		return fn(Item{Name: dir, Err: errors.New("directories nested deeper than 64; not read")})
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fn(Item{Name: dir, Err: fmt.Errorf("read directory: %w", err)})
	}
	isMaildir := hasDirs(ents, "cur", "new")
	sort.Slice(ents, func(i, j int) bool { return ents[i].Name() < ents[j].Name() })
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		if isMaildir {
			// a Maildir holds messages in cur/ and new/ (tmp/ is being
			// written), and Maildir++ sub-folders in dot-directories;
			// other files are the server's index and state.
			switch {
			case e.IsDir() && (e.Name() == "cur" || e.Name() == "new"):
				if err := walkFlat(p, opts, fn); err != nil {
					return err
				}
			case e.IsDir() && len(e.Name()) > 1 && e.Name()[0] == '.':
				if err := walkDir(p, opts, fn, depth+1); err != nil {
					return err
				}
			}
			continue
		}
		switch {
		case e.IsDir():
			if err := walkDir(p, opts, fn, depth+1); err != nil {
				return err
			}
		case e.Type().IsRegular():
			if err := readFile(p, opts, fn); err != nil {
				return err
			}
		case e.Type()&fs.ModeSymlink != 0:
			if err := fn(Item{Name: p, Err: errors.New("symbolic link not followed")}); err != nil {
				return err
			}
		}
	}
	return nil
}

func walkFlat(dir string, opts ReadOptions, fn func(Item) error) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fn(Item{Name: dir, Err: fmt.Errorf("read directory: %w", err)})
	}
	sort.Slice(ents, func(i, j int) bool { return ents[i].Name() < ents[j].Name() })
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		if err := readFile(filepath.Join(dir, e.Name()), opts, fn); err != nil {
			return err
		}
	}
	return nil
}

func hasDirs(ents []os.DirEntry, names ...string) bool {
	found := 0
	for _, e := range ents {
		for _, n := range names {
			if e.IsDir() && e.Name() == n {
				found++
			}
		}
	}
	return found == len(names)
}

func readFile(path string, opts ReadOptions, fn func(Item) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fn(Item{Name: path, Err: err})
	}
	defer f.Close()
	return readStream(path, f, opts, fn)
}

// readStream reads one message or a mailbox from r. A stream whose first
// line starts with "From " is an mbox (mboxo, mboxrd, mboxcl: messages
// start at "From " lines after a blank line; ">From " quoting is undone);
// one that starts with four ^A is MMDF; anything else is one message.
func readStream(name string, r io.Reader, opts ReadOptions, fn func(Item) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(5)
	switch {
	case bytes.HasPrefix(head, []byte("From ")):
		return readMbox(name, br, opts, fn, false)
	case bytes.HasPrefix(head, []byte("\x01\x01\x01\x01")):
		return readMbox(name, br, opts, fn, true)
	}
	max := opts.max()
	raw, err := io.ReadAll(io.LimitReader(br, int64(max)+1))
	if err != nil {
		return fn(Item{Name: name, Err: fmt.Errorf("read: %w", err)})
	}
	it := Item{Name: name, Raw: raw}
	if len(raw) > max {
		it.Raw, it.Truncated = raw[:max], true
		if _, err := io.Copy(io.Discard, br); err != nil {
			it.Err = fmt.Errorf("read: %w", err)
		}
	}
	return fn(it)
}

func readMbox(name string, br *bufio.Reader, opts ReadOptions, fn func(Item) error, mmdf bool) error {
	max := opts.max()
	var cur bytes.Buffer
	n := 0
	started := false
	truncated := false
	prevBlank := true
	emit := func() error {
		if !started {
			return nil
		}
		n++
		raw := bytes.Clone(cur.Bytes())
		cur.Reset()
		it := Item{Name: name + "#" + strconv.Itoa(n), Raw: raw, Truncated: truncated}
		truncated = false
		return fn(it)
	}
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// a very long line: keep reading it in pieces
			for errors.Is(err, bufio.ErrBufferFull) {
				if started && cur.Len()+len(line) <= max {
					cur.Write(line)
				} else if started {
					truncated = true
				}
				line, err = br.ReadSlice('\n')
			}
		}
		if len(line) > 0 {
			sep := false
			if mmdf {
				sep = bytes.Equal(bytes.TrimRight(line, "\r\n"), []byte("\x01\x01\x01\x01"))
			} else {
				sep = prevBlank && bytes.HasPrefix(line, []byte("From "))
			}
			blank := len(bytes.TrimRight(line, "\r\n")) == 0
			switch {
			case sep && mmdf:
				// MMDF: ^A^A^A^A opens a message and the next one closes it
				if started {
					if e := emit(); e != nil {
						return e
					}
					started = false
				} else {
					started = true
				}
			case sep:
				if started {
					if e := emit(); e != nil {
						return e
					}
				}
				started = true
			case started:
				if !mmdf && len(line) > 5 && line[0] == '>' {
					// mboxrd/mboxo quoting: ">From " and ">>From " lose one '>'
					j := 0
					for j < len(line) && line[j] == '>' {
						j++
					}
					if bytes.HasPrefix(line[j:], []byte("From ")) {
						line = line[1:]
					}
				}
				if cur.Len()+len(line) <= max {
					cur.Write(line)
				} else {
					truncated = true
				}
			}
			prevBlank = blank
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			if e := emit(); e != nil {
				return e
			}
			return fn(Item{Name: name, Err: fmt.Errorf("read mailbox after message %d: %w", n, err)})
		}
	}
	if started && cur.Len() > 0 {
		return emit()
	}
	return nil
}
