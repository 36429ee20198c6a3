package docmeta

import (
	"errors"
	"io"
)

// oleText returns the text of a legacy Word, Excel or PowerPoint file. Not
// written yet: Text reports the error.
func (l Limits) oleText(format string, r io.ReaderAt, size int64) (string, error) {
	return "", errors.New("text extraction from legacy Office files is not available in this version")
}
