package hub

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/vigie-project/vigie/internal/docmeta"
	"github.com/vigie-project/vigie/internal/leakcase"
	"github.com/vigie-project/vigie/internal/mime"
	"github.com/vigie-project/vigie/internal/store"
)

// The text of a dump verified on the hub goes into the case's full-text
// index, so that analysts search what the messages and documents say, not
// only their senders, subjects and verdicts. It is read from the files of
// the dump directory: .eml messages, mbox files (message by message) and
// documents whose text docmeta extracts. Items inside archives, and items
// of an uploaded report.json (the report holds no text), are searched by
// their metadata and reasons only.

// Bounds of the text indexed.
const (
	maxIndexedText    = 16 << 10 // per item: the start of a long text
	maxTextFileSize   = 256 << 20
	maxMessageForText = 64 << 20
	textBatch         = 500
)

var tagRe = regexp.MustCompile(`<[^>]*>`)

// messageText is the readable text of a message: its text parts that are
// not attachments (HTML with its tags removed), at most maxIndexedText.
func messageText(raw []byte) (text, messageID string) {
	m, err := mime.Parse(raw, mime.Limits{MaxMessageBytes: maxMessageForText})
	if err != nil {
		return "", ""
	}
	var b strings.Builder
	m.Walk(func(p *mime.Part) {
		if b.Len() >= maxIndexedText || p.IsAttachment() || p.Text == "" {
			return
		}
		t := p.Text
		if p.MediaType == "text/html" {
			t = tagRe.ReplaceAllString(t, " ")
		}
		b.WriteString(t)
		b.WriteString("\n")
	})
	return truncateText(b.String()), leakcase.NormalizeMessageID(m.Header.Get("Message-ID"))
}

func truncateText(s string) string {
	if len(s) <= maxIndexedText {
		return s
	}
	s = s[:maxIndexedText]
	for len(s) > 0 && s[len(s)-1]&0xC0 == 0x80 { // do not cut a UTF-8 sequence
		s = s[:len(s)-1]
	}
	if len(s) > 0 && s[len(s)-1] >= 0xC0 {
		s = s[:len(s)-1]
	}
	return s
}

// dumpTexts reads the texts of the dump at root, naming each item as the
// verification does (the root's base name, then the path inside it; "#N"
// for the N-th message of an mbox), and hands them to fn in batches.
func dumpTexts(ctx context.Context, root string, fn func([]store.LeakText) error) error {
	fi, err := os.Stat(root)
	if err != nil {
		return err
	}
	var batch []store.LeakText
	emit := func(t store.LeakText) error {
		if strings.TrimSpace(t.Text) == "" {
			return nil
		}
		batch = append(batch, t)
		if len(batch) >= textBatch {
			err := fn(batch)
			batch = nil
			return err
		}
		return nil
	}
	base := filepath.Base(root)
	file := func(p, name string) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		ext := strings.TrimPrefix(strings.ToLower(filepath.Ext(p)), ".")
		switch {
		case ext == "eml":
			raw, err := readBounded(p, maxMessageForText)
			if err != nil {
				return nil // the verification reports unreadable files
			}
			text, id := messageText(raw)
			return emit(store.LeakText{Path: name, MessageID: id, Text: text})
		case ext == "mbox" || ext == "mbx" || isMbox(p):
			return mboxTexts(ctx, p, name, emit)
		case docmeta.HasText(ext):
			if st, err := os.Stat(p); err != nil || st.Size() > maxTextFileSize {
				return nil
			}
			text, ok, _ := docmeta.DefaultLimits.FileText(p)
			if ok {
				return emit(store.LeakText{Path: name, Text: truncateText(text)})
			}
		}
		return nil
	}
	if !fi.IsDir() {
		err = file(root, base)
	} else {
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return nil
			}
			rel, _ := filepath.Rel(root, p)
			return file(p, base+"/"+filepath.ToSlash(rel))
		})
	}
	if err != nil {
		return err
	}
	if len(batch) > 0 {
		return fn(batch)
	}
	return nil
}

func readBounded(p string, limit int64) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: larger than %d bytes", p, limit)
	}
	return b, nil
}

// isMbox tells an mbox without the extension by its first line.
func isMbox(p string) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 5)
	n, _ := io.ReadFull(f, head)
	return n == 5 && string(head) == "From "
}

// mboxTexts splits an mbox at its "From " lines, numbering messages from
// 1; a message's text is attached to the item only if its Message-ID is
// the item's (store.AddLeakTexts checks), so that a split that differs
// from the verifier's never puts a text on another message.
func mboxTexts(ctx context.Context, p, name string, emit func(store.LeakText) error) error {
	f, err := os.Open(p)
	if err != nil {
		return nil
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	var msg bytes.Buffer
	n, skip, mid := 0, false, false
	flush := func() error {
		if n == 0 || skip {
			return nil
		}
		text, id := messageText(msg.Bytes())
		if id == "" {
			return nil
		}
		return emit(store.LeakText{Path: fmt.Sprintf("%s#%d", name, n), MessageID: id, Text: text})
	}
	for {
		line, err := r.ReadSlice('\n')
		if len(line) > 0 {
			if !mid && bytes.HasPrefix(line, []byte("From ")) {
				if ferr := flush(); ferr != nil {
					return ferr
				}
				if cerr := ctx.Err(); cerr != nil {
					return cerr
				}
				msg.Reset()
				n++
				skip = false
			} else if !skip {
				if msg.Len()+len(line) > maxMessageForText {
					skip = true
					msg.Reset()
				} else {
					msg.Write(line)
				}
			}
		}
		mid = err == bufio.ErrBufferFull // the line goes on in the next read
		if mid {
			continue
		}
		if err != nil {
			break
		}
	}
	return flush()
}
