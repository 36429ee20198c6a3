package docmeta

import (
	"errors"
	"io"
)

// rtfPlainText returns the text of an RTF document's body. Not written
// yet: Text reports the error.
func (l Limits) rtfPlainText(r io.ReaderAt, size int64) (string, error) {
	return "", errors.New("text extraction from RTF is not available in this version")
}
