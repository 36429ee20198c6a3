package doctest

import (
	"archive/zip"
	"bytes"
	"time"
)

// Zip writes a zip archive of the named files (name, content), deflated,
// every entry dated modified: the container of OOXML and ODF packages.
func Zip(modified time.Time, files ...[2]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f[0], Method: zip.Deflate, Modified: modified})
		if err != nil {
			panic(err) // only for a name the zip format cannot hold: a broken test
		}
		w.Write([]byte(f[1]))
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}
